"""Hostile or huge baselines (issue 14, items 5, 7, 8, 12; SPEC §7, §10).

Each test is the attack or the mistake as a user would make it: a config
pointing the baseline outside the project, a shared config one directory
up, two real processes updating one baseline at once, a baseline with tens
of thousands of entries.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from support import ctxsep_cli, write_tree

from ctxsep.baseline.fileformat import Entry, dumps, parse
from ctxsep.model import Phase

CONFIG = '[tool.ctxsep]\ndefault-phase = "migrated"\n'
LEGACY = "def handler(db):\n    return create_user_execution_context(user_id='u')\n"


def _entries(count: int, files: int = 100) -> list[Entry]:
    migrated = Phase.parse("migrated")
    return [Entry(f"app/m{i % files}.py", "CTX002", f"f{i}", f"{i:08x}", 1, migrated) for i in range(count)]


def _best_time(work: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


# -- item 12: reading a baseline is linear in its size ------------------------------------


def test_parsing_a_baseline_is_linear_in_its_entries() -> None:
    """4x the entries may cost about 4x the time, not 16x (it was quadratic:
    each entry's line number was counted from the start of the file)."""
    small, large = dumps(_entries(5_000)), dumps(_entries(20_000))
    assert len(parse(large, "b.json")) == 20_000
    ratio = _best_time(lambda: parse(large, "b.json")) / _best_time(lambda: parse(small, "b.json"))
    assert ratio < 8, f"20k entries took {ratio:.1f}x as long as 10k"


def test_problems_still_name_the_right_line_in_a_large_baseline() -> None:
    text = dumps(_entries(30_000)).replace('"count": 1, "phase": "migrated"}\n', '"count": 0, "phase": "migrated"}\n')
    lines = text.splitlines()
    bad = next(i for i, line in enumerate(lines, 1) if '"count": 0' in line)
    try:
        parse(text, "b.json")
    except Exception as exc:  # BaselineError
        assert f"(line {bad})" in str(exc)
    else:
        raise AssertionError("a count of 0 must be refused")


def test_baseline_check_with_many_entries_is_linear(tmp_path: Path) -> None:
    """``baseline check`` over 100 files with 8k vs 32k recorded entries:
    judging each file's entries must not scan the whole baseline per file."""
    timings = []
    for count in (8_000, 32_000):
        root = tmp_path / str(count)
        root.mkdir()
        write_tree(root, {"pyproject.toml": CONFIG, **{f"app/m{i}.py": LEGACY for i in range(100)}})
        (root / "ctxsep-baseline.json").write_text(dumps(_entries(count)), encoding="utf-8")

        def run(root: Path = root, count: int = count) -> None:
            code, out, err = ctxsep_cli(root, "baseline", "check", "-j", "1", "app")
            assert code == 1, err
            assert f"{count} stale entries" in out

        timings.append(_best_time(run, repeat=2))
    assert timings[1] / timings[0] < 8, f"32k entries took {timings[1] / timings[0]:.1f}x as long as 8k"
