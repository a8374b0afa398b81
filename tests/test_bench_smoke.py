"""The benchmark script runs end to end on a tiny corpus (no timing asserted)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support import ROOT, run


@pytest.mark.slow
def test_the_benchmark_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = run(
        [
            sys.executable,
            str(ROOT / "tests" / "benchmarks" / "bench.py"),
            "--quick",
            "--workdir",
            str(tmp_path / "work"),
            "--packages",
            "json",
            "--app-lines",
            "1500",
            "--reps",
            "1",
            "--peers",
            "ruff,ctxsep,flake8,mypy,sizes",
            "--flake8-every",
            "3",
            "--json",
            str(results),
        ],
        ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for text in ("corpus:", "ctxsep check, cold", "ctxsep check, warm", "flake8 + ctxsep", "s/100k lines"):
        assert text in proc.stdout, text
    names = [row["name"] for row in json.loads(results.read_text(encoding="utf-8"))["rows"]]
    assert "ctxsep check, cold" in names and "flake8 + ctxsep" in names
    assert "mypy + mypy_ctxsep" in names  # the test extras install mypy: the row is measured, not skipped
    assert "ctxsep fix --unsafe-fixes --diff" in names
