"""``ctxsep names``: where the vocabulary lives in a tree.

Bare vocabulary names match by their last component wherever they come from,
so in a large tree one name can match several unrelated classes. This
package scans a tree with the engine's own semantics and lists, for every
vocabulary entry, each class/function/variable definition it matches (with
evidence a human can choose by), the module-level aliases that point at a
vocabulary entry, the importers and re-export paths of each, and the dotted
``[tool.ctxsep.names]`` lines to paste. It reads the files and prints
nothing; ``ctxsep.cli.names`` renders the result.
"""

from __future__ import annotations

import os
from pathlib import Path

from ctxsep import atomic
from ctxsep.config import SettingsResolver
from ctxsep.engine import SkipFile, decode_source, parse
from ctxsep.inventory.facts import FileFacts, extract, module_name
from ctxsep.inventory.index import Inventory, build
from ctxsep.prefilter import foreign_text
from ctxsep.runner import FileCollector, display_path
from ctxsep.semantics import FileSemantics, Vocabulary

_FILES_PER_WORKER = 64


def scan(paths: list[str], resolver: SettingsResolver, jobs: int | None = None) -> Inventory:
    """Scan every Python file under ``paths``. The vocabulary is the one of
    the config governing the first path (raises ConfigError for a broken one)."""
    files = FileCollector(resolver).collect(paths)
    config = resolver.for_path(_anchor(paths, resolver)).config
    vocab = config.vocabulary
    all_modules = {module_name(resolver.for_path(f).module_parts) for f in files}
    # Pass 1: files mentioning a vocabulary identifier hold every definition and alias.
    first = _run(files, sorted(vocab.identifiers), resolver, jobs)
    parsed = set(first.paths)
    alias_names = sorted({a.name for f in first.facts for a in f.aliases} - set(vocab.identifiers))
    # Pass 2: the other files matter only as importers of those aliases.
    rest = [f for f in files if display_path(f, resolver.cwd) not in parsed]
    second = _run(rest, alias_names, resolver, jobs) if alias_names else _Pass()
    inventory = build(
        [*first.facts, *second.facts],
        vocab,
        all_modules,
        files=len(files),
        skipped=sorted(first.skipped + second.skipped),
    )
    if config.path is not None:
        inventory.table = config.key_label("names")
    return inventory


def _anchor(paths: list[str], resolver: SettingsResolver) -> Path:
    """A file path whose config governs the scan: inside the first PATH."""
    first = resolver.cwd / (paths[0] if paths else ".")
    return first / "__init__.py" if first.is_dir() else first


class _Pass:
    def __init__(self) -> None:
        self.facts: list[FileFacts] = []
        self.skipped: list[tuple[str, str]] = []
        self.paths: list[str] = []

    def add(self, result: tuple[str, FileFacts | None, str | None] | None) -> None:
        if result is None:
            return
        path, facts, reason = result
        self.paths.append(path)
        if facts is not None:
            self.facts.append(facts)
        if reason is not None:
            self.skipped.append((path, reason))


def _run(files: list[Path], needles: list[str], resolver: SettingsResolver, jobs: int | None) -> _Pass:
    out = _Pass()
    workers = max(1, jobs if jobs else (os.cpu_count() or 1))
    workers = min(workers, max(1, len(files) // _FILES_PER_WORKER))
    encoded = tuple(n.encode() for n in needles)
    if workers == 1:
        for file in files:
            out.add(_scan_file(file, encoded, resolver))
        return out
    chunk = max(1, min(128, len(files) // (workers * 4) or 1))
    chunks = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    from concurrent.futures import ProcessPoolExecutor  # imported when used: `check`'s fix marks import this package

    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(resolver.explicit, resolver.cwd, encoded)
    ) as pool:
        for batch in pool.map(_scan_chunk, chunks):
            for result in batch:
                out.add(result)
    return out


_worker: tuple[SettingsResolver, tuple[bytes, ...]] | None = None


def _init_worker(explicit: Path | None, cwd: Path, needles: tuple[bytes, ...]) -> None:
    global _worker
    _worker = (SettingsResolver(explicit=explicit, cwd=cwd), needles)


def _scan_chunk(files: list[Path]) -> list[tuple[str, FileFacts | None, str | None] | None]:
    assert _worker is not None
    resolver, needles = _worker
    return [_scan_file(f, needles, resolver) for f in files]


def _scan_file(
    file: Path, needles: tuple[bytes, ...], resolver: SettingsResolver
) -> tuple[str, FileFacts | None, str | None] | None:
    """(path, facts, reason it was skipped); None when the file cannot
    mention any needle."""
    shown = display_path(file, resolver.cwd)
    try:
        data = atomic.read_source(file)
    except OSError as exc:
        return shown, None, f"cannot read: {exc.strerror or exc}"
    if not any(n in data for n in needles):
        try:
            text = foreign_text(data)  # `# coding: unicode_escape` can spell a name in other bytes
        except ValueError:
            text = ""  # undecodable: parse() below says why
        if text is None or (text and not any(n.decode() in text for n in needles)):
            return None
    settings = resolver.for_path(file)
    try:
        source = decode_source(data)
        tree = parse(source, shown)
        sem = FileSemantics(tree, settings.vocabulary, settings.module_parts, source)
        return shown, extract(sem, shown), None
    except SkipFile as exc:
        return shown, None, str(exc)
    except RecursionError:
        return shown, None, "nesting too deep to analyse"


__all__ = ["Inventory", "Vocabulary", "scan"]
