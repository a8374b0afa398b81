"""The same fixtures through real hosts: the CLI and flake8 (subprocesses).

Each fixture's expectations must hold in every front end, and the front ends
must agree exactly on (code, line, column).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import (
    FIXTURES,
    FRONT_ENDS,
    Got,
    baseline_scenario,
    counter,
    ctxsep_json,
    fixture_files,
    flake8_findings,
    mismatches,
    parse_expectations,
)

FILES = fixture_files()
IDS = [str(p.relative_to(FIXTURES)) for p in FILES]


@pytest.fixture(scope="module")
def cli_results() -> dict[str, list[Got]]:
    document = ctxsep_json(["."], FIXTURES)
    out: dict[str, list[Got]] = {}
    for f in document["findings"]:
        out.setdefault(os.path.normpath(f["path"]), []).append(Got(f["line"], f["code"], f["column"], f["severity"]))
    return out


@pytest.fixture(scope="module")
def flake8_results() -> dict[str, list[Got]]:
    return flake8_findings(["."], FIXTURES)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_cli_meets_expectations(path: Path, cli_results: dict[str, list[Got]]) -> None:
    rel = os.path.normpath(path.relative_to(FIXTURES))
    problems = mismatches(parse_expectations(path.read_text(encoding="utf-8")), cli_results.get(rel, []))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_flake8_meets_expectations(path: Path, flake8_results: dict[str, list[Got]]) -> None:
    rel = os.path.normpath(path.relative_to(FIXTURES))
    problems = mismatches(parse_expectations(path.read_text(encoding="utf-8")), flake8_results.get(rel, []))
    assert not problems, "\n".join(problems)


def test_cli_and_flake8_agree_exactly(cli_results: dict[str, list[Got]], flake8_results: dict[str, list[Got]]) -> None:
    assert cli_results, "the CLI found nothing at all in the fixtures"
    assert set(cli_results) == set(flake8_results)
    for path in cli_results:
        assert counter(cli_results[path]) == counter(flake8_results[path]), path


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_front_end_hides_baselined_findings(front_end: str, tmp_path: Path) -> None:
    """The baseline is applied in the engine, so every front end hides what it
    records — even after lines moved — and shows what was added since."""
    scenario = baseline_scenario(tmp_path)
    found = FRONT_ENDS[front_end](scenario.root, scenario.path)
    assert sorted(found) == sorted(scenario.visible)
    for hidden in scenario.hidden:
        assert hidden not in found
