"""Checking many files: discovery, config resolution up front, parallel
workers. Used by the CLI; front ends check one file at a time through
``engine.check_file``.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ctxsep import atomic
from ctxsep.cache import ResultCache, Stamp, content_hash, entry_key, trusted_stamp
from ctxsep.config import Config, FileSettings, SettingsResolver, relative_posix
from ctxsep.engine import FileResult, baseline_for, check_path, needs_analysis, with_baseline
from ctxsep.model import ConfigError, Finding, Fix, Severity
from ctxsep.parallel import Streamer, init_worker, worker_resolver
from ctxsep.textsafe import escape

if TYPE_CHECKING:
    import pathspec

#: Directories never descended into (unless named on the command line).
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "build",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ctxsep_cache",
        ".eggs",
    }
)
SOURCE_SUFFIXES = (".py", ".pyi")
#: Below this many files per worker, processes cost more than they save.
_FILES_PER_WORKER = 8


@dataclass
class RunResult:
    results: list[FileResult] = field(default_factory=list)
    show_baselined: bool = False
    #: the absolute path of each result, in the same order
    files: list[Path] = field(default_factory=list)
    #: how each file's result was obtained: "cached" (unchanged stamp),
    #: "rehashed" (same bytes, new stamp) and "checked"
    cache_stats: dict[str, int] = field(default_factory=dict)
    #: the fix offered for a shown finding, by (path, line, col, code); filled
    #: by ``ctxsep check`` (``ctxsep.fixes.marks``), read by the formats
    fixes: dict[tuple[str, int, int, str], Fix] = field(default_factory=dict)

    def fix_for(self, finding: Finding) -> Fix | None:
        return self.fixes.get((finding.path, finding.line, finding.col, finding.code))

    def findings(self) -> Iterator[Finding]:
        for result in self.results:
            yield from result.findings

    def baselined(self) -> Iterator[Finding]:
        for result in self.results:
            yield from result.baselined

    def shown_findings(self) -> list[Finding]:
        shown = list(self.findings())
        if self.show_baselined:
            shown.extend(self.baselined())
        return sorted(shown, key=lambda f: f.sort_key)

    def summary(self) -> dict[str, Any]:
        findings = list(self.findings())
        by_code: dict[str, int] = {}
        for finding in findings:
            by_code[finding.code] = by_code.get(finding.code, 0) + 1
        return {
            "files": len(self.results),
            "parsed": sum(1 for r in self.results if r.parsed),
            "skipped": sum(1 for r in self.results if r.skipped),
            "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
            "warnings": sum(1 for f in findings if f.severity is Severity.WARN),
            "baselined": sum(len(r.baselined) for r in self.results),
            "by_code": dict(sorted(by_code.items())),
            "fixable": self.fixable(),
        }

    def fixable(self) -> dict[str, int]:
        """How many shown findings ``ctxsep fix`` would fix ("safe"), and how
        many more ``--unsafe-fixes`` would ("unsafe")."""
        safe = sum(1 for fix in self.fixes.values() if fix.safe)
        return {"safe": safe, "unsafe": len(self.fixes) - safe}

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings())


def warn(message: str) -> None:
    """How the collector reports a directory it cannot read (stderr; every
    command that walks a tree reports it the same way)."""
    print(f"ctxsep: warning: {message}", file=sys.stderr)


class FileCollector:
    """Expands command-line paths into source files, honouring each config's
    ``exclude`` patterns (relative to that config's directory).

    A directory that cannot be listed (a root-owned ``pgdata/``) is reported
    through ``on_problem``, once, naming it, and its files are not checked;
    an excluded directory is never entered at all, not even to look for a
    config in it (its parent's config decides)."""

    def __init__(self, resolver: SettingsResolver, on_problem: Callable[[str], None] = warn) -> None:
        self.resolver = resolver
        self.on_problem = on_problem
        self._specs: dict[int, pathspec.GitIgnoreSpec] = {}
        self._reported: set[str] = set()

    def _problem(self, path: str, exc: OSError) -> None:
        shown = display_path(Path(path), self.resolver.cwd)
        if shown not in self._reported:
            self._reported.add(shown)
            self.on_problem(
                f"{escape(shown)}: cannot read this directory ({exc.strerror or exc}); its files were not "
                "checked (list it in `exclude` to skip it on purpose)"
            )

    def excluded(self, path: Path, is_dir: bool, parent: Path | None = None) -> bool:
        """Whether ``path``'s config excludes it (the history walk asks this
        of paths listed from a git tree, which need not exist on disk); a
        directory is judged by its ``parent``'s config, as ``_walk`` does."""
        config = self.resolver.config_for_dir(parent if parent is not None else path if is_dir else path.parent)
        if not config.exclude:
            return False
        return self._matches(self._spec(config), config, path, is_dir)

    def _matches(self, spec: pathspec.GitIgnoreSpec, config: Config, path: Path, is_dir: bool) -> bool:
        rel = relative_posix(path, config.root)
        if rel.startswith("../"):
            return False
        return bool(spec.match_file(rel + "/" if is_dir else rel))

    def _spec(self, config: Config) -> pathspec.GitIgnoreSpec:
        spec = self._specs.get(id(config))
        if spec is None:
            import pathspec  # only configs with `exclude` pay for importing it

            spec = pathspec.GitIgnoreSpec.from_lines(config.exclude)
            self._specs[id(config)] = spec
        return spec

    def collect(self, paths: Iterable[str]) -> list[Path]:
        found: dict[Path, None] = {}
        for raw in paths:
            absolute = Path(os.path.normpath(self.resolver.cwd / raw))
            try:
                if absolute.is_dir():
                    for file in self._walk(absolute):
                        found[file] = None
                elif not self.excluded(absolute, False):
                    found[absolute] = None  # a named file is checked even if missing: it becomes CTX900
            except PermissionError as exc:  # its directory cannot be searched for a config
                self._problem(os.fspath(absolute.parent), exc)
        return list(found)

    def _walk(self, top: Path) -> Iterator[Path]:
        # os.walk does not follow directory symlinks, so a symlink loop cannot trap it.
        # Strings, not Paths, on this path: it runs once per file of the tree.
        for dirpath, dirnames, filenames in os.walk(top, onerror=lambda exc: self._problem(exc.filename, exc)):
            parent = Path(dirpath)
            try:
                # Every name in it (dirnames before they are pruned: `.git` is one).
                config = self.resolver.config_for_dir(parent, {*dirnames, *filenames})
            except OSError as exc:  # listable but not searchable: no config can be looked for
                dirnames[:] = []
                self._problem(dirpath, exc)
                continue
            # A subdirectory is judged by this directory's config (``excluded``).
            spec = self._spec(config) if config.exclude else None
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in SKIPPED_DIRS
                and not d.endswith(".egg-info")
                and (spec is None or not self._matches(spec, config, parent / d, True))
            )
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    file = parent / name
                    if spec is None or not self._matches(spec, config, file, False):
                        yield file


def display_path(path: Path, cwd: Path) -> str:
    return relative_posix(path, cwd)


def display_paths(files: Iterable[Path], cwd: Path) -> list[str]:
    """``display_path`` of each file, each directory's part worked out once
    (a plain POSIX path's display is its directory's plus ``/name``)."""
    prefixes: dict[str, str] = {}
    shown: list[str] = []
    for file in files:
        text = str(file)
        directory, _, name = text.rpartition("/")
        prefix = prefixes.get(directory) if os.sep == "/" else None
        if prefix is not None and name not in ("", ".", ".."):
            shown.append(prefix + name)
            continue
        display = display_path(file, cwd)
        shown.append(display)
        plain = os.sep == "/" and "/." not in text and "//" not in text and name not in ("", ".", "..")
        if plain and (display == name or display.endswith("/" + name)):
            prefixes[directory] = display[: len(display) - len(name)]
    return shown


# -- workers -----------------------------------------------------------------------

T = TypeVar("T")
ItemT = TypeVar("ItemT")
#: One item's work: module-level (or a functools.partial of one) so worker
#: processes can receive it.
ItemTask = Callable[[ItemT, SettingsResolver], T]
FileTask = ItemTask[Path, T]


def _run_chunk(work: tuple[ItemTask[ItemT, T], list[ItemT]]) -> list[T]:
    task, items = work
    resolver = worker_resolver()
    return [task(item, resolver) for item in items]


def collect(paths: Iterable[str], resolver: SettingsResolver, baseline: bool = True) -> list[Path]:
    """The files under ``paths``, after validating every config (and, with
    ``baseline``, every baseline file) they use. Raises ConfigError listing
    every problem before anything is checked."""
    return [file for file, _ in collect_settings(paths, resolver, baseline)]


def collect_settings(
    paths: Iterable[str], resolver: SettingsResolver, baseline: bool = True
) -> list[tuple[Path, FileSettings]]:
    """``collect``, with each file's settings (resolved once, here)."""
    files = FileCollector(resolver).collect(paths)
    return resolve_settings(files, lambda file: file, resolver, baseline_for if baseline else None)


def resolve_settings(
    items: Iterable[ItemT],
    path_of: Callable[[ItemT], Path],
    resolver: SettingsResolver,
    check_baseline: Callable[[Config], object] | None = baseline_for,
) -> list[tuple[ItemT, FileSettings]]:
    """Each item with the settings of its path. Raises ConfigError listing
    every problem of every config the items use and then (unless
    ``check_baseline`` is None) of each config's baseline, as
    ``check_baseline(config)`` raises them, before anything is checked."""
    problems: list[str] = []
    configs: dict[Path | None, Config] = {}
    found: list[tuple[ItemT, FileSettings]] = []
    for item in items:
        try:
            settings = resolver.for_path(path_of(item))
        except ConfigError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            continue
        found.append((item, settings))
        configs.setdefault(settings.config.path, settings.config)
    if check_baseline is not None and not problems:
        for config in configs.values():
            try:
                check_baseline(config)
            except ConfigError as exc:
                problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise ConfigError(problems)
    return found


def map_files(
    items: list[ItemT],
    resolver: SettingsResolver,
    task: ItemTask[ItemT, T],
    jobs: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[T]:
    """``task`` over every item (a file, or a file with what the task needs
    to know about it), in worker processes when there are enough items;
    results in the order of ``items``. ``on_done(n)`` is told how many items
    are finished as they finish (for progress)."""
    workers = max(1, jobs if jobs else (os.cpu_count() or 1))
    workers = min(workers, max(1, len(items) // _FILES_PER_WORKER))
    results: list[T] = []
    if workers == 1:
        for item in items:
            results.append(task(item, resolver))
            if on_done is not None:
                on_done(len(results))
        return results
    from concurrent.futures import ProcessPoolExecutor  # small runs never pay for importing it

    chunk = max(1, min(64, len(items) // (workers * 4) or 1))
    work = [(task, items[i : i + chunk]) for i in range(0, len(items), chunk)]
    with ProcessPoolExecutor(
        max_workers=workers, initializer=init_worker, initargs=(resolver.explicit, resolver.cwd)
    ) as pool:
        for batch in pool.map(_run_chunk, work):
            results.extend(batch)
            if on_done is not None:
                on_done(len(results))
    return results


def run_check(
    paths: Iterable[str],
    resolver: SettingsResolver,
    jobs: int | None = None,
    baseline: bool = True,
    cache: ResultCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Check every file under ``paths``. Raises ConfigError (every problem of
    every config and baseline involved) before checking anything.
    ``baseline=False`` reports every finding, recorded or not. With a
    ``cache``, files whose cached result is still valid are not re-checked;
    the cache holds findings before the baseline, which is applied here."""
    with _fewer_collections():
        return _run_check(paths, resolver, jobs, baseline, cache, progress)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run with the cyclic garbage collector's first generation 50 times as
    large: a run creates a few objects per file (settings, results), almost
    none in cycles, and the default threshold (700) would walk the young
    objects thousands of times on a large tree (~3 % of a warm run)."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 35_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _run_check(
    paths: Iterable[str],
    resolver: SettingsResolver,
    jobs: int | None,
    baseline: bool,
    cache: ResultCache | None,
    progress: Callable[[int, int], None] | None,
) -> RunResult:
    found = collect_settings(paths, resolver, baseline=baseline)
    cwd = resolver.cwd
    displays = display_paths((file for file, _ in found), cwd)
    raw: list[FileResult | None] = [None] * len(found)
    todo: list[int] = []
    hints: list[str | None] = []
    answers = cache.lookup_all(found, displays) if cache is not None else [(None, None)] * len(found)
    for i, (hit, hint) in enumerate(answers):
        if hit is None:
            todo.append(i)
            hints.append(hint)
        else:
            raw[i] = hit
    stats = {"cached": len(found) - len(todo), "rehashed": 0, "checked": 0}
    on_done: Callable[[int], None] | None = None
    if progress is not None:
        report, total, answered = progress, len(found), len(found) - len(todo)

        def done(finished: int) -> None:  # files the cache answered are done already
            report(answered + finished, total)

        done(0)
        on_done = done
    checked = _check_todo(
        [(found[i][0], displays[i], hint, found[i][1]) for i, hint in zip(todo, hints, strict=True)],
        resolver,
        cache is not None,
        jobs,
        on_done,
    )
    fixtures: dict[tuple[int, str, bool], str] = {}  # conftest.py digests, per directory, for the keys below
    for i, outcome in zip(todo, checked, strict=True):
        file, settings = found[i]
        result = outcome.result
        if result is None and cache is not None:  # same bytes as the cached entry, new stamp
            result = cache.reuse(file, settings, displays[i], outcome.stamp)
            stats["rehashed"] += result is not None
        if result is None:
            result = check_path(file, settings, displays[i])
            stats["checked"] += 1
        elif outcome.result is not None:
            stats["checked"] += 1
            # Stored only under the settings the worker really used: a config
            # edited during the run must not file results under the old key.
            if cache is not None and outcome.content is not None:
                key = cache.key_for(settings, fixtures)
                if outcome.key is None or outcome.key == key:
                    cache.store(file, settings, result, outcome.content, outcome.stamp, key)
        raw[i] = result
    if cache is not None:
        cache.save()
    results = []
    for (_, settings), result in zip(found, raw, strict=True):
        assert result is not None
        results.append(with_baseline(result, settings) if baseline else result)
    order = sorted(range(len(found)), key=lambda i: results[i].path)
    return RunResult([results[i] for i in order], files=[found[i][0] for i in order], cache_stats=stats)


@dataclass(frozen=True)
class Checked:
    """A worker's answer for one file: the result before the baseline (None:
    the bytes hash to the cache's ``hint``, the cached result stands), the
    hash of the bytes checked and a stamp safe to record (or None)."""

    result: FileResult | None
    content: str | None = None
    stamp: Stamp | None = None
    #: the cache key of the settings the file was checked with; None: with
    #: the very settings ``run_check`` resolved (nothing re-resolved them)
    key: str | None = None


#: Source bytes to parse per worker below which a process costs more than it
#: saves (parsing and the rules take ~0.25 s per MB).
_BYTES_PER_WORKER = 512 * 1024


@dataclass(frozen=True)
class _Read:
    """A file read in the parent that needs parsing: what a worker needs."""

    path: Path
    display: str
    data: bytes
    content: str | None
    stamp: Stamp | None


def _check_todo(
    items: list[tuple[Path, str, str | None, FileSettings]],
    resolver: SettingsResolver,
    hashing: bool,
    jobs: int | None,
    on_done: Callable[[int], None] | None,
) -> list[Checked]:
    """Every file read and prefiltered here, in order. Only those that need
    parsing (a small part of most trees) are parsed: here, or — once they
    add up to enough work to pay for processes — in worker processes that
    start parsing while this process goes on reading."""
    checked: list[Checked | None] = []
    workers = max(1, jobs if jobs else (os.cpu_count() or 1))
    with Streamer(resolver, _check_read, workers, _BYTES_PER_WORKER) as streamer:
        for path, display, hint, settings in items:
            answer = _read_for_check(path, display, hint, settings, hashing)
            if isinstance(answer, _Read):
                streamer.put(len(checked), answer, len(answer.data))
                checked.append(None)
            else:
                checked.append(answer)
            if on_done is not None and not len(checked) % 256:
                on_done(len(checked) - streamer.unfinished)
        for index, result in streamer.results(None if on_done is None else lambda n: on_done(len(items) - n)):
            checked[index] = result
    return [c for c in checked if c is not None]


def _read_for_check(
    path: Path, display: str, hint: str | None, settings: FileSettings, hashing: bool
) -> Checked | _Read:
    """The file's answer when it needs no parsing (or cannot be read), else
    what to parse."""
    content: str | None = None
    stamp: Stamp | None = None
    try:
        if hashing:
            read_at = time.time_ns()
            before = os.stat(path)
            data = atomic.read_source(path)
            after = os.stat(path)
            content = content_hash(data)
            stamp = trusted_stamp(before, after, read_at)
            if hint is not None and content == hint:
                return Checked(None, content, stamp)
        else:
            data = atomic.read_source(path)
    except OSError:
        return Checked(check_path(path, settings, display))  # reports why it cannot be read
    if needs_analysis(data, settings):
        return _Read(path, display, data, content, stamp)
    # What check_source answers for it, under this process's settings (key None).
    return Checked(FileResult(display, settings.phase), content, stamp)


def _check_read(read: _Read, resolver: SettingsResolver) -> Checked:
    settings = resolver.for_path(read.path)
    result = check_path(read.path, settings, read.display, source=read.data)
    if read.content is None:
        return Checked(result)
    # The settings resolved here (in a worker, or again in this process, where
    # a long-lived resolver may have re-read an edited config): their key.
    return Checked(result, read.content, read.stamp, entry_key(settings))
