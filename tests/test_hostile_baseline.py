"""Hostile or huge baselines (issue 14, items 5, 7, 8, 12; SPEC §7, §10).

Each test is the attack or the mistake as a user would make it: a config
pointing the baseline outside the project, a shared config one directory
up, two real processes updating one baseline at once, a baseline with tens
of thousands of entries.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from support import ctxsep_cli, write_tree

from ctxsep.baseline.fileformat import Entry, dumps, parse
from ctxsep.config import SettingsResolver
from ctxsep.migration.baseline_ops import check_group, group_run, updated_entries
from ctxsep.model import Phase
from ctxsep.runner import RunResult, run_check

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


def _growth(small: Callable[[], object], large: Callable[[], object], repeat: int = 4) -> float:
    """How many times longer ``large`` takes than ``small``: the best of
    ``repeat`` interleaved runs each, with the garbage collector paused, so
    a busy machine (other jobs, a collection) does not pass for a
    quadratic algorithm. 4x the work is about 4 when linear, 16 when not."""
    paused = gc.isenabled()
    gc.disable()
    try:
        best_small = best_large = float("inf")
        for _ in range(repeat):
            best_small = min(best_small, _best_time(small, 1))
            best_large = min(best_large, _best_time(large, 1))
    finally:
        if paused:
            gc.enable()
    return best_large / best_small


# -- item 12: reading a baseline is linear in its size ------------------------------------


def test_parsing_a_baseline_is_linear_in_its_entries() -> None:
    """4x the entries may cost about 4x the time, not 16x (it was quadratic:
    each entry's line number was counted from the start of the file)."""
    small, large = dumps(_entries(5_000)), dumps(_entries(20_000))
    assert len(parse(large, "b.json")) == 20_000
    ratio = _growth(lambda: parse(small, "b.json"), lambda: parse(large, "b.json"))
    assert ratio < 10, f"20k entries took {ratio:.1f}x as long as 5k"


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
    """``baseline check`` over 100 files with 4k vs 16k recorded entries:
    judging each file's entries must not scan the whole baseline per file."""
    runs = []
    for count in (4_000, 16_000):
        root = tmp_path / str(count)
        root.mkdir()
        write_tree(root, {"pyproject.toml": CONFIG, **{f"app/m{i}.py": LEGACY for i in range(100)}})
        (root / "ctxsep-baseline.json").write_text(dumps(_entries(count)), encoding="utf-8")

        def run(root: Path = root, count: int = count) -> None:
            code, out, err = ctxsep_cli(root, "baseline", "check", "-j", "1", "app")
            assert code == 1, err
            assert f"{count} stale entries" in out

        runs.append(run)
    ratio = _growth(runs[0], runs[1], repeat=2)
    assert ratio < 10, f"16k entries took {ratio:.1f}x as long as 4k"


# -- item 5: the baseline stays inside the project ---------------------------------------------

SECRET = '{"version": "ghp_SECRETTOKEN0123456789", "entries": {"token": "ghp_SECRETTOKEN0123456789"}}\n'


def _victim(tmp_path: Path) -> tuple[Path, Path]:
    """A project, and beside it a directory holding another JSON file (a token)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.json").write_text(SECRET, encoding="utf-8")
    root = tmp_path / "repo"
    root.mkdir()
    write_tree(root, {"pyproject.toml": CONFIG, "app/a.py": LEGACY})
    return root, outside / "x.json"


@pytest.mark.parametrize("where", ["../outside/x.json", "ci/../../outside/x.json", "<absolute>"])
def test_a_configured_baseline_outside_the_project_is_refused(tmp_path: Path, where: str) -> None:
    root, secret = _victim(tmp_path)
    value = str(secret) if where == "<absolute>" else where
    (root / "pyproject.toml").write_text(CONFIG + f"baseline = {json.dumps(value)}\n", encoding="utf-8")
    for command in (["check", "app"], ["baseline", "create", "--force", "app"], ["baseline", "check", "app"]):
        code, out, err = ctxsep_cli(root, *command)
        assert code == 2, (command, out, err)
        assert "pyproject.toml: [tool.ctxsep] 'baseline'" in err and "outside the project" in err
        assert "ghp_" not in out + err
    assert secret.read_text(encoding="utf-8") == SECRET


@pytest.mark.parametrize("link", ["file", "directory"])
def test_a_symlink_cannot_lead_the_baseline_out_of_the_project(tmp_path: Path, link: str) -> None:
    root, secret = _victim(tmp_path)
    if link == "file":
        (root / "ctxsep-baseline.json").symlink_to(secret)
    else:
        (root / "pyproject.toml").write_text(CONFIG + 'baseline = "ci/x.json"\n', encoding="utf-8")
        (root / "ci").symlink_to(secret.parent)
    for command in (["check", "app"], ["baseline", "check", "app"], ["baseline", "create", "--force", "app"]):
        code, out, err = ctxsep_cli(root, *command)
        assert code == 2, (command, out, err)
        assert "symbolic link" in err and "'baseline'" in err
        assert "ghp_" not in out + err
    assert secret.read_text(encoding="utf-8") == SECRET
    assert sorted(p.name for p in secret.parent.iterdir()) == ["x.json"]


def test_a_baseline_in_a_subdirectory_is_still_fine(tmp_path: Path) -> None:
    root, _ = _victim(tmp_path)
    (root / "pyproject.toml").write_text(CONFIG + 'baseline = "ci/./known.json"\n', encoding="utf-8")
    (root / "ci").mkdir()
    assert ctxsep_cli(root, "baseline", "create", "app")[0] == 0
    assert ctxsep_cli(root, "baseline", "check", "app")[0] == 0


# -- item 8: concurrent writers never lose entries ----------------------------------------------


def test_two_concurrent_updates_with_growth_keep_both_sides(tmp_path: Path) -> None:
    """Two real ``baseline update --allow-growth`` processes at once, each
    recording the new findings of its own directory. Without a lock around
    read-modify-write the later writer drops the other's entries (it read
    the baseline before the other wrote); rounds repeat the race."""
    root = tmp_path / "repo"
    root.mkdir()
    write_tree(root, {"pyproject.toml": CONFIG, **{f"app/{s}/m{i}.py": LEGACY for s in "ab" for i in range(20)}})
    # Debt recorded elsewhere in the tree (kept by both runs) makes each
    # read-modify-write take a while, as in a real baseline.
    others = [replace(e, path=f"lib/{e.path}") for e in _entries(8_000)]
    baseline = root / "ctxsep-baseline.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home"), "PYTHONDONTWRITEBYTECODE": "1"}
    for round_ in range(2):
        baseline.write_text(dumps(others), encoding="utf-8")
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "ctxsep", "baseline", "update", "--allow-growth", "-j", "1", f"app/{side}"],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for side in ("a", "b")
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        entries = parse(baseline.read_text(encoding="utf-8"), baseline)
        recorded = {e.path.split("/")[1] for e in entries if e.path.startswith("app/")}
        assert recorded == {"a", "b"}, f"round {round_}: one side's entries were lost"
        assert len(entries) == 8_040


# -- item 7: a shared config one directory up ----------------------------------------------------


def test_a_config_outside_the_project_never_writes_unreadable_entries(tmp_path: Path) -> None:
    """``--config ../shared/ctxsep.toml``: entries would read ``../project/…``,
    which every later command rejects. The write commands refuse instead,
    naming the config and the files, and write nothing."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "ctxsep.toml").write_text('default-phase = "migrated"\n', encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    write_tree(project, {"app/a.py": LEGACY})
    for command in (["create"], ["create", "--force"]):
        code, out, err = ctxsep_cli(project, "baseline", *command, "--config", "../shared/ctxsep.toml", ".")
        assert code == 2, (out, err)
        assert "../shared/ctxsep.toml: cannot record app/a.py: not under ../shared" in err
        assert not (tmp_path / "shared" / "ctxsep-baseline.json").exists()
    # With an existing (empty) baseline, update refuses too and leaves it as it was.
    (tmp_path / "shared" / "ctxsep-baseline.json").write_text(dumps([]), encoding="utf-8")
    code, _, err = ctxsep_cli(project, "baseline", "update", "--allow-growth", "--config", "../shared/ctxsep.toml", ".")
    assert code == 2 and "cannot record app/a.py" in err
    assert (tmp_path / "shared" / "ctxsep-baseline.json").read_text(encoding="utf-8") == dumps([])
    # The same config used from its own directory records normal entries.
    write_tree(tmp_path / "shared", {"app/b.py": LEGACY})
    code, _, err = ctxsep_cli(tmp_path / "shared", "baseline", "create", "--force", "--config", "ctxsep.toml", "app")
    assert code == 0, err
    entries = parse((tmp_path / "shared" / "ctxsep-baseline.json").read_text(encoding="utf-8"), "b.json")
    assert [e.path for e in entries] == ["app/b.py"]


def test_judging_many_entries_of_one_file_is_linear(tmp_path: Path) -> None:
    """A generated module with thousands of recorded findings: each entry
    is judged against counts made once per file, not recounted per entry.
    Timed: judging the run (what ``baseline check`` and ``update`` do after
    checking), not the engine's check of the module itself."""
    judges = []
    for count in (600, 2_400):
        root = tmp_path / str(count)
        root.mkdir()
        calls = (f"def h{i}(db):\n    return create_user_execution_context(user_id='u{i}')\n" for i in range(count))
        write_tree(root, {"pyproject.toml": CONFIG, "app/generated.py": "".join(calls)})
        assert ctxsep_cli(root, "baseline", "create", "app")[0] == 0
        resolver = SettingsResolver(cwd=root)
        run = run_check(["app"], resolver, jobs=1)

        def judge(run: RunResult = run, resolver: SettingsResolver = resolver, count: int = count) -> None:
            (group,) = group_run(run, resolver, ["app"])
            assert check_group(group).stale == []
            assert sum(e.count for e in updated_entries(group)) == count

        judges.append(judge)
    ratio = _growth(judges[0], judges[1], repeat=3)
    assert ratio < 10, f"4x the entries took {ratio:.1f}x as long to judge"
