"""Every fixture file's ``# expect:`` comments against the engine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import FIXTURES, engine_findings, fixture_files, mismatches, parse_expectations, snippet_findings


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_expectations(path: Path) -> None:
    expected = parse_expectations(path.read_text(encoding="utf-8"))
    problems = mismatches(expected, engine_findings(path))
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type X = T` needs Python 3.12")
def test_type_statement_alias(tmp_path: Path) -> None:
    source = "type Ctx = RequestScopedContext\n\ndef f(context: Ctx):\n    context.run_id = 'r'  # expect: CTX004@5\n"
    problems = mismatches(parse_expectations(source), snippet_findings(source))
    assert not problems, problems
