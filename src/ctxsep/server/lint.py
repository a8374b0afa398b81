"""Checking an open document, without any LSP: path and buffer in, findings
(or the config problem that stopped them) out.

The server asks exactly what ``ctxsep check`` asks, in the same order:
the settings from the document's own path (``SettingsResolver.for_path``,
never the server's cwd), the config's ``exclude`` (``FileCollector``), the
baseline (``engine.baseline_for``), then ``engine.check_path`` with the
baseline's split. So suppression comments, phase gating and the baseline
hide exactly what they hide on the command line.

Each workspace folder gets its own resolver, whose cwd is the folder: with
no config anywhere, the built-in defaults are rooted there, as they are
for ``ctxsep check`` run in that folder. A file outside every folder gets
a resolver rooted at its own directory.

What can change a result without the buffer changing, the config files
that could govern a document and its baseline, comes back
with each result (``LintResult.watched``, each file's stat taken before it
was read): the server compares the stats after a watched-file event and on
a slow poll, and re-checks when one moves.

Garbage: one check of a 2,000-line buffer leaves ~34,000 objects in
reference cycles (tree and scope parent links). Left to the collector's
thresholds, they are promoted while the check still holds them and are
freed only by full collections, each of which walks the whole server heap
(pygls, lsprotocol, every open document): about 40% of the server's CPU per
keystroke. So the automatic collector is paused during the check
(``young_garbage``) and a youngest-generation collection, which walks only
what the check allocated, frees them right after (after the diagnostics
are sent, when the server checks).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ctxsep.config import FileSettings, SettingsResolver, find_config
from ctxsep.config.loader import CONFIG_FILES
from ctxsep.config.paths import at_vcs_top
from ctxsep.engine import FileResult, baseline_for, check_path
from ctxsep.model import BaselineError, ConfigError, Finding
from ctxsep.runner import FileCollector

Stamp = tuple[int, int, int] | None


@dataclass(frozen=True)
class ConfigProblem:
    """A config or baseline that cannot be used: ``culprit`` is the file to
    point at, ``problems`` the messages (each naming file and key)."""

    culprit: Path
    problems: tuple[str, ...]


@dataclass(frozen=True)
class LintResult:
    """One document's outcome: findings with the settings that produced
    them, or the config problem that prevented checking, or neither (the
    config excludes the file)."""

    findings: tuple[Finding, ...] = ()
    settings: FileSettings | None = None
    problem: ConfigProblem | None = None
    #: the stat of each file that could change this result while the buffer
    #: stays the same (config candidates, the baseline), taken before it was read
    watched: dict[Path, Stamp] = field(default_factory=dict)


class Linter:
    """Resolvers per workspace folder, and the one function the server calls."""

    def __init__(self, folders: list[Path] | None = None) -> None:
        self._folders: list[Path] = []
        self._resolvers: dict[Path, SettingsResolver] = {}
        self._chains: dict[Path, tuple[Path, ...]] = {}
        for folder in folders or ():
            self.add_folder(folder)

    # -- folders and resolvers ----------------------------------------------------------

    def add_folder(self, folder: Path) -> None:
        folder = Path(os.path.normpath(folder))
        if folder not in self._folders:
            self._folders.append(folder)
            self._folders.sort(key=lambda f: len(f.parts), reverse=True)  # deepest first

    def remove_folder(self, folder: Path) -> None:
        folder = Path(os.path.normpath(folder))
        if folder in self._folders:
            self._folders.remove(folder)
        self._resolvers.pop(folder, None)

    def folder_of(self, path: Path) -> Path:
        """The deepest workspace folder holding ``path``, else its directory."""
        for folder in self._folders:
            if path.is_relative_to(folder):
                return folder
        return path.parent

    def resolver_for(self, path: Path) -> SettingsResolver:
        folder = self.folder_of(path)
        resolver = self._resolvers.get(folder)
        if resolver is None:
            resolver = self._resolvers[folder] = SettingsResolver(cwd=folder, recheck=True)
        return resolver

    def forget_configs(self) -> None:
        """Drop every resolver: a config file appeared or disappeared, and a
        resolver remembers which directory has none."""
        self._resolvers.clear()
        self._chains.clear()

    # -- checking ------------------------------------------------------------------------

    def lint(self, path: Path, source: str) -> LintResult:
        """Check ``source`` (the unsaved buffer) as the file at ``path``."""
        path = Path(os.path.normpath(path))
        resolver = self.resolver_for(path)
        # Each file is stat'ed before it is read: an edit landing meanwhile
        # shows up as a changed stat on the next look.
        watched = {candidate: stamp(candidate) for candidate in self.config_chain(path.parent)}
        try:
            settings = resolver.for_path(path)
        except ConfigError as exc:
            problem = ConfigProblem(self._config_culprit(path, resolver), tuple(exc.problems))
            return LintResult(problem=problem, watched=watched)
        if not FileCollector(resolver).collect([os.fspath(path)]):
            return LintResult(settings=settings, watched=watched)  # excluded: nothing to report
        baseline_path = settings.config.baseline_path
        watched[baseline_path] = stamp(baseline_path)
        try:
            baseline = baseline_for(settings.config)
        except BaselineError as exc:
            return LintResult(problem=ConfigProblem(baseline_path, tuple(exc.problems)), watched=watched)
        with young_garbage():
            result: FileResult = check_path(
                path, settings, os.fspath(path), source=source, filter_findings=baseline.split
            )
        return LintResult(findings=result.findings, settings=settings, watched=watched)

    def _config_culprit(self, path: Path, resolver: SettingsResolver) -> Path:
        if resolver.explicit is not None:
            return resolver.explicit
        found = find_config(path.parent)
        return found if found is not None else path

    # -- what to watch -------------------------------------------------------------------

    def config_chain(self, directory: Path) -> tuple[Path, ...]:
        """Every path whose creation, deletion or edit could change the
        config of files in ``directory``: the config file names in it and
        each parent up to the repository root."""
        chain = self._chains.get(directory)
        if chain is None:
            found: list[Path] = []
            current = directory
            while True:
                found.extend(current / name for name in CONFIG_FILES)
                parent = current.parent
                if parent == current or at_vcs_top(current):
                    break
                current = parent
            chain = self._chains[directory] = tuple(found)
        return chain


@contextmanager
def young_garbage(later: Callable[[Callable[[], None]], object] | None = None) -> Iterator[None]:
    """Run the body with the automatic collector paused, so what it
    allocates stays in the youngest generation, then collect that generation
    (its cycles become garbage once the body returns) and resume the
    collector, even when the body raises; with ``later`` (``loop.call_soon``),
    that is scheduled instead, to run after what the body's caller still has
    to send. Nested, or with the collector already off, it leaves both to
    whoever paused it: the server pauses it around a check and its
    publishing, and collects after the diagnostics are sent."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if later is None:
            _collect_young()
        else:
            later(_collect_young)


def _collect_young() -> None:
    gc.collect(0)
    gc.enable()


def stamp(path: Path) -> Stamp:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


__all__ = ["ConfigProblem", "LintResult", "Linter", "Stamp", "stamp", "young_garbage"]
