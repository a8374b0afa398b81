from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The helpers module sits beside the tests; make it importable without packaging tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite golden files (output formats, generated docs) instead of comparing",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


# tests/fixtures holds source to lint (test_*.py and conftest.py files among
# it, for the fixture evidence), never tests to run.
collect_ignore_glob = ["fixtures/*"]
