"""Writing a file so that a crash never leaves it half-written (SPEC §10).

The new content goes to a temporary file in the same directory, is flushed
to disk, and then replaces the old file with ``os.replace`` — one atomic
rename. A crash at any point leaves either the old file or the new one,
never a mixture. The file keeps its permission bits.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, payload: bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``payload`` atomically. ``durable=False`` skips
    the fsyncs: readers still see the old or the new file, never a mixture,
    but a power cut may leave an empty or partial file (fine for a cache
    that checks its own integrity, not for a baseline)."""
    mode = _mode_for(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_payload(handle, payload)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if durable:
        _sync_directory(path.parent)


def _write_payload(handle: BinaryIO, payload: bytes) -> None:
    """The one place bytes are written (a seam for the crash tests)."""
    handle.write(payload)


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
