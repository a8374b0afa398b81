"""The ``ctxsep`` command as a user runs it."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, run

from ctxsep.cli import main

LEGACY_CALL = "ctx = create_user_execution_context(user_id='u', db_session=db)\n"


def ctxsep(*args: str, cwd: Path) -> tuple[int, str, str]:
    proc = run([sys.executable, "-m", "ctxsep", *args], cwd)
    return proc.returncode, proc.stdout, proc.stderr


def make(tmp_path: Path, files: dict[str, str | bytes], config: str | None = None) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    if config is not None:
        (tmp_path / "ctxsep.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return tmp_path


def check_json(root: Path, *args: str) -> tuple[int, dict]:
    code, out, err = ctxsep("check", "--format", "json", *args, cwd=root)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_exit_codes(tmp_path: Path) -> None:
    root = make(tmp_path, {"clean.py": "x = 1\n", "bad.py": LEGACY_CALL})
    assert ctxsep("check", "clean.py", cwd=root)[0] == 0
    assert ctxsep("check", "bad.py", cwd=root)[0] == 1
    assert ctxsep("check", cwd=root)[0] == 1  # default path: .


def test_warnings_alone_exit_zero(tmp_path: Path) -> None:
    root = make(tmp_path, {"bad.py": LEGACY_CALL}, config='default-phase = "transitional"\n')
    code, document = check_json(root)
    assert code == 0
    assert {f["severity"] for f in document["findings"]} == {"warn"}
    assert document["summary"]["warnings"] == 2


def test_config_error_exits_2_and_names_file_and_key(tmp_path: Path) -> None:
    root = make(tmp_path, {"bad.py": LEGACY_CALL}, config='[phases]\n"app" = "migratd"\n')
    code, out, err = ctxsep("check", cwd=root)
    assert code == 2
    assert out == ""
    assert f"ctxsep: error: {root / 'ctxsep.toml'}: [phases] 'app': unknown phase 'migratd'" in err
    assert "Traceback" not in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert ctxsep("check", "--format", "xml", cwd=tmp_path)[0] == 2
    assert ctxsep("check", "-j", "0", cwd=tmp_path)[0] == 2
    assert ctxsep("frobnicate", cwd=tmp_path)[0] == 2
    code, _, err = ctxsep("rules", "CTX999", cwd=tmp_path)
    assert code == 2 and "unknown rule 'CTX999'" in err


def test_json_document_shape(tmp_path: Path) -> None:
    root = make(tmp_path, {"pkg/mod.py": "\n" + LEGACY_CALL})
    _, document = check_json(root)
    assert set(document) == {"findings", "summary"}
    first = document["findings"][0]
    assert first == {
        "path": "pkg/mod.py",
        "line": 2,
        "column": 7,
        "code": "CTX002",
        "symbol": "legacy-context-constructor",
        "severity": "error",
        "message": first["message"],
        "phase": "migrated",
    }
    assert first["message"].startswith("CTX002 call of legacy constructor 'create_user_execution_context'")
    assert document["findings"][1]["code"] == "CTX001" and document["findings"][1]["column"] == 50
    assert document["summary"] == {
        "files": 1,
        "parsed": 1,
        "skipped": 0,
        "errors": 2,
        "warnings": 0,
        "baselined": 0,
        "by_code": {"CTX001": 1, "CTX002": 1},
        "fixable": {"safe": 0, "unsafe": 0},
    }


def test_paths_are_relative_to_the_cwd(tmp_path: Path) -> None:
    root = make(tmp_path, {"pkg/mod.py": LEGACY_CALL})
    _, document = check_json(root / "pkg", str(root / "pkg" / "mod.py"))
    assert document["findings"][0]["path"] == "mod.py"
    _, document = check_json(root / "pkg", "../pkg")
    assert document["findings"][0]["path"] == "mod.py"


def test_quiet_prints_only_the_summary(tmp_path: Path) -> None:
    root = make(tmp_path, {"bad.py": LEGACY_CALL})
    code, out, _ = ctxsep("check", "-q", cwd=root)
    assert code == 1
    assert out == "ctxsep: 2 errors, 0 warnings in 1 file checked.\n"


def test_text_format(tmp_path: Path) -> None:
    root = make(tmp_path, {"bad.py": LEGACY_CALL})
    _, out, _ = ctxsep("check", cwd=root)
    assert out.splitlines()[0].startswith("bad.py:1:7: error: CTX002 call of legacy constructor")


def test_parallel_and_serial_agree(tmp_path: Path) -> None:
    # ~1.2 MB to parse: enough for check to hand files to worker processes
    # (tests/test_parallel.py checks that they do).
    padding = "# " + "x" * 78 + "\n"
    files = {f"pkg{i}/m{j}.py": padding * 370 + "\n" * j + LEGACY_CALL for i in range(4) for j in range(10)}
    files["pkg0/broken.py"] = "def (:\n" + LEGACY_CALL
    root = make(tmp_path, files)
    serial = check_json(root, "-j", "1")[1]
    parallel = check_json(root, "-j", "2")[1]
    assert serial == parallel
    assert serial["summary"]["files"] == 41 and serial["summary"]["errors"] == 81


def test_skips_usual_folders_and_honours_exclude(tmp_path: Path) -> None:
    files = {name + "/m.py": LEGACY_CALL for name in (".venv", "venv", "node_modules", "build", "__pycache__", ".git")}
    files.update({"app/m.py": LEGACY_CALL, "app/generated/g.py": LEGACY_CALL, "app/gen_x.py": LEGACY_CALL})
    root = make(tmp_path, files, config='exclude = ["app/generated/", "gen_*.py"]\n')
    _, document = check_json(root)
    assert sorted({f["path"] for f in document["findings"]}) == ["app/m.py"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("def broken(:\n    pass\n" + LEGACY_CALL, "syntax error (line 1)"),
        (b"x = '\xff\xfe'\n" + LEGACY_CALL.encode(), "cannot decode"),
        (b"# -*- coding: latin-1 -*-\nx = 1\x00\n" + LEGACY_CALL.encode(), "null"),
        ("x = " + "(" * 400 + "1" + ")" * 400 + "\n" + LEGACY_CALL, "too many nested parentheses"),
        ("x = " + "-" * 100_000 + "1\n" + LEGACY_CALL, "nesting too deep"),
        ("x = " + "+".join(["a"] * 200_000) + "\n" + LEGACY_CALL, "nesting too deep"),
    ],
    ids=["syntax", "undecodable", "nul", "parens", "unary-depth", "recursion"],
)
def test_unparsable_files_are_reported_once_and_the_run_goes_on(
    tmp_path: Path, content: str | bytes, reason: str
) -> None:
    root = make(tmp_path, {"bad.py": content, "good.py": LEGACY_CALL})
    code, document = check_json(root)
    assert code == 1
    skipped = [f for f in document["findings"] if f["code"] == "CTX900"]
    assert len(skipped) == 1 and skipped[0]["path"] == "bad.py"
    assert reason in skipped[0]["message"].lower()
    assert {f["code"] for f in document["findings"] if f["path"] == "good.py"} == {"CTX001", "CTX002"}
    assert document["summary"]["skipped"] == 1


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    root = make(tmp_path, {"secret.py": LEGACY_CALL})
    (root / "secret.py").chmod(0)
    _, document = check_json(root)
    assert document["findings"][0]["code"] == "CTX900"
    assert "cannot read" in document["findings"][0]["message"]


def test_files_that_cannot_have_findings_are_not_parsed(tmp_path: Path) -> None:
    # The prefilter (see ctxsep/prefilter.py) skips files that never mention the
    # vocabulary, so their syntax errors are left to the other linters.
    root = make(tmp_path, {"unrelated.py": "def (:\n", "bad.py": "def (:\n" + LEGACY_CALL})
    _, document = check_json(root)
    assert [(f["path"], f["code"]) for f in document["findings"]] == [("bad.py", "CTX900")]
    assert document["summary"]["parsed"] == 0 and document["summary"]["files"] == 2


def test_parsing_warnings_are_not_printed(tmp_path: Path) -> None:
    root = make(tmp_path, {"w.py": 'pattern = "\\d+"\nx = 1 is 1\n' + LEGACY_CALL}, config="")
    code, _, err = ctxsep("check", cwd=root)
    assert code == 1
    assert err == ""


def test_missing_named_file_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = ctxsep("check", "--format", "json", "nope.py", cwd=make(tmp_path, {}))
    assert (code, out) == (2, "")
    assert "nope.py: no such file or directory" in err


def test_long_expression_chains_do_not_break_the_walk(tmp_path: Path) -> None:
    chain = " + ".join(["context.a"] * 1000)
    source = f"def f(context: RequestScopedContext):\n    context.total = {chain}\n"
    _, document = check_json(make(tmp_path, {"long.py": source}))
    assert [f["code"] for f in document["findings"]] == ["CTX004"]


def test_symlink_loop_does_not_trap_the_walk(tmp_path: Path) -> None:
    root = make(tmp_path, {"app/m.py": LEGACY_CALL})
    (root / "app" / "loop").symlink_to(root / "app", target_is_directory=True)
    _, document = check_json(root)
    assert document["summary"]["files"] == 1


def test_rules_lists_every_rule_and_documents_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    table = capsys.readouterr().out
    for code in ("CTX001", "CTX002", "CTX003", "CTX004", "CTX005", "CTX006", "CTX007"):
        assert code in table
    assert main(["rules", "missing-db-parameter"]) == 0
    doc = capsys.readouterr().out
    assert doc.startswith("CTX003 missing-db-parameter:")
    for section in ("What it does", "Why it matters", "Example", "Use instead", "How to fix"):
        assert f"\n{section}\n{'-' * len(section)}\n" in doc  # Markdown headings rendered as text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("ctxsep ")


def test_demo_shows_every_ast_rule_at_both_severities() -> None:
    _, document = check_json(ROOT, "docs/example")
    seen = {(f["code"], f["severity"]) for f in document["findings"]}
    for code in ("CTX001", "CTX002", "CTX003", "CTX004", "CTX005", "CTX007"):
        assert (code, "warn") in seen and (code, "error") in seen, code


def test_unreadable_and_vanished_files_are_reported_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctxsep.config import SettingsResolver
    from ctxsep.runner import FileCollector, run_check

    root = make(tmp_path, {"locked.py": LEGACY_CALL, "vanishing.py": LEGACY_CALL, "good.py": LEGACY_CALL})
    real_collect = FileCollector.collect
    import ctxsep.atomic

    real_read = ctxsep.atomic.read_source

    def collect_then_delete(self: FileCollector, paths: list[str]) -> list[Path]:
        files = real_collect(self, paths)
        (root / "vanishing.py").unlink()  # deleted after the walk, before the check
        return files

    def read_source(path: Any) -> bytes:  # every source file is read by atomic.read_source
        if Path(path).name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(FileCollector, "collect", collect_then_delete)
    monkeypatch.setattr(ctxsep.atomic, "read_source", read_source)
    result = run_check(["."], SettingsResolver(cwd=root), jobs=1)
    by_path = {r.path: r for r in result.results}
    assert by_path["locked.py"].skipped == "cannot read: Permission denied"
    assert by_path["vanishing.py"].skipped == "cannot read: No such file or directory"
    assert {f.code for f in by_path["good.py"].findings} == {"CTX001", "CTX002"}
