"""The history walk's results, kept between runs (``.ctxsep_cache/history-v1.json``).

A weekly ``report --history`` walks mostly the same commits as last week's;
what it computed for a file then is still right when nothing it depends on
changed. An entry is keyed by the file's path, its blob, the config's
*source* (the config file's path in the repository and its blob, or the
``--config`` file's bytes) and the working directory (paths are shown
relative to it); the store as a whole is valid for one ctxsep (version and
a hash of its source) on one Python, like ``check``'s result cache. The
result is kept before the baseline, which is applied afresh.

The file is JSON behind a checksum line, written whole to a temporary file
and renamed into place: a truncated, garbage or hand-edited store is
ignored and replaced, never trusted. As for ``check``'s cache (SPEC §10),
the file is written and read by ``cache.encode_signed``/``read_signed``, keyed with this user's secret, so a store
that came with the checkout is a miss, and a cache directory that is a
symlink (or holds one) is neither read nor written. It keeps the entries the last run used
plus older ones up to ``MAX_ENTRIES``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ctxsep.atomic import write_atomic_bytes
from ctxsep.cache import CACHE_DIR_NAME, encode_signed, mark_cache_dir, read_signed, unsafe_directory
from ctxsep.migration.report import ReportFile
from ctxsep.model import Finding, Phase, Severity
from ctxsep.semantics.usage import Usage

STORE_NAME = "history-v1.json"
MAGIC = b"ctxsep-history v1 "
MAX_ENTRIES = 200_000


def _finding_json(finding: Finding) -> list[Any]:
    return [
        finding.path,
        finding.line,
        finding.col,
        finding.code,
        finding.symbol,
        int(finding.severity),
        finding.message,
        finding.scope,
        finding.fingerprint,
        None if finding.phase is None else int(finding.phase),
    ]


def _finding(data: list[Any]) -> Finding:
    path, line, col, code, symbol, severity, message, scope, fingerprint, phase = data
    return Finding(
        path=path,
        line=line,
        col=col,
        code=code,
        symbol=symbol,
        severity=Severity(severity),
        message=message,
        scope=scope,
        fingerprint=fingerprint,
        phase=None if phase is None else Phase(phase),
    )


def encode(file: ReportFile) -> list[Any]:
    """A list, not an object: a large tree has a few hundred thousand entries."""
    return [
        file.path,
        file.module,
        int(file.phase),
        int(file.directory_phase),
        [_finding_json(f) for f in file.findings],
        [_finding_json(f) for f in file.baselined],
        file.skipped,
        None if file.gate_target is None else int(file.gate_target),
        [_finding_json(f) for f in file.gate_findings],
        file.usage.legacy_constructor_uses,
        file.usage.scoped_factory_uses,
        {name: dict(kinds) for name, kinds in file.usage.legacy_symbols.items()},
    ]


def decode(data: list[Any]) -> ReportFile:
    path, module, phase, directory_phase, findings, baselined, skipped, target, gate, legacy, scoped, symbols = data
    return ReportFile(
        path=path,
        module=module,
        phase=Phase(phase),
        directory_phase=Phase(directory_phase),
        findings=tuple(_finding(f) for f in findings),
        baselined=tuple(_finding(f) for f in baselined),
        skipped=bool(skipped),
        gate_target=None if target is None else Phase(target),
        gate_findings=tuple(_finding(f) for f in gate),
        usage=Usage(legacy, scoped, {name: Counter(kinds) for name, kinds in symbols.items()}),
    )


def entry_key(path: str, blob: str, config_source: str, cwd_rel: str) -> str:
    return "\x00".join((path, blob, config_source, cwd_rel))


def store_path(repo: Path, cache_dir: Path | None) -> Path:
    return (cache_dir if cache_dir is not None else repo / CACHE_DIR_NAME) / STORE_NAME


class HistoryStore:
    """Entries by key; ``path`` None keeps nothing (``--no-cache``)."""

    def __init__(self, path: Path | None, project: Path | None = None) -> None:
        """``project``: the directory the store's cache directory must sit in
        (None for a ``--cache-dir`` the command line chose)."""
        #: why the store's directory is not used (it is then neither read nor written)
        self.refused = unsafe_directory(path.parent, project, (STORE_NAME,)) if path is not None else None
        self.path = path if self.refused is None else None
        self._old: dict[str, list[Any]] = self._read() if self.path is not None else {}
        self._used: dict[str, list[Any]] = {}

    def _read(self) -> dict[str, list[Any]]:
        assert self.path is not None
        entries = read_signed(self.path, MAGIC)
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str) -> ReportFile | None:
        data = self._used.get(key) or self._old.get(key)
        if data is None:
            return None
        try:
            file = decode(data)
        except (KeyError, TypeError, ValueError):  # a valid checksum over odd data: not ours to trust
            return None
        self._used[key] = data
        return file

    def put(self, key: str, file: ReportFile) -> None:
        if self.path is not None:
            self._used[key] = encode(file)

    def save(self) -> None:
        """Write the entries this run used, then older ones while there is room."""
        if self.path is None or not self._used:
            return
        entries = dict(self._used)
        for key, value in self._old.items():
            if len(entries) >= MAX_ENTRIES:
                break
            entries.setdefault(key, value)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            mark_cache_dir(self.path.parent)  # git and backup tools leave it alone
            write_atomic_bytes(self.path, encode_signed(MAGIC, entries))
        except OSError:
            pass  # a cache that cannot be written costs time, never a result
