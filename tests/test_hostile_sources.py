"""Source files written to hide code from ctxsep (issue 14 item 2; SPEC §10).

A coding cookie such as ``unicode_escape`` lets a file spell
``create_user_execution_context`` in ASCII that contains none of its
letters in a row; Python decodes the file and runs the legacy call. Every
command must see what Python sees.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import ctxsep_cli, ctxsep_json, flake8_findings, parse_pylint, pylint_run, write_tree

#: The same legacy call, spelled so that the bytes never contain the name.
HIDDEN_CALLS = {
    "unicode_escape": b"    return \\u0063reate_user_execution_context(user_id='u')\n",
    "raw_unicode_escape": b"    return \\u0063reate_user_execution_context(user_id='u')\n",
    "utf-7": b"    return +AGM-reate_user_execution_context(user_id='u')\n",
}
LEGACY_PHASE = '[tool.ctxsep]\ndefault-phase = "legacy"\n'
MIGRATED_PHASE = '[tool.ctxsep]\ndefault-phase = "migrated"\n'


def hidden_module(root: Path, encoding: str) -> Path:
    path = root / "app" / "handler.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f"# coding: {encoding}\n".encode() + b"def handler(db):\n" + HIDDEN_CALLS[encoding])
    assert b"create_user" not in path.read_bytes()
    return path


@pytest.mark.parametrize("encoding", sorted(HIDDEN_CALLS))
def test_python_runs_the_hidden_call_and_check_reports_it(tmp_path: Path, encoding: str) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": MIGRATED_PHASE})
    path = hidden_module(root, encoding)
    # What Python makes of the bytes: a call of the legacy constructor.
    code = compile(path.read_bytes(), str(path), "exec")
    assert "create_user_execution_context" in code.co_consts[0].co_names
    findings = ctxsep_json(["app"], root)["findings"]
    assert [(f["path"], f["line"], f["code"]) for f in findings] == [("app/handler.py", 3, "CTX002")]
    # flake8 always reported it; now both agree.
    assert [(g.line, g.code) for g in flake8_findings(["app/handler.py"], root)["app/handler.py"]] == [(3, "CTX002")]


def test_baseline_check_gate_and_pylint_see_the_hidden_call(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": LEGACY_PHASE})
    hidden_module(root, "unicode_escape")
    # The gate to `migrated` must fail: CTX002 is an error there.
    code, out, err = ctxsep_cli(root, "gate", "app", "--to", "migrated", "--format", "json")
    assert code == 1, (out, err)
    assert "CTX002" in out
    # baseline check in the migrated phase: a new finding.
    (root / "pyproject.toml").write_text(MIGRATED_PHASE, encoding="utf-8")
    code, out, err = ctxsep_cli(root, "baseline", "check", "app")
    assert code == 1 and "CTX002" in out, (out, err)
    messages = parse_pylint(pylint_run(["app/handler.py"], root).stdout)
    assert [(m.line, m.code) for m in messages] == [(3, "CTX002")]


def test_an_unknown_cookie_is_reported_not_passed_over(tmp_path: Path) -> None:
    """Python refuses the file; ctxsep says it could not check it instead of
    declaring it clean on the strength of its bytes."""
    root = write_tree(tmp_path, {"pyproject.toml": MIGRATED_PHASE})
    (root / "app").mkdir()
    (root / "app" / "odd.py").write_bytes(b"# coding: no-such-codec\nx = 1\n")
    findings = ctxsep_json(["app"], root)["findings"]
    assert [(f["code"], "no-such-codec" in f["message"]) for f in findings] == [("CTX900", True)]
    assert json.dumps(findings)


def test_names_finds_a_definition_spelled_through_a_cookie(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": MIGRATED_PHASE})
    (root / "app").mkdir()
    (root / "app" / "ctx.py").write_bytes(b"# coding: unicode_escape\nclass \\u0055serExecutionContext:\n    pass\n")
    code, out, err = ctxsep_cli(root, "names", "app")
    assert code == 0, err
    assert "UserExecutionContext: 1 definition" in out
