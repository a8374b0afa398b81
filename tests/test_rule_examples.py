"""The valid/invalid examples on each rule class are tests (and docs).

Examples run in the ``final`` phase (every rule on) and only the rule's own
code is compared, so an example documents one rule without listing the
others that happen to fire on it.
"""

from __future__ import annotations

import textwrap

import pytest
from support import mismatches, parse_expectations, snippet_findings

from ctxsep.rules import AST_RULES, Rule

VALID = [(rule, i, src) for rule in AST_RULES for i, src in enumerate(rule.valid)]
INVALID = [(rule, i, src) for rule in AST_RULES for i, src in enumerate(rule.invalid)]


@pytest.mark.parametrize(("rule", "index", "source"), VALID, ids=lambda v: getattr(v, "code", str(v))[:12])
def test_valid_example_has_no_finding(rule: Rule, index: int, source: str) -> None:
    found = [g for g in snippet_findings(source, "final") if g.code == rule.code]
    assert not found, f"{rule.code} valid example {index} produced {found}"


@pytest.mark.parametrize(("rule", "index", "source"), INVALID, ids=lambda v: getattr(v, "code", str(v))[:12])
def test_invalid_example_has_exactly_its_findings(rule: Rule, index: int, source: str) -> None:
    expected = [e for e in parse_expectations(textwrap.dedent(source).lstrip("\n")) if e.code == rule.code]
    assert expected, f"{rule.code} invalid example {index} expects nothing"
    found = [g for g in snippet_findings(source, "final") if g.code == rule.code]
    problems = mismatches(expected, found)
    assert not problems, "\n".join(problems)


def test_every_ast_rule_has_examples() -> None:
    for rule in AST_RULES:
        assert rule.valid and rule.invalid, rule.code
