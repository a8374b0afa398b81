"""CI output formats of ``ctxsep check``: SARIF 2.1.0 and GitHub annotations.

The demo project is checked with one file's findings recorded in a baseline,
so both baseline states appear. SARIF is validated against the official
schema (tests/data/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support import ROOT, assert_golden, ctxsep_cli

from ctxsep import __version__
from ctxsep.model import Finding, Severity
from ctxsep.output.github import annotation

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project with app/routes/v1_messages.py's findings baselined."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "docs" / "example", root, dirs_exist_ok=True)
    (root / ".git").mkdir()
    code, out, err = ctxsep_cli(root, "baseline", "create", "app/routes/v1_messages.py")
    assert code == 0, out + err
    return root


def validator() -> jsonschema.Draft4Validator:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    return jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def sarif(demo: Path, *args: str) -> dict[str, Any]:
    code, out, err = ctxsep_cli(demo, "check", "--format", "sarif", *args)
    assert code == 1, err
    document: dict[str, Any] = json.loads(out)
    return document


def test_sarif_is_valid_against_the_official_schema(demo: Path) -> None:
    document = sarif(demo)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(document)]
    assert errors == []
    # The validator is not vacuous: a wrong level is caught.
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator().iter_errors(document))


def test_sarif_rules_have_help_and_results_have_baseline_state(demo: Path) -> None:
    run = sarif(demo)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"CTX00{i}" for i in range(1, 8)] + ["CTX900"]
    assert all(r["help"]["text"] for r in rules)
    assert "## How to fix" in rules[2]["help"]["markdown"]
    states = {
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["baselineState"]) for r in run["results"]
    }
    assert ("app/routes/v1_messages.py", "unchanged") in states
    assert ("app/routes/messages.py", "new") in states
    baselined = [r for r in run["results"] if r["baselineState"] == "unchanged"]
    assert len(baselined) == 2 and all(r["suppressions"][0]["kind"] == "external" for r in baselined)
    fingerprints = [r["partialFingerprints"]["ctxsep/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_golden(demo: Path, update_goldens: bool) -> None:
    _, out, _ = ctxsep_cli(demo, "check", "--format", "sarif")
    out = out.replace(f'"version": "{__version__}"', '"version": "<version>"')
    out = out.replace(f'"uri": "{demo.as_uri()}/"', '"uri": "file:///<project root>/"')
    assert_golden("check.sarif", out, update_goldens)


def test_github_golden(demo: Path, update_goldens: bool) -> None:
    code, out, _ = ctxsep_cli(demo, "check", "--format", "github", "--show-baselined")
    assert code == 1
    lines = out.splitlines()
    assert lines[-1].startswith("ctxsep: ")
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines[:-1])
    assert sum(line.startswith("::notice ") for line in lines) == 2
    assert_golden("check.github.txt", out, update_goldens)


def test_github_annotations_escape_what_the_runner_would_misread() -> None:
    finding = Finding(
        path="app/a,b:c%.py",
        line=3,
        col=4,
        code="CTX002",
        symbol="legacy-context-constructor",
        severity=Severity.WARN,
        message="CTX002 first line\nsecond: 100%",
    )
    assert annotation(finding) == (
        "::warning file=app/a%2Cb%3Ac%25.py,line=3,col=5,title=CTX002 legacy-context-constructor"
        "::CTX002 first line%0Asecond: 100%25"
    )
