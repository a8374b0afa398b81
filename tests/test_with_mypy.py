"""``ctxsep baseline update --with-mypy [MYPY ARGS]`` is the three-command
long form in one: real mypy and ctxsep processes, and the same baseline as
the long form writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mypy_project import CALLS, project

from ctxsep.baseline import read_entries
from ctxsep.baseline.typed import RECORD_ENV


def ctxsep(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", RECORD_ENV)}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ctxsep", *args], cwd=root, capture_output=True, text=True, timeout=300, env=environ
    )


def typed_entries(root: Path) -> list[tuple[str, str | None, int]]:
    return sorted((e.code, e.via, e.count) for e in read_entries(root / "ctxsep-baseline.json"))


def test_with_mypy_records_what_only_types_show_like_the_long_form(tmp_path: Path) -> None:
    short = project(tmp_path / "short", {"app/calls.py": CALLS})
    assert ctxsep(short, "baseline", "create").returncode == 0
    before = typed_entries(short)
    assert not any(via for _, via, _ in before)
    long = tmp_path / "long"
    shutil.copytree(short, long)

    proc = ctxsep(short, "baseline", "update", "--with-mypy", "app", "--no-incremental")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "running `CTXSEP_RECORD=<temp file> python -m mypy app --no-incremental`" in proc.stdout
    after = typed_entries(short)
    assert ("CTX006", "mypy", 1) in after and after != before

    # the long form of docs/baselines.md gives the same file
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    record = long / "typed.jsonl"
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "app", "--no-incremental"],
        cwd=long,
        env={**environ, RECORD_ENV: str(record)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert mypy.returncode == 1, mypy.stdout
    assert ctxsep(long, "baseline", "update", "--allow-growth", "--typed", "typed.jsonl").returncode == 0
    assert typed_entries(long) == after
    assert not list(short.glob("*.jsonl")), "the temporary record is not left behind"


def test_with_mypy_reports_a_mypy_that_cannot_run(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/calls.py": CALLS})
    assert ctxsep(root, "baseline", "create").returncode == 0
    proc = ctxsep(root, "baseline", "update", "--with-mypy", "--no-such-mypy-flag")
    assert proc.returncode == 2
    assert "`python -m mypy --no-such-mypy-flag` failed (exit 2)" in proc.stderr and "Traceback" not in proc.stderr
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('plugins = ["mypy_ctxsep"]', ""), encoding="utf-8"
    )
    proc = ctxsep(root, "baseline", "update", "--with-mypy", "app")
    assert proc.returncode == 2 and "recorded nothing" in proc.stderr, proc.stderr
