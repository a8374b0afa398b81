"""``ctxsep report``: the numbers on a known tree, the formats, escaping."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, assert_golden, ctxsep_cli, write_tree

from ctxsep.semantics import Vocabulary
from ctxsep.semantics.usage import count_usage

CONFIG = """
[tool.ctxsep]
default-phase = "legacy"

[tool.ctxsep.phases]
"app/routes" = "migrated"
"app/services" = "transitional"
"""

ROUTES_A = """
from fastapi import Depends

from app.context import create_user_execution_context as make_context
from app.context import get_request_scoped_user_context


async def new(context: RequestScopedContext = Depends(get_request_scoped_user_context)):
    return context


async def newer():
    # create_user_execution_context(user_id="in a comment") is not a call
    note = "create_user_execution_context(user_id='in a string')"
    return await get_request_scoped_user_context(user_id="u", thread_id="t")


def old(db):
    return make_context(user_id="u")
"""

ROUTES_B = """
def old_b(db):
    return create_user_execution_context(user_id="b")


def old_c(db):
    return create_user_execution_context(user_id="c")
"""

SERVICE = """
async def process(user_id):
    legacy = create_user_execution_context(user_id=user_id)
    modern = await get_request_scoped_user_context(user_id=user_id, thread_id="t")
    return legacy, modern
"""


def tree(tmp_path: Path) -> Path:
    root = write_tree(
        tmp_path,
        {
            "pyproject.toml": CONFIG,
            "app/routes/a.py": ROUTES_A,
            "app/routes/b.py": ROUTES_B,
            "app/services/s.py": SERVICE,
            "app/util/u.py": "def helper():\n    return 1\n",
        },
    )
    code, out, err = ctxsep_cli(root, "baseline", "create", "app/routes/b.py")
    assert code == 0, out + err
    return root


def report_json(root: Path, *args: str) -> dict[str, Any]:
    code, out, err = ctxsep_cli(root, "report", "--format", "json", *args)
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def test_usage_counts_calls_and_references_by_resolution() -> None:
    usage = count_usage(
        ast.parse(textwrap.dedent(ROUTES_A)), Vocabulary.default(), ("app", "routes", "a"), textwrap.dedent(ROUTES_A)
    )
    assert (usage.legacy_constructor_uses, usage.scoped_factory_uses) == (1, 2)
    assert {name: dict(kinds) for name, kinds in usage.legacy_symbols.items()} == {
        "app.context.create_user_execution_context": {"imports": 1, "uses": 1}
    }


def test_usage_follows_scopes_not_spelling() -> None:
    source = textwrap.dedent(
        """
        def create_user_execution_context(**kw):  # its own definition is not a use
            return kw

        def shadowed(get_request_scoped_user_context):
            return get_request_scoped_user_context()  # a parameter, not the factory

        async def f():
            return await factory.get_request_scoped_user_context(user_id="u")
        """
    )
    usage = count_usage(ast.parse(source), Vocabulary.default(), ("m",), source)
    assert (usage.legacy_constructor_uses, usage.scoped_factory_uses) == (0, 1)


def test_report_numbers_on_a_known_tree(tmp_path: Path) -> None:
    document = report_json(tree(tmp_path))
    rows = {row["directory"]: row for row in document["directories"]}
    assert list(rows) == ["app/routes", "app/services"]  # app/util has nothing to report
    assert document["quiet_directories"] == 1
    routes = rows["app/routes"]
    assert routes["phase"] == "migrated"
    assert (routes["files"], routes["legacy_calls"], routes["scoped_calls"], routes["percent_migrated"]) == (
        2,
        3,
        2,
        40,
    )
    assert routes["by_rule"] == {"CTX002": {"error": 1, "warn": 0, "baselined": 2}}
    assert (routes["errors"], routes["warnings"], routes["baselined"]) == (1, 0, 2)
    # At final, the baseline ignored: 3 legacy calls and the legacy import.
    assert routes["gate"] == {"to": "final", "passes": False, "errors": 4, "warnings": 0}
    services = rows["app/services"]
    assert (services["legacy_calls"], services["scoped_calls"], services["percent_migrated"]) == (1, 1, 50)
    assert services["by_rule"] == {"CTX002": {"error": 0, "warn": 1, "baselined": 0}}
    assert services["gate"] == {"to": "migrated", "passes": False, "errors": 1, "warnings": 0}
    totals = document["totals"]
    # app/util (clean) is not a row of its own, but its file and its passed gate count in the totals
    assert (totals["files"], totals["legacy_calls"], totals["scoped_calls"], totals["percent_migrated"]) == (
        4,
        4,
        3,
        42,
    )
    assert (totals["errors"], totals["warnings"], totals["baselined"]) == (1, 1, 2)
    assert (totals["gates_passed"], totals["gates"]) == (1, 3)
    assert document["quiet_directories"] == 1
    assert document["clean_directories"] == [{"directory": "app/util", "phase": "legacy", "files": 1}]


def test_fixing_the_code_moves_the_numbers(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "app/services/s.py").write_text(
        "async def process(user_id):\n    return await get_request_scoped_user_context(user_id=user_id)\n"
    )
    rows = {row["directory"]: row for row in report_json(root)["directories"]}
    assert rows["app/services"]["percent_migrated"] == 100
    assert rows["app/services"]["gate"]["passes"] is True


def test_graph_of_modules_depending_on_legacy_symbols(tmp_path: Path) -> None:
    root = tree(tmp_path)
    document = report_json(root, "--graph")
    assert document["graph"]["edges"] == [
        {"module": "app.routes.a", "symbol": "app.context.create_user_execution_context", "imports": 1, "uses": 1},
        {"module": "app.routes.b", "symbol": "create_user_execution_context", "imports": 0, "uses": 2},
        {"module": "app.services.s", "symbol": "create_user_execution_context", "imports": 0, "uses": 1},
    ]
    mermaid = document["graph"]["source"]
    assert mermaid.startswith("graph LR\n")
    assert '  m1["app.routes.a"]' in mermaid and "  m1 -->|imports, 1 use| s1" in mermaid
    code, out, _ = ctxsep_cli(root, "report", "--graph", "dot")
    assert code == 0
    dot = out[out.index("```dot\n") + 7 : out.rindex("```")]
    assert dot.startswith("digraph legacy_dependencies {")
    assert '"app.routes.b" -> "create_user_execution_context" [label="2 uses"];' in dot


def test_html_is_self_contained_and_escapes_everything(tmp_path: Path) -> None:
    root = tree(tmp_path)
    nasty = root / "<script>alert(1)</script>.py"  # a directory '<script>alert(1)<' and a file 'script>.py'
    nasty.parent.mkdir(parents=True, exist_ok=True)
    nasty.write_text('x = create_user_execution_context(user_id="x")\n', encoding="utf-8")
    code, out, _ = ctxsep_cli(root, "report", "--format", "html", "--graph")
    assert code == 0
    assert out.startswith("<!DOCTYPE html>")
    assert "<script" not in out.lower()
    assert "&lt;script&gt;alert(1)&lt;" in out
    # Nothing is fetched: no external stylesheets, scripts, images or fonts.
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", out)
    assert out.count("<style>") == 1
    # a table with a bar per directory (app/routes, app/services, the odd one) and the total
    table = out[out.index("<table>") : out.index("</table>")]
    assert table.count('<span class="bar') == table.count("<tr") - 1 == 4
    assert 'aria-label="40% migrated"' in table


def test_markdown_cells_stay_literal(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path, {"pipes|and*stars/m.py": 'x = create_user_execution_context(user_id="x")\n', "ctxsep.toml": ""}
    )
    code, out, _ = ctxsep_cli(root, "report")
    assert code == 0
    assert "| pipes\\|and\\*stars | migrated |" in out


def test_report_writes_a_file_and_reports_usage_errors(tmp_path: Path) -> None:
    root = tree(tmp_path)
    code, out, _ = ctxsep_cli(root, "report", "--format", "html", "-o", "report.html")
    assert code == 0 and out == ""
    assert (root / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _, err = ctxsep_cli(root, "report", "nowhere")
    assert code == 2 and "nowhere: no such file or directory" in err


@pytest.mark.parametrize("fmt", ["md", "json", "html"])
def test_report_goldens(fmt: str, tmp_path: Path, update_goldens: bool) -> None:
    shutil.copytree(ROOT / "docs" / "example", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".git").mkdir()
    assert ctxsep_cli(tmp_path, "baseline", "create", "app/routes/v1_messages.py", "app/websocket")[0] == 0
    code, out, err = ctxsep_cli(tmp_path, "report", "--format", fmt, "--graph")
    assert code == 0, err
    assert_golden(f"report.{fmt}", out, update_goldens)


def test_parallel_and_serial_agree(tmp_path: Path) -> None:
    root = tree(tmp_path)
    for i in range(20):
        (root / f"app/services/s{i}.py").write_text(textwrap.dedent(SERVICE), encoding="utf-8")
    assert report_json(root, "-j", "1", "--graph") == report_json(root, "-j", "2", "--graph")
    serial = ctxsep_cli(root, "gate", "app", "--to", "final", "-j", "1")
    assert serial == ctxsep_cli(root, "gate", "app", "--to", "final", "-j", "2")
    assert serial[0] == 1


def test_a_fifo_pyproject_above_the_config_is_not_read_for_the_name(tmp_path: Path) -> None:
    """The report's title names the project from the nearest pyproject.toml;
    one that is a FIFO (above a subproject's own ctxsep.toml, so the config
    never read it) is passed over, not waited on."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    os.mkfifo(tmp_path / "pyproject.toml")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "ctxsep.toml").write_text('default-phase = "legacy"\n', encoding="utf-8")
    (sub / "a.py").write_text("x = 1\n", encoding="utf-8")
    # a real process with a timeout: a regression fails here instead of hanging the suite
    proc = subprocess.run(
        [sys.executable, "-m", "ctxsep", "report", "--format", "json", "."],
        cwd=sub,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["source"]["project"] == tmp_path.name
