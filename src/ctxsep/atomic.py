"""Writing a file so that a crash never leaves it half-written, and reading
one that a hostile checkout may have planted (SPEC §10).

The new content goes to a temporary file in the same directory, is flushed
to disk, and then replaces the old file with ``os.replace`` — one atomic
rename. A crash at any point leaves either the old file or the new one,
never a mixture. The file keeps its permission bits.

``read_regular`` is how ctxsep reads every file a checkout supplies (source
files, the result cache, the baseline): a FIFO, a device (``x.py ->
/dev/zero``), a socket or a directory is refused after a ``stat``, without
being opened; the open itself is non-blocking and re-checked with
``fstat`` (the path may be swapped in between), and no more than
``limit`` bytes are ever read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
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
    import tempfile  # imported when writing: a warm `check` writes nothing

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


@contextlib.contextmanager
def locked_directory(directory: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``directory`` (a file's read-modify-
    write, such as a baseline update, against another process doing the
    same). Locking the directory leaves no lock file behind to commit; where
    the platform or file system cannot lock, the block runs unlocked."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # a file system without flock: still write, as before
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# -- reading what a checkout supplies --------------------------------------------------

#: Larger source files are not read (generated modules stay far below this).
MAX_SOURCE_BYTES = 64 * 1024 * 1024
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def read_source(path: str | os.PathLike[str]) -> bytes:
    """A source file's bytes (``read_regular`` with the source size limit).
    The one place every command reads a checked file; callers reach it as
    ``atomic.read_source`` so a test can stand in for an unreadable file."""
    return read_regular(path, MAX_SOURCE_BYTES)


class UnsafeFileError(OSError):
    """A path that is not a regular file, or is larger than allowed. Its
    ``strerror`` is the reason, in words (like any OSError's)."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EINVAL, reason)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (``a FIFO``)."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def _refuse(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"not a regular file ({file_kind(info.st_mode)})")
    if info.st_size > limit:
        raise UnsafeFileError(f"larger than {limit // (1024 * 1024)} MiB ({info.st_size} bytes)")


def read_regular(path: str | os.PathLike[str], limit: int = MAX_SOURCE_BYTES, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Raises
    UnsafeFileError (an OSError) for anything else, without opening a
    FIFO or device; ``follow_symlinks=False`` also refuses a symlink."""
    _refuse(os.stat(path, follow_symlinks=follow_symlinks), limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        _refuse(os.fstat(fd), limit)  # swapped for something else since the stat?
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UnsafeFileError(f"larger than {limit // (1024 * 1024)} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)
