"""What a newcomer running ``report``, ``report --history`` and ``report
--compare`` on a small repository should read: projections only from
enough samples, finished directories still counted, a finished directory
and a grown baseline told apart from progress."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from history_demo import git

from ctxsep.migration.projection import trend

CONFIG = """
[project]
name = "newcomer"

[tool.ctxsep]
default-phase = "legacy"

[tool.ctxsep.phases]
"app/services" = "transitional"
"app/routes" = "migrated"
"app/websocket" = "final"
"""

CLEAN = "def ping():\n    return 1\n"


def legacy_calls(n: int) -> str:
    """A module with ``n`` legacy constructor calls."""
    body = "".join(
        f"\n\ndef f{i}(db):\n    return create_user_execution_context(user_id='u{i}', db_session=db)\n"
        for i in range(n)
    )
    return "from app.context import create_user_execution_context\n" + body


def ctxsep(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "ctxsep", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def minutes_apart_repo(root: Path) -> Path:
    """Four commits five minutes apart: app/services goes 16 → 10 errors before `migrated`."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for step, calls in enumerate((8, 7, 6, 5)):
        write(root, {"pyproject.toml": CONFIG, "app/services/s.py": legacy_calls(calls), "app/util/u.py": CLEAN})
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"step {step}", date=f"2026-12-06T10:{5 * step:02d}:00+00:00")
    return root


def test_minutes_apart_is_too_few_samples_to_project(tmp_path: Path) -> None:
    repo = minutes_apart_repo(tmp_path / "shop")
    out = ctxsep(repo, "report", "--history", "--every", "1")
    services = next(line for line in out.splitlines() if line.startswith("| app/services |"))
    assert services == "| app/services | transitional | 10 | n/a | too few samples to project |"
    assert "ready for" not in out.split("## Next gate")[1]
    document = json.loads(ctxsep(repo, "report", "--history", "--every", "1", "--format", "json"))
    outlook = next(d for d in document["projection"]["directories"] if d["directory"] == "app/services")
    assert outlook["gate_errors"] == {"now": 10, "per_week": None, "zero_on": None, "status": "too few samples"}
    # the default sampling keeps the last commit of the day: one sample, said in the singular
    assert "1 commit sampled (the last commit of each day (UTC)) of 4 first-parent commits." in ctxsep(
        repo, "report", "--history"
    )


def test_history_html_labels_times_when_points_share_a_day(tmp_path: Path) -> None:
    from ctxsep.output.svg import tick_labels

    repo = minutes_apart_repo(tmp_path / "shop")
    page = ctxsep(repo, "report", "--history", "--every", "1", "--format", "html")
    assert ">12-06 10:00</text>" in page and ">12-06 10:15</text>" in page
    assert "4 commits sampled (every first-parent commit) of 4 first-parent commits." in page
    assert "1 commit sampled" in ctxsep(repo, "report", "--history", "--format", "html")
    days = [datetime(2026, 12, d, 9, tzinfo=UTC) for d in (1, 3, 5)]
    assert tick_labels(days) == ["2026-12-01", "2026-12-03", "2026-12-05"]


def series(points: list[tuple[float, int]]) -> list[tuple[datetime, int]]:
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    return [(start + timedelta(days=day), value) for day, value in points]


def test_a_pace_needs_three_samples_over_a_day() -> None:
    assert trend(series([(0, 9), (5, 5)]), 4).status == "too few samples"  # two points
    assert trend(series([(0, 9), (0.1, 7), (0.2, 5)]), 4).status == "too few samples"  # within hours
    steady = trend(series([(0, 9), (7, 7), (14, 5)]), 4)
    assert steady.status == "on" and steady.per_week == -2 and str(steady.zero_on) == "2026-12-03"
    assert trend(series([(0, 0), (0.1, 0)]), 4).status == "done"


def test_a_count_above_zero_is_never_done_by_the_day_it_was_counted() -> None:
    # 900 → 5 in two days: the line reaches zero minutes after the newest sample
    steep = trend(series([(0, 900), (1, 450), (2, 5)]), 4)
    assert steep.status == "on" and steep.now == 5
    assert steep.zero_on is not None and str(steep.zero_on) == "2026-11-04"  # the day after 11-03, not 11-03


def checked_tree(root: Path) -> Path:
    write(
        root,
        {
            "pyproject.toml": CONFIG,
            "app/services/s.py": legacy_calls(2),
            "app/websocket/ws.py": legacy_calls(2),
            "app/websocket/hub.py": CLEAN,
            "app/util/u.py": CLEAN,
        },
    )
    git(root, "init", "-q", "-b", "main")
    return root


def test_a_finished_directory_is_still_counted(tmp_path: Path) -> None:
    root = checked_tree(tmp_path / "shop")
    before = json.loads(ctxsep(root, "report", "--format", "json"))
    assert before["totals"]["directories_per_phase"] == {"legacy": 1, "transitional": 1, "migrated": 0, "final": 1}
    (root / "app/websocket/ws.py").write_text(CLEAN, encoding="utf-8")  # the migration is done
    after = json.loads(ctxsep(root, "report", "--format", "json"))
    assert after["totals"]["directories_per_phase"] == before["totals"]["directories_per_phase"]
    assert after["totals"]["files"] == before["totals"]["files"] == 4
    assert [d["directory"] for d in after["directories"]] == ["app/services"]
    assert after["clean_directories"] == [
        {"directory": "app/util", "phase": "legacy", "files": 1},
        {"directory": "app/websocket", "phase": "final", "files": 2},
    ]
    markdown = ctxsep(root, "report")
    assert "| **total** | | 4 |" in markdown
    assert (
        "2 more directories have nothing to migrate or report (counted in the totals): "
        "app/util (legacy, 1 file); app/websocket (final, 2 files)." in markdown
    )


def test_compare_shows_a_finished_directory_as_better(tmp_path: Path) -> None:
    root = checked_tree(tmp_path / "shop")
    old = tmp_path / "old.json"
    old.write_text(ctxsep(root, "report", "--format", "json"), encoding="utf-8")
    (root / "app/websocket/ws.py").write_text(CLEAN, encoding="utf-8")
    out = ctxsep(root, "report", "--compare", str(old))
    better, worse = out.split("## Worse")
    assert "- app/websocket: 7 errors/warnings/legacy calls → none (clean)" in better
    assert "app/websocket" not in worse
    document = json.loads(ctxsep(root, "report", "--compare", str(old), "--format", "json"))
    assert {"where": "app/websocket", "what": "", "old": "7 errors/warnings/legacy calls", "new": "none (clean)"} in (
        document["better"]
    )


def test_compare_sets_a_grown_baseline_apart(tmp_path: Path) -> None:
    root = checked_tree(tmp_path / "shop")
    old = tmp_path / "old.json"
    before = ctxsep(root, "report", "--format", "json")
    old.write_text(before, encoding="utf-8")
    totals = json.loads(before)["totals"]
    assert (totals["errors"], totals["warnings"], totals["baselined"]) == (5, 4, 0)
    ctxsep(root, "baseline", "create")
    out = ctxsep(root, "report", "--compare", str(old))
    assert "## Moved into the baseline" in out
    assert "- total: 5 errors and 4 warnings moved into the baseline" in out
    assert "- app/websocket: 5 errors moved into the baseline" in out
    assert "errors 5 → 0" not in out and "baselined 0 → 9" not in out
    document = json.loads(ctxsep(root, "report", "--compare", str(old), "--format", "json"))
    assert document["better"] == [] and document["worse"] == []
    assert {"where": "total", "errors": 5, "warnings": 4} in document["moved_to_baseline"]


def test_fixed_and_baselined_at_once_are_told_apart() -> None:
    from ctxsep.output.report_compare import compare

    old = {"totals": {"errors": 10, "warnings": 0, "baselined": 0}, "directories": []}
    new = {"totals": {"errors": 3, "warnings": 0, "baselined": 5}, "directories": []}
    found, moved = compare(old, new)
    assert [(m.where, m.errors, m.warnings) for m in moved] == [("total", 5, 0)]
    assert [(c.text, c.better) for c in found] == [("total: errors 10 → 3 (besides 5 moved into the baseline)", True)]
