"""``check`` parses in worker processes only what needs parsing, and only
once it adds up to enough work (``runner._BYTES_PER_WORKER``): the workers
are real processes, and their answers are the serial run's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ctxsep.runner as runner
from ctxsep.config import SettingsResolver

LEGACY = "ctx = create_user_execution_context(user_id='u', db_session=db)\n"
CLEAN = "def f(x):\n    return x + 1\n"


def tree(root: Path, size: int) -> Path:
    """20 files that need parsing (each about ``size`` bytes) and 20 that do not."""
    (root / ".git").mkdir(parents=True)
    (root / "ctxsep.toml").write_text('default-phase = "final"\n', encoding="utf-8")
    for i in range(20):
        (root / f"m{i:02}.py").write_text("#\n" * (size // 2) + "\n" * i + LEGACY, encoding="utf-8")
        (root / f"c{i:02}.py").write_text(CLEAN, encoding="utf-8")
    return root


def checked_by(root: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], set[int]]:
    """The run's results, and the processes that parsed (a file each wrote to)."""
    log = root.parent / f"pids-{jobs}"
    log.write_text("", encoding="utf-8")
    parse = runner._check_read

    def recording(read: runner._Read, resolver: SettingsResolver) -> runner.Checked:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return parse(read, resolver)

    monkeypatch.setattr(runner, "_check_read", recording)
    monkeypatch.chdir(root)
    result = runner.run_check(["."], SettingsResolver(cwd=root), jobs=jobs)
    pids = {int(line) for line in log.read_text(encoding="utf-8").split()}
    return [(r.path, r.findings, r.parsed) for r in result.results], pids


def test_enough_to_parse_goes_to_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_BYTES_PER_WORKER", 64 * 1024)
    root = tree(tmp_path / "big", 16 * 1024)  # 320 kB to parse: five workers' worth
    serial, serial_pids = checked_by(root, 1, monkeypatch)
    parallel, parallel_pids = checked_by(root, 2, monkeypatch)
    assert serial_pids == {os.getpid()}
    # Worker processes parsed every file (how the batches fell between the
    # two is up to the scheduler).
    assert parallel_pids and os.getpid() not in parallel_pids and len(parallel_pids) <= 2
    assert parallel == serial
    assert sum(1 for _, findings, parsed in serial if findings and parsed) == 20


def test_little_to_parse_stays_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "small", 100)
    results, pids = checked_by(root, 2, monkeypatch)
    assert pids == {os.getpid()}  # no process started for 2 kB
    assert sum(1 for _, findings, _ in results if findings) == 20
    # The files that need no parsing are not parsed, and were never handed on.
    assert not any(parsed for path, _, parsed in results if path.startswith("c"))
