"""What mypy's caches key on, so they follow ctxsep and its config.

- mypy's *plugin snapshot* is the entry module's ``__version__`` plus a hash
  of the entry module's file — not of the engine it imports. So
  :data:`ENGINE_STAMP` (ctxsep's version and a hash of the engine's and the
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

import hashlib
from pathlib import Path

import ctxsep
from ctxsep.config import SettingsResolver
from ctxsep.model import ConfigError


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


ENGINE_STAMP = f"{ctxsep.__version__}+{_sources_digest()}"


def daemon_version(resolver: SettingsResolver) -> str:
    """``__version__`` under dmypy: ctxsep's stamp plus the bytes of the
    config governing the working directory and of its baseline."""
    digest = hashlib.sha256(ENGINE_STAMP.encode())
    try:
        config = resolver.config_for_dir(Path.cwd())
    except ConfigError as exc:
        digest.update("\n".join(exc.problems).encode())
    else:
        for path in (config.path, config.baseline_path):
            if path is None:
                continue
            digest.update(str(path).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"missing")
    return f"{ctxsep.__version__}+daemon.{digest.hexdigest()[:12]}"
