"""What only mypy or pylint sees, in the baseline: ``CTXSEP_RECORD=FILE``
makes the plugins record their findings, ``ctxsep baseline ... --typed FILE``
records and judges them, and every host then hides them. Real mypy, pylint
and ctxsep runs throughout."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from mypy_project import CALL_LINES, CALLS, check, found, project
from support import ROOT, ctxsep_cli, run

from ctxsep.baseline import read_entries
from ctxsep.baseline.typed import RECORD_ENV, read_typed
from ctxsep.model import BaselineError


def _record_mypy(root: Path, monkeypatch: pytest.MonkeyPatch, name: str = "typed.jsonl") -> Path:
    target = root / name
    target.unlink(missing_ok=True)
    monkeypatch.setenv(RECORD_ENV, str(target))
    try:
        check(root, cache_dir=root / ".mypy_cache")  # incremental on purpose: recording must not be served from it
    finally:
        monkeypatch.delenv(RECORD_ENV)
    return target


def _typed_entries(root: Path) -> list[tuple[str, str, int]]:
    return sorted((e.code, e.via, e.count) for e in read_entries(root / "ctxsep-baseline.json") if e.via)


def test_mypy_only_findings_are_recorded_kept_and_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"app/calls.py": CALLS})
    assert [code for _, code, _ in found(check(root))] == ["CTX006", "CTX002", "CTX004"]
    record = _record_mypy(root, monkeypatch)
    assert {r.finding.code for r in read_typed(record).records} == {"CTX006", "CTX002", "CTX004"}

    code, out, _ = ctxsep_cli(root, "baseline", "create", "--typed", str(record))
    assert code == 0, out
    assert _typed_entries(root) == [("CTX002", "mypy", 1), ("CTX004", "mypy", 1), ("CTX006", "mypy", 1)]
    assert found(check(root)) == [], "mypy hides what the baseline recorded"

    # Without --typed the CLI cannot see them: it neither drops nor calls them stale.
    code, out, _ = ctxsep_cli(root, "baseline", "update")
    assert code == 0 and _typed_entries(root) == [("CTX002", "mypy", 1), ("CTX004", "mypy", 1), ("CTX006", "mypy", 1)]
    code, out, _ = ctxsep_cli(root, "baseline", "check", "--fail-on-stale")
    assert code == 0, out

    # Recording again from mypy's warm cache still sees everything.
    assert len(read_typed(_record_mypy(root, monkeypatch)).records) == 3

    # Fix the dual-pattern call: judged with --typed, the entry is stale, then removed.
    calls = root / "app/calls.py"
    lines = calls.read_text().splitlines()
    assert "process(scoped" in lines[CALL_LINES["CTX006"] - 1]
    lines[CALL_LINES["CTX006"] - 1] = lines[CALL_LINES["CTX006"] - 1].replace("process(scoped", "print(scoped")
    calls.write_text("\n".join(lines) + "\n")
    record = _record_mypy(root, monkeypatch)
    code, out, _ = ctxsep_cli(root, "baseline", "check", "--typed", str(record), "--fail-on-stale")
    assert code == 1 and "CTX006 in handler: no longer found" in out, out
    code, out, _ = ctxsep_cli(root, "baseline", "update", "--typed", str(record))
    assert code == 0 and _typed_entries(root) == [("CTX002", "mypy", 1), ("CTX004", "mypy", 1)], out

    # A new type-only finding is new to `baseline check --typed` (and shown by mypy).
    calls.write_text(calls.read_text() + "    make_ctx('v')\n")
    record = _record_mypy(root, monkeypatch)
    code, out, _ = ctxsep_cli(root, "baseline", "check", "--typed", str(record))
    assert code == 1 and "CTX002" in out and "1 finding not in the baseline" in out, out
    assert [code for _, code, _ in found(check(root))] == ["CTX002"]


def test_a_record_no_front_end_wrote_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "typed.jsonl"
    empty.write_text("")
    with pytest.raises(BaselineError, match="no front end recorded here"):
        read_typed(empty)
    empty.write_text('{"via": "mypy", "file": "/x/a.py"}\n{"path": 3}\n')
    with pytest.raises(BaselineError, match="line 2: not a typed finding"):
        read_typed(empty)


def test_a_recording_over_part_of_the_tree_condemns_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, {"app/calls.py": CALLS, "app/more.py": CALLS})
    record = _record_mypy(root, monkeypatch)
    code, out, _ = ctxsep_cli(root, "baseline", "create", "--typed", str(record))
    assert code == 0, out
    before = sorted((e.path, e.code) for e in read_entries(root / "ctxsep-baseline.json") if e.via)
    assert {path for path, _ in before} == {"app/calls.py", "app/more.py"}
    # mypy over app/calls.py only (and what it imports): app/more.py is not checked
    target = root / "part.jsonl"
    monkeypatch.setenv(RECORD_ENV, str(target))
    check(root, paths=("app/calls.py",))
    monkeypatch.delenv(RECORD_ENV)
    assert ("mypy", (root / "app/more.py").resolve()) not in {(v, p.resolve()) for v, p in read_typed(target).checked}
    code, out, _ = ctxsep_cli(root, "baseline", "update", "--typed", str(target))
    assert code == 0, out
    assert sorted((e.path, e.code) for e in read_entries(root / "ctxsep-baseline.json") if e.via) == before


def test_mypy_and_pylint_give_the_demos_dual_pattern_call_one_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same call recorded by both hosts has one key: one entry hides it in both."""
    demo = shutil.copytree(ROOT / "docs" / "example", tmp_path / "demo")
    records = {}
    for host, cmd in (
        ("mypy", [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir=/dev/null", "app"]),
        ("pylint", [sys.executable, "-m", "pylint", "app"]),
    ):
        target = demo / f"{host}.jsonl"
        monkeypatch.setenv(RECORD_ENV, str(target))
        proc = run(cmd, demo)
        assert "CTX006" in proc.stdout, proc.stdout + proc.stderr
        records[host] = read_typed(target).records
    monkeypatch.delenv(RECORD_ENV)
    identities = {
        host: {(r.finding.code, r.finding.scope, r.finding.fingerprint, r.finding.line) for r in recorded}
        for host, recorded in records.items()
    }
    assert identities["mypy"] == identities["pylint"], identities
    code, out, _ = ctxsep_cli(demo, "baseline", "create", "--typed", "mypy.jsonl", "--typed", "pylint.jsonl")
    assert code == 0, out
    typed = [e for e in read_entries(demo / "ctxsep-baseline.json") if e.via]
    assert [(e.code, e.via) for e in typed] == [("CTX006", "mypy")], "one entry, not one per host"
    for cmd in (
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir=/dev/null", "app"],
        [sys.executable, "-m", "pylint", "app"],
    ):
        assert "CTX006" not in run(cmd, demo).stdout
    document = json.loads((demo / "ctxsep-baseline.json").read_text())
    assert any(entry.get("via") == "mypy" for entry in document["entries"])
