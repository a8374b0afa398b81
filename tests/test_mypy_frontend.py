"""The mypy plugin on typed fixture projects, through a real mypy (batched:
one run per project, shared by every test of this module).

``tests/fixtures/mypy/<project>/`` holds a package spanning several modules
and a ``pyproject.toml`` with ``[tool.mypy] plugins = ["mypy_ctxsep"]`` and
the project's ``[tool.ctxsep]`` phase map. ``# expect[mypy]: CODE@COL:severity``
marks what the plugin reports (exact line, 1-based column, code and
severity: ``warn`` is a mypy note); plain ``# expect:`` marks what the AST
front ends report, which the plugin must not repeat.
"""

from __future__ import annotations

import os
from pathlib import Path

import mypy.version
import pytest
from support import (
    FIXTURES,
    Got,
    MypyMessage,
    assert_mypy_ok,
    counter,
    ctxsep_json,
    mismatches,
    mypy_run,
    parse_expectations,
    parse_mypy,
)

from ctxsep.rules import ALL_RULES, RULES_BY_CODE

MYPY_MAJOR = int(mypy.version.__version__.split(".")[0])

pytestmark = pytest.mark.slow

MYPY_FIXTURES = FIXTURES / "mypy"
PROJECTS = sorted(p.parent for p in MYPY_FIXTURES.glob("*/pyproject.toml"))
FILES = sorted(p for project in PROJECTS for p in project.rglob("*.py"))
IDS = [str(p.relative_to(MYPY_FIXTURES)) for p in FILES]


@pytest.fixture(scope="module")
def mypy_messages() -> list[MypyMessage]:
    """Every message of one mypy run per project, paths relative to MYPY_FIXTURES."""
    found = []
    for project in PROJECTS:
        proc = mypy_run(["."], project)
        assert_mypy_ok(proc)
        for message in parse_mypy(proc.stdout):
            where = os.path.normpath(project.relative_to(MYPY_FIXTURES) / message.path)
            found.append(MypyMessage(where, message.line, message.column, message.code, message.severity, message.text))
    return found


@pytest.fixture(scope="module")
def ctxsep_messages(mypy_messages: list[MypyMessage]) -> dict[str, list[Got]]:
    out: dict[str, list[Got]] = {}
    for message in mypy_messages:
        if message.is_ctxsep:
            out.setdefault(message.path, []).append(message.got())
    return out


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_mypy_meets_expectations(path: Path, ctxsep_messages: dict[str, list[Got]]) -> None:
    rel = os.path.normpath(path.relative_to(MYPY_FIXTURES))
    expected = parse_expectations(path.read_text(encoding="utf-8"), tags=("mypy",))
    problems = mismatches(expected, ctxsep_messages.get(rel, []))
    assert not problems, "\n".join(problems)


STRICT = [p for p in PROJECTS if "strict = true" in (p / "pyproject.toml").read_text(encoding="utf-8")]


@pytest.mark.parametrize("project", STRICT, ids=[p.name for p in STRICT])
def test_strict_fixtures_are_otherwise_clean(project: Path, mypy_messages: list[MypyMessage]) -> None:
    """Nothing but ctxsep's findings: these fixtures pass ``mypy --strict``
    (the ``odd`` project is deliberately loose)."""
    others = [m for m in mypy_messages if not m.is_ctxsep and m.path.startswith(project.name + os.sep)]
    assert not others, others


def test_codes_and_messages_come_from_the_rule_registry(mypy_messages: list[MypyMessage]) -> None:
    ours = [m for m in mypy_messages if m.is_ctxsep]
    assert ours
    for message in ours:
        rule = RULES_BY_CODE[message.rule]
        assert message.code == f"ctx-{rule.symbol}", message
        assert message.text.startswith(f"{rule.code} "), message
        assert message.severity in ("error", "note"), message


def test_ctx006_and_every_type_exact_rule_are_seen(ctxsep_messages: dict[str, list[Got]]) -> None:
    seen = {(g.code, g.severity) for found in ctxsep_messages.values() for g in found}
    for rule in ALL_RULES:
        if rule.type_exact or rule.needs_types:
            assert (rule.code, "error") in seen, f"no {rule.code} error from the mypy plugin in the fixtures"
    assert {code for code, severity in seen if severity == "warn"} >= {"CTX002", "CTX004", "CTX006"}


def test_the_plugin_never_repeats_an_ast_finding(ctxsep_messages: dict[str, list[Got]]) -> None:
    """The overlap policy: what the CLI, flake8 and pylint report at a
    (line, code, column) the mypy plugin leaves to them."""
    ast: dict[str, list[Got]] = {}
    for finding in ctxsep_json(["."], MYPY_FIXTURES)["findings"]:
        ast.setdefault(os.path.normpath(finding["path"]), []).append(
            Got(finding["line"], finding["code"], finding["column"])
        )
    assert ast, "the fixtures should show AST findings next to the type-only ones"
    for path, findings in ast.items():
        both = set(counter(findings)) & set(counter(ctxsep_messages.get(path, [])))
        assert not both, f"{path}: reported by the AST engine and by mypy: {sorted(both)}"


@pytest.mark.skipif(MYPY_MAJOR < 2, reason="parallel workers (-n) are new in mypy 2")
def test_parallel_workers_report_the_same(mypy_messages: list[MypyMessage], tmp_path: Path) -> None:
    project = MYPY_FIXTURES / "bridge"
    proc = mypy_run(["."], project, "-n", "2", cache_dir=tmp_path / "cache")
    assert_mypy_ok(proc)
    parallel = sorted(m.got() for m in parse_mypy(proc.stdout) if m.is_ctxsep)
    serial = sorted(m.got() for m in mypy_messages if m.is_ctxsep and m.path.startswith("bridge" + os.sep))
    assert parallel == serial and serial
