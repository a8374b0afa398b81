"""Warnings about a config that is valid but probably not what was meant
(SPEC §5, "Nothing falls back in silence"): a phase-map key that matches no
file or directory, and a run that found no config at all.

The CLI prints them on stderr; the front ends that run inside a host
(flake8, pylint, mypy) do not look for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ctxsep.config.phasemap import PhaseKey
from ctxsep.config.schema import DEFAULT_PHASE, Config
from ctxsep.textsafe import escape

#: Directories a glob key's search never enters (tool caches, VCS, venvs).
_SKIPPED = frozenset({".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__"})
#: A glob key is looked for among at most this many paths before giving up
#: (and saying nothing): a warning must never cost more than the run.
_GLOB_SEARCH_LIMIT = 200_000


def unmatched_key_warnings(config: Config) -> list[str]:
    """One warning per phase-map key of ``config`` that matches no existing
    file or directory, naming the config file, the key and the closest path."""
    if config.path is None:
        return []
    root = config.root
    warnings = []
    for key in config.phase_map.keys:
        if key.is_glob:
            if _glob_matches_something(key, root) is not False:
                continue
            closest = _closest_path(root, key.literal_prefix)
        else:
            if not key.parts or os.path.lexists(root.joinpath(*key.parts)):
                continue
            closest = _closest_path(root, key.parts)
        hint = f"; the closest existing path is {closest!r}" if closest else ""
        warnings.append(
            f"warning: {escape(str(config.path))}: {config.key_label('phases')} {escape(repr(key.key))} "
            f"matches no file or directory{hint}; files there get another key's phase or default-phase"
        )
    return warnings


def no_config_notice(directory: Path) -> str:
    return (
        f"note: no ctxsep.toml, nor pyproject.toml with [tool.ctxsep], in {escape(str(directory))} or above; "
        f"the built-in defaults apply (default-phase = {DEFAULT_PHASE.label!r} for every file)"
    )


def _closest_path(root: Path, parts: tuple[str, ...]) -> str | None:
    """The existing path nearest to ``parts``: follow the segments that exist,
    then take the closest name (difflib) at each level that does not."""
    found: list[str] = []
    directory = root
    for part in parts:
        if any(ch in part for ch in "*?["):
            break
        if (directory / part).exists():
            found.append(part)
            directory = directory / part
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            break
        import difflib  # only a config with a key matching nothing pays for it

        close = difflib.get_close_matches(part, names, n=1, cutoff=0.6)
        if not close:
            break
        found.append(close[0])
        directory = directory / close[0]
    return "/".join(found) or None


def _glob_matches_something(key: PhaseKey, root: Path) -> bool | None:
    """Whether any file or directory under ``root`` matches the glob ``key``;
    None when the search was cut short (too large a tree)."""
    assert key.spec is not None
    top = root.joinpath(*key.literal_prefix)
    if not top.is_dir():
        return False
    for seen, (rel, is_dir) in enumerate(_walk(top, "/".join(key.literal_prefix)), 1):
        if key.spec.match_file(rel + "/" if is_dir else rel):
            return True
        if seen > _GLOB_SEARCH_LIMIT:
            return None
    return False


def _walk(top: Path, prefix: str) -> Iterator[tuple[str, bool]]:
    """Every path below ``top`` as (path relative to the config dir, is_dir);
    directory symlinks are not followed."""
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, top)
        base = prefix if rel_dir == "." else (f"{prefix}/{rel_dir}" if prefix else rel_dir).replace(os.sep, "/")
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED)
        for name in dirnames:
            yield (f"{base}/{name}" if base else name), True
        for name in filenames:
            yield (f"{base}/{name}" if base else name), False
