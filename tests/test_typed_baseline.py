"""What only mypy or pylint sees, in the baseline: ``CTXSEP_RECORD=FILE``
makes the plugins record their findings, ``ctxsep baseline ... --typed FILE``
records and judges them, and every host then hides them. Real mypy, pylint
and ctxsep runs throughout."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from mypy_project import CALL_LINES, CALLS, check, found, project
from support import ROOT, ctxsep_cli, run

from ctxsep.baseline import read_entries
from ctxsep.baseline.typed import RECORD_ENV, read_typed
from ctxsep.model import BaselineError, Finding


def _record_mypy(
    root: Path, monkeypatch: pytest.MonkeyPatch, name: str = "typed.jsonl", paths: tuple[str, ...] = ("app",)
) -> Path:
    target = root / name
    target.unlink(missing_ok=True)
    monkeypatch.setenv(RECORD_ENV, str(target))
    try:
        # incremental on purpose: recording must not be served from the cache
        check(root, paths=paths, cache_dir=root / ".mypy_cache")
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
    target = _record_mypy(root, monkeypatch, "part.jsonl", paths=("app/calls.py",))
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


# -- judging typed entries: hand-written records (the format is the plugins') -------------


def _ast_finding(root: Path, rel: str) -> Finding:
    from ctxsep.config import SettingsResolver
    from ctxsep.engine import check_file

    (finding,) = check_file(root / rel, SettingsResolver(cwd=root), baseline=False).findings
    return finding


def _write_record(
    target: Path,
    via: str,
    checked: list[Path],
    findings: tuple[tuple[Path, Finding], ...] | list[tuple[Path, Finding]] = (),
) -> None:
    rows = [{"via": via, "file": str(path)} for path in checked]
    for path, finding in findings:
        rows.append(
            {
                "via": via,
                "path": str(path),
                "line": finding.line,
                "col": finding.col,
                "code": finding.code,
                "symbol": finding.symbol,
                "severity": "error",
                "message": finding.message,
                "scope": finding.scope,
                "fingerprint": finding.fingerprint,
                "phase": "migrated",
            }
        )
    with target.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)


LEGACY = """\
from app.context import create_user_execution_context


def f():
    return create_user_execution_context('u')
"""


@pytest.fixture
def legacy_project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.ctxsep]\ndefault-phase = "migrated"\n')
    (root / "app" / "use.py").write_text(LEGACY)
    return root


def _as_typed_entry(root: Path, via: str) -> None:
    """Turn the baseline's one entry into one a typed front end recorded."""
    path = root / "ctxsep-baseline.json"
    path.write_text(path.read_text().replace('"phase": "migrated"}', f'"phase": "migrated", "via": "{via}"}}'))


def test_a_typed_entry_the_ast_engine_now_reports_is_kept_as_its_entry(legacy_project: Path) -> None:
    root = legacy_project
    assert ctxsep_cli(root, "baseline", "create")[0] == 0
    _as_typed_entry(root, "mypy")  # as if only mypy had seen it (before a vocabulary change)
    record = root / "t.jsonl"
    _write_record(record, "mypy", [root / "app/use.py"])  # mypy checked the file and no longer reports it
    code, out, _ = ctxsep_cli(root, "baseline", "check", "--typed", str(record), "--fail-on-stale")
    assert code == 0 and "0 stale" in out, out
    code, out, _ = ctxsep_cli(root, "baseline", "update", "--typed", str(record))
    assert code == 0, out
    (entry,) = read_entries(root / "ctxsep-baseline.json")
    assert (entry.code, entry.via, entry.count) == ("CTX002", "", 1), "kept, and now the AST engine's"


def test_a_typed_entry_another_front_end_still_sees_is_kept(legacy_project: Path) -> None:
    root = legacy_project
    finding = _ast_finding(root, "app/use.py")
    (root / "app" / "use.py").write_text("def f():\n    return None\n")  # the AST no longer sees anything here
    _write_record(root / "first.jsonl", "mypy", [root / "app/use.py"], [(root / "app/use.py", finding)])
    assert ctxsep_cli(root, "baseline", "create", "--typed", "first.jsonl")[0] == 0
    assert [(e.code, e.via) for e in read_entries(root / "ctxsep-baseline.json")] == [("CTX002", "mypy")]
    record = root / "both.jsonl"
    _write_record(record, "mypy", [root / "app/use.py"])  # mypy lost it (an annotation went)...
    _write_record(record, "pylint", [root / "app/use.py"], [(root / "app/use.py", finding)])  # ...pylint did not
    code, out, _ = ctxsep_cli(root, "baseline", "update", "--typed", str(record))
    assert code == 0, out
    assert [(e.code, e.via) for e in read_entries(root / "ctxsep-baseline.json")] == [("CTX002", "mypy")]


def test_a_record_from_another_checkout_or_with_bad_fields_is_refused(legacy_project: Path) -> None:
    root = legacy_project
    assert ctxsep_cli(root, "baseline", "create")[0] == 0
    elsewhere = root / "elsewhere.jsonl"
    _write_record(elsewhere, "mypy", [Path("/builds/other/app/use.py")])
    code, _, err = ctxsep_cli(root, "baseline", "check", "--typed", str(elsewhere))
    assert code == 2 and "none of the files recorded there is among the files checked now" in err, err
    finding = _ast_finding(root, "app/use.py")
    bad = root / "bad.jsonl"
    _write_record(bad, "mypy", [root / "app/use.py"], [(root / "app/use.py", finding)])
    bad.write_text(bad.read_text().replace(finding.fingerprint, "ZZ"))
    code, _, err = ctxsep_cli(root, "baseline", "update", "--allow-growth", "--typed", str(bad))
    assert code == 2 and "line 2" in err and "'fingerprint' 'ZZ' must be 8 lowercase hex digits" in err, err
    read_entries(root / "ctxsep-baseline.json")  # untouched and still valid


def test_what_the_host_silences_is_not_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ignored = CALLS.replace('process(scoped("u"))', 'process(scoped("u"))  # type: ignore[ctx-dual-pattern-call]')
    root = project(tmp_path, {"app/calls.py": ignored})
    assert [code for _, code, _ in found(check(root))] == ["CTX002", "CTX004"]
    assert {r.finding.code for r in read_typed(_record_mypy(root, monkeypatch)).records} == {"CTX002", "CTX004"}


def test_what_pylint_silences_is_not_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = shutil.copytree(ROOT / "docs" / "example", tmp_path / "demo")
    routes = demo / "app" / "routes" / "messages.py"
    text = routes.read_text()
    assert "process(context)  # no session" in text
    line = next(line for line in text.splitlines() if "process(context)  # no session" in line)
    routes.write_text(text.replace(line, line.split("  #")[0] + "  # pylint: disable=dual-pattern-call"))
    target = demo / "pylint.jsonl"
    monkeypatch.setenv(RECORD_ENV, str(target))
    proc = run([sys.executable, "-m", "pylint", "app"], demo)
    assert "CTX006" not in proc.stdout
    recorded = read_typed(target)
    assert ("pylint", routes.resolve()) in {(via, path.resolve()) for via, path in recorded.checked}
    assert recorded.records == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_typed_record_that_is_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "typed.jsonl"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    with pytest.raises(BaselineError, match=r"typed\.jsonl: cannot read typed findings: not a regular file \(a FIFO\)"):
        read_typed(fifo)
