"""Checking many files: discovery, config resolution up front, parallel
workers. Used by the CLI; front ends check one file at a time through
``engine.check_file``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

from ctxsep.config import Config, SettingsResolver, relative_posix
from ctxsep.engine import FileResult, check_file
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

_worker_resolver: SettingsResolver | None = None


def _init_worker(explicit: Path | None, cwd: Path) -> None:
    global _worker_resolver
    _worker_resolver = SettingsResolver(explicit=explicit, cwd=cwd)


def _check_chunk(paths: list[Path]) -> list[FileResult]:
    resolver = _worker_resolver
    assert resolver is not None
    return [check_file(p, resolver, display_path=display_path(p, resolver.cwd)) for p in paths]


def run_check(
    paths: Iterable[str],
    resolver: SettingsResolver,
    jobs: int | None = None,
) -> RunResult:
    """Check every file under ``paths``. Raises ConfigError (every problem of
    every config involved) before checking anything."""
    files = FileCollector(resolver).collect(paths)
    problems: list[str] = []
    for file in files:
        try:
            resolver.for_path(file)
        except ConfigError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise ConfigError(problems)
    workers = max(1, jobs if jobs else (os.cpu_count() or 1))
    workers = min(workers, max(1, len(files) // _FILES_PER_WORKER))
    if workers == 1:
        results = [check_file(p, resolver, display_path=display_path(p, resolver.cwd)) for p in files]
    else:
        chunk = max(1, min(64, len(files) // (workers * 4) or 1))
        chunks = [files[i : i + chunk] for i in range(0, len(files), chunk)]
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(resolver.explicit, resolver.cwd)
        ) as pool:
            results = [result for batch in pool.map(_check_chunk, chunks) for result in batch]
    results.sort(key=lambda r: r.path)
    return RunResult(results)
