"""Checking many files: discovery, config resolution up front, parallel
workers. Used by the CLI; front ends check one file at a time through
``engine.check_file``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pathspec

from ctxsep.config import Config, SettingsResolver, relative_posix
from ctxsep.engine import FileResult, baseline_for, check_file
from ctxsep.model import ConfigError, Finding, Severity

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
        }

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings())


class FileCollector:
    """Expands command-line paths into source files, honouring each config's
    ``exclude`` patterns (relative to that config's directory)."""

    def __init__(self, resolver: SettingsResolver) -> None:
        self.resolver = resolver
        self._specs: dict[int, pathspec.GitIgnoreSpec] = {}

    def _excluded(self, path: Path, is_dir: bool) -> bool:
        config = self.resolver.config_for_dir(path if is_dir else path.parent)
        if not config.exclude:
            return False
        spec = self._spec(config)
        rel = relative_posix(path, config.root)
        if rel.startswith("../"):
            return False
        return bool(spec.match_file(rel + "/" if is_dir else rel))

    def _spec(self, config: Config) -> pathspec.GitIgnoreSpec:
        spec = self._specs.get(id(config))
        if spec is None:
            spec = pathspec.GitIgnoreSpec.from_lines(config.exclude)
            self._specs[id(config)] = spec
        return spec

    def collect(self, paths: Iterable[str]) -> list[Path]:
        found: dict[Path, None] = {}
        for raw in paths:
            absolute = Path(os.path.normpath(self.resolver.cwd / raw))
            if absolute.is_dir():
                for file in self._walk(absolute):
                    found[file] = None
            elif not self._excluded(absolute, False):
                found[absolute] = None  # a named file is checked even if missing: it becomes CTX900
        return list(found)

    def _walk(self, top: Path) -> Iterator[Path]:
        # os.walk does not follow directory symlinks, so a symlink loop cannot trap it.
        for dirpath, dirnames, filenames in os.walk(top, onerror=None):
            current = Path(dirpath)
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in SKIPPED_DIRS and not d.endswith(".egg-info") and not self._excluded(current / d, True)
            )
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    file = current / name
                    if not self._excluded(file, False):
                        yield file


def display_path(path: Path, cwd: Path) -> str:
    return relative_posix(path, cwd)


# -- workers -----------------------------------------------------------------------

T = TypeVar("T")
#: One file's work: module-level (or a functools.partial of one) so worker
#: processes can receive it.
FileTask = Callable[[Path, SettingsResolver], T]

_worker_resolver: SettingsResolver | None = None


def _init_worker(explicit: Path | None, cwd: Path) -> None:
    global _worker_resolver
    _worker_resolver = SettingsResolver(explicit=explicit, cwd=cwd)


def _run_chunk(work: tuple[FileTask[T], list[Path]]) -> list[T]:
    task, paths = work
    resolver = _worker_resolver
    assert resolver is not None
    return [task(p, resolver) for p in paths]


def check_one(path: Path, resolver: SettingsResolver, baseline: bool = True) -> FileResult:
    return check_file(path, resolver, display_path=display_path(path, resolver.cwd), baseline=baseline)


def collect(paths: Iterable[str], resolver: SettingsResolver, baseline: bool = True) -> list[Path]:
    """The files under ``paths``, after validating every config (and, with
    ``baseline``, every baseline file) they use. Raises ConfigError listing
    every problem before anything is checked."""
    files = FileCollector(resolver).collect(paths)
    problems: list[str] = []
    configs: dict[Path | None, Config] = {}
    for file in files:
        try:
            config = resolver.for_path(file).config
        except ConfigError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            continue
        configs.setdefault(config.path, config)
    if baseline and not problems:
        for config in configs.values():
            try:
                baseline_for(config)
            except ConfigError as exc:
                problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise ConfigError(problems)
    return files


def map_files(files: list[Path], resolver: SettingsResolver, task: FileTask[T], jobs: int | None = None) -> list[T]:
    """``task`` over every file, in worker processes when there are enough
    files; results in the order of ``files``."""
    workers = max(1, jobs if jobs else (os.cpu_count() or 1))
    workers = min(workers, max(1, len(files) // _FILES_PER_WORKER))
    if workers == 1:
        return [task(p, resolver) for p in files]
    chunk = max(1, min(64, len(files) // (workers * 4) or 1))
    work = [(task, files[i : i + chunk]) for i in range(0, len(files), chunk)]
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(resolver.explicit, resolver.cwd)
    ) as pool:
        return [result for batch in pool.map(_run_chunk, work) for result in batch]


def run_check(
    paths: Iterable[str],
    resolver: SettingsResolver,
    jobs: int | None = None,
    baseline: bool = True,
) -> RunResult:
    """Check every file under ``paths``. Raises ConfigError (every problem of
    every config and baseline involved) before checking anything.
    ``baseline=False`` reports every finding, recorded or not."""
    files = collect(paths, resolver, baseline=baseline)
    results = map_files(files, resolver, partial(check_one, baseline=baseline), jobs)
    order = sorted(range(len(files)), key=lambda i: results[i].path)
    return RunResult([results[i] for i in order], files=[files[i] for i in order])
