"""The phase map's indexed lookup gives what trying every key at every depth gives."""

from __future__ import annotations

import itertools

import pytest

from ctxsep.config import PhaseKey, PhaseMap
from ctxsep.model import ConfigError, Phase

KEYS = [
    ".",
    "app",
    "app/routes",
    "app/routes/v1_*.py",
    "app/*/routes",
    "app/*/routes/*.py",
    "app/**/legacy",
    "**/generated",
    "app/d?1",
    "app/d[0-2]*/services",
    "lib/*",
    "lib/x.py",
    "*.py",
    "app/routes/users.py",
    "**/test_*.py",
    "debug_*.py",
    "lib/x.py/*",
]
PATHS = [
    "x.py",
    "app/x.py",
    "app/routes/users.py",
    "app/routes/v1_users.py",
    "app/routes/sub/v1_users.py",
    "app/d01/routes/a.py",
    "app/d11/routes/deep/a.py",
    "app/d21/services/s.py",
    "app/d3/services/s.py",
    "app/a/b/legacy/x.py",
    "app/legacy/x.py",
    "lib/generated/x.py",
    "generated/x.py",
    "lib/x.py",
    "lib/y/z.py",
    "other/app/routes/x.py",
    # same directories as above, other names: a per-directory memo must still
    # try the keys that depend on the file's name
    "test_x.py",
    "debug_x.py",
    "app/test_x.py",
    "app/routes/test_users.py",
    "app/routes/v2_users.py",
    "lib/test_x.py",
    "app/d01/routes/test_a.py",
    "./app/routes//users.py",
    "app/routes/./v1_users.py",
    # outside the config's directory (a --config elsewhere)
    "../debug_x.py",
    "../app/test_x.py",
]


def brute_force(phase_map: PhaseMap, rel_path: str) -> tuple[Phase, str | None]:
    """The original algorithm: every key, every depth from the top."""
    parts = tuple(p for p in rel_path.split("/") if p not in ("", "."))

    def depth_of(key: PhaseKey) -> int | None:
        if not key.is_glob:
            n = len(key.parts)
            return None if parts[:n] != key.parts else (n + 1 if n == len(parts) else n)
        assert key.spec is not None
        for depth in range(1, len(parts) + 1):
            is_file = depth == len(parts)
            if key.spec.match_file("/".join(parts[:depth]) + ("" if is_file else "/")):
                return depth + 1 if is_file else depth
        return None

    scored = [((d, 0 if k.is_glob else 1), k) for k in phase_map.keys if (d := depth_of(k)) is not None]
    if not scored:
        return phase_map.default, None
    best = max(score for score, _ in scored)
    winners = [k for score, k in scored if score == best]
    if len({k.phase for k in winners}) > 1:
        raise ConfigError(["tie"])
    return winners[0].phase, winners[0].key


@pytest.mark.parametrize("size", [1, 2, 3])
def test_indexed_lookup_agrees_with_trying_every_key(size: int) -> None:
    phases = list(Phase)
    for combo in itertools.combinations(KEYS, size):
        for shift in range(2):
            entries = {key: phases[(i + shift) % len(phases)] for i, key in enumerate(combo)}
            phase_map = PhaseMap.build(entries, Phase.MIGRATED)
            # twice, the second time backwards: answers come from the memo then
            for path in [*PATHS, *reversed(PATHS)]:
                try:
                    expected: tuple[Phase, str | None] | str = brute_force(phase_map, path)
                except ConfigError:
                    expected = "tie"
                try:
                    phase, key = phase_map.lookup(path)
                    got: tuple[Phase, str | None] | str = (phase, key.key if key else None)
                except ConfigError:
                    got = "tie"
                assert got == expected, (entries, path)


def test_the_per_file_glob_test_is_pathspecs() -> None:
    """A glob key's per-file test (its one regex, searched directly) answers
    as pathspec's ``match_file`` does, for files and directories."""
    from ctxsep.config.phasemap import _spec_matches

    phase_map = PhaseMap.build({key: Phase.LEGACY for key in KEYS}, Phase.MIGRATED)
    globs = [key for key in phase_map.keys if key.is_glob]
    assert globs and all(key.regex is not None for key in globs)  # the fast path is the one taken here
    for key in globs:
        assert key.spec is not None
        for path in PATHS:
            parts = [p for p in path.split("/") if p not in ("", ".")]
            for depth in range(1, len(parts) + 1):
                candidate = "/".join(parts[:depth]) + ("" if depth == len(parts) else "/")
                assert _spec_matches(key, candidate) == key.spec.match_file(candidate), (key.key, candidate)
