"""Progress on stderr (SPEC §9): on a terminal, for long runs; never in a
pipe, a CI log or with -q. The terminal is a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from ctxsep.cli.progress import Progress, wanted

LEGACY = "from app.context import create_user_execution_context\n\nctx = create_user_execution_context(user_id='u')\n"


def _tree(root: Path, files: int = 40) -> Path:
    for i in range(files):
        (root / f"m{i}.py").write_text(LEGACY if i % 2 else "x = 1\n", encoding="utf-8")
    return root


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(extra)
    return env


def _run_on_pty(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, bytes, bytes]:
    """Run ctxsep with stderr on a pseudo-terminal, stdout on a pipe."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctxsep", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        err += chunk
    out = proc.stdout.read() if proc.stdout else b""
    code = proc.wait(timeout=60)
    os.close(master)
    return code, out, err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_terminal_sees_files_done_out_of_the_total_then_a_clean_line(tmp_path: Path, jobs: str) -> None:
    root = _tree(tmp_path)
    code, out, err = _run_on_pty(["check", "--no-cache", "-j", jobs, "."], root, _env(CTXSEP_PROGRESS_AFTER="0"))
    assert code == 1, err
    text = err.decode()
    assert "\rctxsep: 0/40 files" in text
    assert "ctxsep: 40/40 files" in text  # the last update names the total
    assert text.endswith("\r"), "the line is cleared before the report"
    assert b"files" not in out.splitlines()[0]  # stdout (the report) carries no progress
    assert b"in 40 files checked" in out


def test_a_run_shorter_than_the_delay_shows_nothing_on_a_terminal(tmp_path: Path) -> None:
    """Nothing until the run has taken CTXSEP_PROGRESS_AFTER seconds (2 by
    default; 30 here, so a loaded machine cannot make the run that long)."""
    code, _out, err = _run_on_pty(["check", "--no-cache", "."], _tree(tmp_path, 4), _env(CTXSEP_PROGRESS_AFTER="30"))
    assert code == 1
    assert b"files" not in err


@pytest.mark.parametrize(
    ("args", "extra"),
    [(["-q"], {}), ([], {"CI": "true"})],
    ids=["quiet", "CI"],
)
def test_quiet_and_ci_show_nothing_even_on_a_terminal(tmp_path: Path, args: list[str], extra: dict[str, str]) -> None:
    root = _tree(tmp_path)
    code, _out, err = _run_on_pty(["check", "--no-cache", *args, "."], root, _env(CTXSEP_PROGRESS_AFTER="0", **extra))
    assert code == 1
    assert b"/40 files" not in err


def test_a_pipe_shows_nothing(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "ctxsep", "check", "--no-cache", "."],
        cwd=root,
        env=_env(CTXSEP_PROGRESS_AFTER="0"),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 1
    # the tree has no config: the one-line note that the built-in defaults apply is all stderr holds
    assert b"files" not in proc.stderr.replace(b"no ctxsep.toml", b"")
    assert b"\r" not in proc.stderr


def test_redraws_are_throttled_and_the_last_one_always_shows() -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(stream, after=2.0, clock=lambda: now[0])
    progress.update(1, 10)  # before 2 s: nothing
    assert stream.getvalue() == ""
    now[0] = 2.5
    progress.update(5, 10)
    progress.update(6, 10)  # within 0.1 s of the last redraw: skipped
    progress.update(10, 10)  # the end is always drawn
    assert stream.getvalue() == "\rctxsep: 5/10 files\rctxsep: 10/10 files"
    progress.close()
    assert stream.getvalue().endswith("\r" + " " * len("ctxsep: 10/10 files") + "\r")


def test_wanted_needs_a_terminal() -> None:
    assert not wanted(io.StringIO(), quiet=False, environ={})
