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
    real = tmp_path / "checkout"  # a stand-in for CTXSEP_BENCH_CORPUS: a tree with its own config
    (real / "pkg").mkdir(parents=True)
    (real / "ctxsep.toml").write_text('[names]\nlegacy-constructors = ["pkg.ctx.make_context"]\n', encoding="utf-8")
    (real / "pkg" / "ctx.py").write_text("def make_context(user_id):\n    return user_id\n", encoding="utf-8")
    (real / "pkg" / "use.py").write_text(
        "from pkg.ctx import make_context\n\nctx = make_context('u')\n", encoding="utf-8"
    )
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
            "ruff,ctxsep,flake8,mypy,sizes,dense",
            "--dense-lines",
            "1500,3000",
            "--real-corpus",
            str(real),
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
    assert "the dense worst case" in proc.stdout and "us/line" in proc.stdout
    assert "real tree: 5 lines in 2 files" in proc.stdout
    assert "real: ctxsep check, warm" in proc.stdout and "x cold" in proc.stdout
    banned = (tmp_path / "work" / "ruff-banned-real.toml").read_text(encoding="utf-8")
    assert '"pkg.ctx.make_context"' in banned  # ruff bans what the tree's own config calls legacy
    names = [row["name"] for row in json.loads(results.read_text(encoding="utf-8"))["rows"]]
    assert "ctxsep check, cold" in names and "flake8 + ctxsep" in names
    assert any(name.startswith("dense: ctxsep check") for name in names)
    assert "real: ctxsep check, cold" in names
    assert "mypy + mypy_ctxsep" in names  # the test extras install mypy: the row is measured, not skipped
    assert "ctxsep fix --unsafe-fixes --diff" in names
