"""Applying a baseline to one file's findings, and loading baselines once.

Matching is a multiset: each entry hides up to ``count`` findings with its
key (path, code, scope, fingerprint), in source order, and only while the
file's current phase is no stricter than the phase the entry recorded — so
promoting a directory in the phase map un-hides its recorded debt at once.
Findings that are not rule findings (``CTX900``: a file that could not be
checked) are never hidden.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ctxsep.baseline.fileformat import Entry, EntryKey, dumps, read_entries
from ctxsep.config import Config, FileSettings
from ctxsep.model import BaselineError, Finding, Phase
from ctxsep.rules import RULES_BY_CODE


def finding_key(rel_path: str, finding: Finding) -> EntryKey:
    return (rel_path, finding.code, finding.scope, finding.fingerprint)


def is_baselinable(finding: Finding) -> bool:
    """Rule findings can be recorded; a skipped file (CTX900) cannot."""
    return finding.code in RULES_BY_CODE


@dataclass(frozen=True)
class Baseline:
    """The entries of one baseline file (empty when the file does not exist)."""

    path: Path
    entries: tuple[Entry, ...] = ()
    exists: bool = False
    _by_path: dict[str, tuple[Entry, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_path: dict[str, list[Entry]] = {}
        for entry in self.entries:
            by_path.setdefault(entry.path, []).append(entry)
        object.__setattr__(self, "_by_path", {k: tuple(v) for k, v in by_path.items()})

    def for_file(self, rel_path: str) -> tuple[Entry, ...]:
        return self._by_path.get(rel_path, ())

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(self._by_path)

    @property
    def digest(self) -> str:
        """Changes whenever the entries do (for caches such as mypy's)."""
        return hashlib.sha256(dumps(self.entries).encode()).hexdigest()[:16] if self.entries else "empty"

    def split(self, findings: Sequence[Finding], settings: FileSettings) -> tuple[list[Finding], list[Finding]]:
        """(shown, hidden) for one file's findings, hidden ones marked ``baselined``."""
        return split_findings(findings, self.for_file(settings.rel_path), settings.rel_path, settings.phase)


def split_findings(
    findings: Iterable[Finding], entries: Iterable[Entry], rel_path: str, phase: Phase
) -> tuple[list[Finding], list[Finding]]:
    budget = {entry.key: entry.count for entry in entries if entry.active_in(phase)}
    shown: list[Finding] = []
    hidden: list[Finding] = []
    if not budget:
        return list(findings), hidden
    for finding in findings:
        key = finding_key(rel_path, finding)
        left = budget.get(key, 0)
        if left and is_baselinable(finding):
            budget[key] = left - 1
            hidden.append(replace(finding, baselined=True))
        else:
            shown.append(finding)
    return shown, hidden


class BaselineStore:
    """Loads each baseline file once and re-reads it when it changes.

    Keyed by the file's (inode, mtime, size): ctxsep's own writes replace the
    file, so its inode changes even when a rewrite keeps size and timestamp.
    Editors and flake8 run many files in one process; each file costs one
    ``stat`` of the baseline.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, int, int], Baseline]] = {}
        self._inside: set[tuple[Path, Path]] = set()

    def for_config(self, config: Config) -> Baseline:
        key = (config.root, config.baseline_path)
        if key not in self._inside:
            confined_baseline_path(config)
            self._inside.add(key)
        return self.load(config.baseline_path)

    def load(self, path: Path) -> Baseline:
        try:
            info = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return Baseline(path)
        except OSError as exc:
            raise BaselineError([f"{path}: cannot read baseline: {exc.strerror or exc}"]) from None
        if not stat.S_ISREG(info.st_mode):
            raise BaselineError([f"{path}: the baseline path is not a regular file"])
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        baseline = Baseline(path, read_entries(path), exists=True)
        self._cache[path] = (stamp, baseline)
        return baseline


def confined_baseline_path(config: Config) -> Path:
    """``config``'s baseline path, once it is sure that no symlink (the file
    itself or a directory on the way) leads it out of the config's
    directory: a checkout must not make ctxsep read, print or overwrite
    another file (SPEC §10). The config already refuses absolute and
    ``..`` paths. Raises BaselineError naming the config and the key."""
    path = config.baseline_path
    root = os.path.realpath(config.root)
    real = os.path.realpath(path)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        table = f"[{config.section}]" if config.section else "top level"
        where = f"{config.path}: {table} 'baseline'" if config.path is not None else f"{path}"
        raise BaselineError(
            [
                f"{where}: {config.baseline!r} leads out of {config.root} through a symbolic link; "
                "ctxsep neither reads nor writes a baseline outside the project"
            ]
        )
    return path


def load_baseline(path: Path) -> Baseline:
    """Read one baseline file now, bypassing every cache (for commands that rewrite it)."""
    if not os.path.lexists(path):
        return Baseline(path)
    return BaselineStore().load(path)
