"""What mypy's caches key on, so they follow ctxsep, its config and baseline.

- ``report_config_data`` (:class:`ConfigSlices`): per module, the slice of
  config that decides its findings — phase, severities, vocabularies, its
  baseline entries — so an edit rechecks exactly the modules it concerns.
- mypy's *plugin snapshot* is the entry module's ``__version__`` plus a hash
  of the entry module's file — not of the engine it imports. So
  :func:`engine_stamp` (ctxsep's version and a hash of the engine's and the
  plugin's sources) goes into every project module's ``report_config_data``
  slice: upgrading or editing ctxsep rechecks the project's modules, and
  leaves typeshed's cache alone.
- The daemon (``dmypy``) never consults ``report_config_data``. It re-imports
  the plugin and builds a new instance on every ``dmypy run`` *before* taking
  the snapshot, so the instance folds the config that governs the working
  directory — and that config's baseline — into ``__version__``
  (:func:`daemon_version`): an edit makes the daemon restart ("plugins
  changed") and check with the new config. Only under the daemon: for plain
  mypy the snapshot keys every module's cache, typeshed included.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import ctxsep
from ctxsep.atomic import read_regular
from ctxsep.baseline.typed import recording
from ctxsep.config import SettingsResolver
from ctxsep.engine import baseline_for
from ctxsep.model import ConfigError
from ctxsep.semantics import Vocabulary


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for package in (Path(ctxsep.__file__).parent, Path(__file__).parent):
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"unreadable")
    return digest.hexdigest()[:12]


@functools.cache
def engine_stamp() -> str:
    """ctxsep's version and a hash of its sources and the plugin's, worked
    out when first needed: hashing ~130 files (1.2 MB) cost every run ~5 ms,
    and only mypy's cache and the daemon need it."""
    return f"{ctxsep.__version__}+{_sources_digest()}"


def daemon_version(resolver: SettingsResolver) -> str:
    """``__version__`` under dmypy: ctxsep's stamp plus the bytes of the
    config governing the working directory and of its baseline."""
    digest = hashlib.sha256(engine_stamp().encode())
    try:
        config = resolver.config_for_dir(Path.cwd())
    except ConfigError as exc:
        digest.update("\n".join(exc.problems).encode())
    else:
        for path in (config.path, config.baseline_path):
            if path is None:
                continue
            digest.update(str(path).encode() + b"\0")
            try:  # never a FIFO or /dev/zero a checkout planted there
                digest.update(read_regular(path, 1 << 30))
            except OSError:
                digest.update(b"missing")
    return f"{ctxsep.__version__}+daemon.{digest.hexdigest()[:12]}"


class ConfigSlices:
    """``report_config_data`` answers, memoised per module path for the run
    (mypy asks twice per module: to check its cache and to write it)."""

    def __init__(self, resolver: SettingsResolver, run_vocabulary: Vocabulary) -> None:
        self.resolver = resolver
        self.run_names = digest(_vocabulary_data(run_vocabulary))
        self._slices: dict[str, Any] = {}
        self._names: dict[int, tuple[Vocabulary, str]] = {}
        # Recording (CTXSEP_RECORD) must see every module's findings: a value
        # no cached module can match makes mypy check them all, every run.
        target = recording()
        self.record = f"{target}:{os.getpid()}:{time.time_ns()}" if target else None

    def for_path(self, path: str) -> Any:
        if path not in self._slices:
            try:
                self._slices[path] = self._slice(path)
            except Exception as exc:  # never fail mypy's cache check; recheck instead
                self._slices[path] = {"ctxsep": engine_stamp(), "error": f"{type(exc).__name__}: {exc}"}
        return self._slices[path]

    def _slice(self, path: str) -> Any:
        if not path.endswith((".py", ".pyi")) or outside_project(path):
            return None  # typeshed, site-packages: nothing of ours
        try:
            settings = self.resolver.for_path(os.path.abspath(path))
        except ConfigError as exc:
            return {"ctxsep": engine_stamp(), "config-error": digest(exc.problems)}
        try:
            entries = [e.as_json() for e in baseline_for(settings.config).for_file(settings.rel_path)]
        except ConfigError as exc:
            entries = [{"baseline-error": digest(exc.problems)}]
        return {
            "ctxsep": engine_stamp(),
            "names": self.run_names,  # recognises callees and classes
            "file-names": self._file_names(settings.vocabulary),  # the AST overlap in this file
            "phase": settings.phase.label,
            "severity": {code: severity.label for code, severity in sorted(settings.severities.items())},
            "baseline": digest(entries) if entries else None,
            "record": self.record,
        }

    def _file_names(self, vocab: Vocabulary) -> str:
        known = self._names.get(id(vocab))
        if known is None or known[0] is not vocab:
            known = self._names[id(vocab)] = (vocab, digest(_vocabulary_data(vocab)))
        return known[1]


def outside_project(path: str) -> bool:
    """Typeshed and installed packages: nothing of ours."""
    return bool(set(Path(path).parts) & {"site-packages", "dist-packages", "typeshed"})


def _vocabulary_data(vocab: Vocabulary) -> Any:
    return [[cat.value, list(names)] for cat, names in vocab.entries.items()] + [list(vocab.session_name_list)]


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
