"""Reading paths a checked-out tree controls, safely: a config file that
may be a directory, a FIFO or a symlink loop, and an editor's display name.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ctxsep.atomic import read_regular
from ctxsep.model import ConfigError

#: What marks a repository's top directory (where config search and display names stop).
VCS_MARKERS = (".git", ".hg")


def safe_resolve(path: Path) -> Path:
    """``path.resolve()``, or the absolute path as written when it cannot be
    resolved (a symlink loop): the caller's open then fails with a clear reason."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return reason + " (a symlink loop)" if exc.errno == errno.ELOOP else reason


#: A config file is a few kilobytes; a bigger one is not read at all.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def read_regular_file(path: Path) -> bytes:
    """The bytes of a config file; a ConfigError naming it when it is not a
    regular file (a directory, a FIFO, a device, a symlink loop) or is huge.
    Never opens a FIFO or a device (``atomic.read_regular``)."""
    try:
        return read_regular(path, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read config: {os_reason(exc)}"]) from None


def place_in_project(name: str, cwd: Path, explicit: Path | None) -> str:
    """Where an editor's buffer named ``name`` sits.

    An absolute name is taken as is. A relative one is relative to the
    project, whatever the editor's cwd: the first of ``cwd``, its parents up
    to the repository top (the directory holding ``.git``/``.hg``; none when
    ``cwd`` is in no repository) and the
    directory of the ``explicit`` config under which the file exists, else
    under which its directory exists (a new, unsaved file); when none fits,
    ``cwd`` (and the config then found from there applies)."""
    if os.path.isabs(name):
        return name
    bases = [cwd]
    if not at_vcs_top(cwd):
        # Only inside a repository: outside one, a parent is no project of ours.
        parents = []
        for parent in cwd.parents:
            parents.append(parent)
            if at_vcs_top(parent):
                bases.extend(parents)
                break
    if explicit is not None:
        bases.append(explicit.parent)
    candidates = [os.path.normpath(os.path.join(base, name)) for base in bases]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    for candidate in candidates:
        if os.path.isdir(os.path.dirname(candidate)):
            return candidate
    return candidates[0]


def at_vcs_top(directory: Path) -> bool:
    """Whether ``directory`` is a repository's top (holds ``.git`` or ``.hg``)."""
    return any(os.path.lexists(directory / marker) for marker in VCS_MARKERS)


def leads_outside(rel: str) -> bool:
    """Whether a POSIX path relative to a directory (``relative_posix``)
    leads out of it."""
    return rel == ".." or rel.startswith("../")
