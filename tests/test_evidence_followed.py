"""Evidence that follows the code (SPEC §2, revision 2) beyond what the rule
fixtures show: the vocabulary keys, conftest.py lookups and the result
cache, and PEP 695 bounds (Python 3.12+)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from support import ctxsep_cli, ctxsep_json, mismatches, parse_expectations, snippet_findings, write_tree

CONFTEST_CONTEXT = """
import pytest
from app.context import UserExecutionContext


@pytest.fixture
def user_context():
    return UserExecutionContext(user_id="u")
"""

CONFTEST_PLAIN = """
import pytest


@pytest.fixture
def user_context():
    return {"user_id": "u"}
"""

TEST_MODULE = """
def test_it(user_context):
    user_context.run_id = "r"
"""


def _codes(root: Path, *args: str) -> list[tuple[str, int, str]]:
    code, out, err = ctxsep_cli(root, "check", "--format", "json", *args)
    assert code in (0, 1), err
    return [(f["path"], f["line"], f["code"]) for f in json.loads(out)["findings"]]


def test_conftest_fixture_makes_a_parameter_a_context_and_its_edit_reaches_the_cache(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "ctxsep.toml": 'default-phase = "migrated"\n',
            "tests/conftest.py": CONFTEST_CONTEXT,
            "tests/unit/test_mod.py": TEST_MODULE,
        },
    )
    found = [("tests/unit/test_mod.py", 2, "CTX004")]
    assert _codes(root) == found
    assert _codes(root) == found  # warm: from the cache
    (root / "tests/conftest.py").write_text(textwrap.dedent(CONFTEST_PLAIN), encoding="utf-8")
    assert _codes(root) == [], "the cached result outlived the conftest.py it depended on"
    (root / "tests/conftest.py").write_text(textwrap.dedent(CONFTEST_CONTEXT), encoding="utf-8")
    assert _codes(root) == found


def test_nearest_conftest_wins_and_the_chain_stops_at_the_config_root(tmp_path: Path) -> None:
    write_tree(tmp_path, {"conftest.py": CONFTEST_CONTEXT})  # above the project: never read
    (tmp_path / "project").mkdir()
    root = write_tree(
        tmp_path / "project",
        {
            "ctxsep.toml": 'default-phase = "migrated"\n',
            "test_top.py": TEST_MODULE,
            "sub/conftest.py": CONFTEST_PLAIN,
            "sub/test_sub.py": TEST_MODULE,
            "other/conftest.py": CONFTEST_CONTEXT,
            "other/deeper/conftest.py": CONFTEST_PLAIN,
            "other/deeper/test_deeper.py": TEST_MODULE,
            "other/test_other.py": TEST_MODULE,
            "other/helpers.py": TEST_MODULE,  # not a test module: pytest gives it no fixtures
        },
    )
    assert _codes(root) == [("other/test_other.py", 2, "CTX004")]


def test_context_scopes_default_is_none_and_the_key_adds_one(tmp_path: Path) -> None:
    source = """
    async def run(factory):
        async with factory.user_execution_scope("u") as ctx:
            ctx.run_id = "r"
    """
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "migrated"\n', "app/run.py": source})
    assert _codes(root, "--no-cache") == []
    (root / "ctxsep.toml").write_text(
        'default-phase = "migrated"\n[names]\ncontext-scopes = ["user_execution_scope"]\n', encoding="utf-8"
    )
    # The file spells no other vocabulary name: the scope's name gets it past the prefilter.
    assert _codes(root, "--no-cache") == [("app/run.py", 3, "CTX004")]


def test_context_methods_key_replaces_the_default(tmp_path: Path) -> None:
    source = """
    from app.context import UserExecutionContext

    def run(ctx: UserExecutionContext, registry):
        child = ctx.create_child_context("op")
        child.run_id = "r"
        other = ctx.spawn("op")
        other.run_id = "r"
    """
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "migrated"\n', "app/run.py": source})
    assert _codes(root, "--no-cache") == [("app/run.py", 5, "CTX004")]
    (root / "ctxsep.toml").write_text(
        'default-phase = "migrated"\n[names]\ncontext-methods = ["spawn"]\n', encoding="utf-8"
    )
    assert _codes(root, "--no-cache") == [("app/run.py", 7, "CTX004")]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'context-method = ["with_db_session"]',
            "'context-method': unknown vocabulary key (did you mean 'context-methods'?)",
        ),
        ('context-scope = ["scope"]', "'context-scope': unknown vocabulary key (did you mean 'context-scopes'?)"),
        ('context-scopes = "user_execution_scope"', "'context-scopes': must be a list of non-empty strings"),
        ('context-methods = ["with-db-session"]', "'with-db-session' is not a (dotted) Python name"),
    ],
)
def test_vocabulary_keys_are_validated(tmp_path: Path, table: str, message: str) -> None:
    root = write_tree(tmp_path, {"ctxsep.toml": f"[names]\n{table}\n", "a.py": "x = 1\n"})
    code, _, err = ctxsep_cli(root, "check", "a.py")
    assert code == 2
    assert "ctxsep.toml" in err and message in err, err
    assert "Traceback" not in err


PEP695 = """from app.context import RequestScopedContext, UserExecutionContext


def scoped[T: RequestScopedContext](context: T):  # expect: CTX003@1
    return context.db_session


def unrelated[T: dict](context: T):
    return context.db_session


def legacy[T: UserExecutionContext](context: T):
    context.run_id = "r"  # expect: CTX004@5
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 type parameters need Python 3.12")
def test_pep695_bound_makes_a_parameter_a_context() -> None:
    problems = mismatches(parse_expectations(PEP695), snippet_findings(PEP695))
    assert not problems, problems


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 type parameters need Python 3.12")
def test_pep695_bound_through_the_cli(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "migrated"\n', "app/generic.py": PEP695})
    document = ctxsep_json(["app"], root, "--no-cache")
    got = sorted((f["line"], f["code"]) for f in document["findings"])
    assert got == [(4, "CTX003"), (13, "CTX004")]


PEP695_FINAL = """from app.context import UserExecutionContext  # expect: CTX007@25


def run[T: UserExecutionContext](context: T) -> T:  # expect: CTX007@12
    from app.context import UserExecutionContext  # expect: CTX007@29

    return context
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 type parameters need Python 3.12")
def test_pep695_bound_is_a_legacy_reference_despite_a_local_reimport() -> None:
    problems = mismatches(parse_expectations(PEP695_FINAL), snippet_findings(PEP695_FINAL, phase="final"))
    assert not problems, problems


def test_prefilter_parses_a_test_module_only_when_it_spells_a_context_fixture(tmp_path: Path) -> None:
    """A test module spelling no vocabulary name is read only when it spells
    the name of a context fixture of a conftest.py above it."""
    root = write_tree(
        tmp_path,
        {
            "ctxsep.toml": 'default-phase = "migrated"\n',
            "tests/conftest.py": CONFTEST_CONTEXT,
            "tests/test_uses.py": TEST_MODULE,
            "tests/test_other.py": "def test_it(tmp_path):\n    tmp_path.run_id = 'r'\n",
            "tests/helpers.py": TEST_MODULE,
        },
    )
    document = ctxsep_json(["tests"], root, "--no-cache")
    assert [(f["path"], f["code"]) for f in document["findings"]] == [("tests/test_uses.py", "CTX004")]
    assert document["summary"]["parsed"] == 2  # conftest.py and test_uses.py


def test_conftest_yield_fixture_is_a_fixture_as_in_the_file_itself(tmp_path: Path) -> None:
    """``@pytest.yield_fixture`` counts in a conftest.py as it does in the
    test module itself (one list of fixture decorators)."""
    conftest = CONFTEST_CONTEXT.replace("@pytest.fixture", "@pytest.yield_fixture").replace("return", "yield")
    root = write_tree(
        tmp_path,
        {
            "ctxsep.toml": 'default-phase = "migrated"\n',
            "tests/conftest.py": conftest,
            "tests/test_mod.py": TEST_MODULE,
            "tests/test_local.py": conftest + TEST_MODULE,
        },
    )
    assert _codes(root, "--no-cache") == [("tests/test_local.py", 10, "CTX004"), ("tests/test_mod.py", 2, "CTX004")]
