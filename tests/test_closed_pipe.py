"""A closed output pipe never turns a failing run into exit 0 (SPEC §10,
issue 14 item 11): real bash pipelines under ``set -o pipefail``, with far
more output than a pipe buffer holds, so the reader really leaves early."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support import write_tree

CALLS = "".join(f"c{i} = create_user_execution_context(user_id='u{i}')\n" for i in range(1500))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pipe")
    return write_tree(
        root,
        {
            "ctxsep.toml": 'default-phase = "migrated"\n\n[phases]\n"warned" = "transitional"\n',
            "app/many.py": "from app.context import create_user_execution_context\n" + CALLS,
            "warned/many.py": "from app.context import create_user_execution_context\n" + CALLS,
        },
    )


def pipeline(root: Path, args: str) -> tuple[int, str]:
    command = f"set -o pipefail; {shlex.quote(sys.executable)} -m ctxsep {args} | head -1"
    proc = subprocess.run(["bash", "-c", command], cwd=root, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "args",
    ["check --no-cache app", "check --no-cache --format concise app", "baseline check app", "gate app --to migrated"],
)
def test_a_failing_run_stays_failing(project: Path, args: str) -> None:
    code, out = pipeline(project, args)
    assert code == 1, out
    assert out.count("\n") == 1 and "Traceback" not in out, out  # head's one line; no noise on stderr


def test_a_passing_run_stays_passing(project: Path) -> None:
    code, out = pipeline(project, "check --no-cache warned")  # warnings only
    assert code == 0, out
    assert "Traceback" not in out and "Exception ignored" not in out, out


@pytest.mark.parametrize("args", [["explain", "app/many.py"], ["names", "app"], ["check", "--no-cache", "warned"]])
def test_a_pipe_closed_before_any_write_keeps_exit_0(project: Path, args: list[str]) -> None:
    """The reader is gone before the command writes a byte (a deterministic
    EPIPE): a command that decided exit 0 still exits 0, quietly."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ctxsep", *args], cwd=project, stdout=write_end, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
