"""``ctxsep check --watch``: a real process, a real file change, bounded time."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from support import write_tree

LEGACY = "from app.context import create_user_execution_context\nctx = create_user_execution_context(user_id='u')\n"


def _pump(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


def _wait_for(lines: queue.Queue[str], seen: list[str], text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in seen):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{text!r} never appeared in:\n{''.join(seen)}"
        try:
            seen.append(lines.get(timeout=remaining))
        except queue.Empty:
            continue


def _watch(root: Path, target: str, stdout: int) -> subprocess.Popen[str]:
    """``ctxsep check --watch TARGET`` in ``root``, its stderr piped."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FORCE_COLOR")}
    return subprocess.Popen(
        [sys.executable, "-m", "ctxsep", "check", "--watch", target],
        cwd=root,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_watch_checks_again_when_a_file_changes(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "migrated"\n', "app/a.py": "x = 1\n"})
    proc = _watch(root, "app", subprocess.PIPE)
    out: queue.Queue[str] = queue.Queue()
    err: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, out), daemon=True).start()
    threading.Thread(target=_pump, args=(proc.stderr, err), daemon=True).start()
    seen_out: list[str] = []
    seen_err: list[str] = []
    try:
        _wait_for(out, seen_out, "0 errors, 0 warnings in 1 file checked")
        _wait_for(err, seen_err, "for changes (Ctrl-C to stop)")
        time.sleep(0.5)  # the watcher is armed once the note is printed; give the OS a moment
        (root / "app" / "a.py").write_text(LEGACY, encoding="utf-8")
        _wait_for(out, seen_out, "app/a.py:2:7: error: CTX002")
        _wait_for(out, seen_out, "1 error, 0 warnings in 1 file checked")
        (root / ".ctxsep_cache").mkdir(exist_ok=True)
        (root / "app" / "notes.txt").write_text("not python\n", encoding="utf-8")  # not a watched file
        time.sleep(1.5)
        assert sum("checking again" in line for line in seen_err + list(err.queue)) == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 1  # the last run's exit code
        time.sleep(0.3)  # let the pump read the rest of stderr
        rest = "".join(seen_err + list(err.queue))
        assert "KeyboardInterrupt" not in rest and "Traceback" not in rest, rest  # a clean stop
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_notes_keep_a_hostile_path_on_one_line(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "migrated"\n'})
    hostile = "app\n::error::forged"
    (root / hostile).mkdir()
    (root / hostile / "a.py").write_text("x = 1\n", encoding="utf-8")
    proc = _watch(root, hostile, subprocess.DEVNULL)
    err: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stderr, err), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(err, seen, "for changes (Ctrl-C to stop)")
        note = next(line for line in seen if "watching" in line)
        assert "watching app\\n::error::forged for changes" in note, seen
        assert not any(line.startswith("::error") for line in seen), seen
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
