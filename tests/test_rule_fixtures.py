"""Every fixture file's ``# expect:`` comments against the engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURES, engine_findings, fixture_files, mismatches, parse_expectations


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_expectations(path: Path) -> None:
    expected = parse_expectations(path.read_text(encoding="utf-8"))
    problems = mismatches(expected, engine_findings(path))
    assert not problems, "\n".join(problems)
