"""The shared fixtures through a real pylint, batched: one run over the whole
tree (plus one with ``-j 2``), compared with the expectations and with the
CLI and flake8.

pylint-only expectations (CTX006, which needs astroid's inference) are
written ``# expect[pylint]: CTX006@COL:severity``; the CLI and flake8 do not
read them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from support import (
    FIXTURES,
    Got,
    PylintMessage,
    counter,
    ctxsep_json,
    fixture_files,
    flake8_findings,
    mismatches,
    parse_expectations,
    parse_pylint,
    pylint_run,
)

pytestmark = pytest.mark.slow

_PYLINT_ONLY = re.compile(r"#\s*expect\[pylint\]:")
TYPES_ONLY = {"CTX006"}  # rules only a front end with types reports


def pylint_expectations(source: str) -> str:
    """The source with pylint-only expectations turned into ordinary ones."""
    return _PYLINT_ONLY.sub("# expect:", source)


FILES = sorted(
    {
        *fixture_files(),
        *(p for p in FIXTURES.rglob("*.py") if _PYLINT_ONLY.search(p.read_text(encoding="utf-8"))),
    }
)
IDS = [str(p.relative_to(FIXTURES)) for p in FILES]


def _by_path(messages: list[PylintMessage]) -> dict[str, list[Got]]:
    out: dict[str, list[Got]] = {}
    for message in messages:
        out.setdefault(message.path, []).append(message.got())
    return out


def _checked_run(*extra: str) -> list[PylintMessage]:
    proc = pylint_run(["."], FIXTURES, *extra)
    assert proc.returncode & 32 == 0, proc.stderr  # 32: usage error
    assert "Traceback" not in proc.stderr, proc.stderr
    return parse_pylint(proc.stdout)


@pytest.fixture(scope="module")
def pylint_messages() -> list[PylintMessage]:
    return _checked_run()


@pytest.fixture(scope="module")
def pylint_results(pylint_messages: list[PylintMessage]) -> dict[str, list[Got]]:
    return _by_path(pylint_messages)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_pylint_meets_expectations(path: Path, pylint_results: dict[str, list[Got]]) -> None:
    rel = os.path.normpath(path.relative_to(FIXTURES))
    expected = parse_expectations(pylint_expectations(path.read_text(encoding="utf-8")))
    problems = mismatches(expected, pylint_results.get(rel, []))
    assert not problems, "\n".join(problems)


def test_every_rule_is_reported_through_pylint_at_both_severities(
    pylint_messages: list[PylintMessage],
) -> None:
    from ctxsep.rules import ALL_RULES

    seen = {m.symbol for m in pylint_messages}
    for rule in ALL_RULES:
        assert rule.symbol in seen, f"no E message for {rule.code} in the fixtures"
    assert {m.symbol for m in pylint_messages if m.msg_id.startswith("W")} >= {
        "session-from-context-warning",
        "dual-pattern-call-warning",
    }


def test_messages_carry_the_rule_code_symbol_and_id(pylint_messages: list[PylintMessage]) -> None:
    from ctxsep.rules import RULES_BY_CODE

    assert pylint_messages
    for message in pylint_messages:
        rule = RULES_BY_CODE[message.code]
        number = f"57{rule.number:02d}"
        if message.msg_id.startswith("E"):
            assert (message.msg_id, message.symbol) == (f"E{number}", rule.symbol)
        else:
            assert (message.msg_id, message.symbol) == (f"W{number}", f"{rule.symbol}-warning")


def test_cli_flake8_and_pylint_agree_exactly(pylint_results: dict[str, list[Got]]) -> None:
    """Same (line, code, column) everywhere for the AST rules, and the same
    severity as the CLI."""
    cli: dict[str, list[Got]] = {}
    for f in ctxsep_json(["."], FIXTURES)["findings"]:
        cli.setdefault(os.path.normpath(f["path"]), []).append(Got(f["line"], f["code"], f["column"], f["severity"]))
    flake8 = flake8_findings(["."], FIXTURES)
    pylint = {
        path: kept for path, found in pylint_results.items() if (kept := [g for g in found if g.code not in TYPES_ONLY])
    }
    assert cli, "the CLI found nothing at all in the fixtures"
    assert set(cli) == set(flake8) == set(pylint)
    for path in cli:
        assert counter(cli[path]) == counter(flake8[path]) == counter(pylint[path]), path
        assert sorted(cli[path]) == sorted(pylint[path]), f"{path}: severities differ"


def test_parallel_run_reports_exactly_the_same(pylint_messages: list[PylintMessage]) -> None:
    assert sorted(_checked_run("-j", "2")) == sorted(pylint_messages)


STDIN_CASES = [
    "rules/ctx002_legacy_constructor.py",  # AST rules, migrated (errors)
    "pylint/ctx006/chat_app/routes/messages.py",  # CTX006 across modules, config from the path
    "pylint/ctx006/chat_app/services/messages.py",  # transitional: warnings
]


@pytest.mark.parametrize("rel", STDIN_CASES)
def test_from_stdin_matches_the_file_on_disk(rel: str, pylint_messages: list[PylintMessage]) -> None:
    """Editors pipe the buffer and name the file: the phase and config come
    from that path, the text from stdin."""
    source = (FIXTURES / rel).read_text(encoding="utf-8")
    proc = pylint_run([rel], FIXTURES, "--from-stdin", stdin=source)
    assert "Traceback" not in proc.stderr, proc.stderr
    from_stdin = parse_pylint(proc.stdout)
    on_disk = [m for m in pylint_messages if m.path == os.path.normpath(rel)]
    assert on_disk, f"{rel}: nothing to compare"
    assert sorted(from_stdin) == sorted(on_disk)


def test_from_stdin_checks_the_buffer_not_the_disk() -> None:
    rel = "rules/ctx002_legacy_constructor.py"
    edited = (FIXTURES / rel).read_text(encoding="utf-8") + "\n\nlater = create_user_execution_context(user_id='u')\n"
    proc = pylint_run([rel], FIXTURES, "--from-stdin", stdin=edited)
    last_line = len(edited.splitlines())
    assert any(m.line == last_line and m.symbol == "legacy-context-constructor" for m in parse_pylint(proc.stdout))
