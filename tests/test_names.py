"""``ctxsep names``: what each vocabulary name matches in a tree, as a user
adopting ctxsep on a large codebase runs it."""

from __future__ import annotations

import json
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from support import run

#: A small shop whose legacy context name is reused by an unrelated state bag,
#: with a re-export, aliases, a factory method, and two different ``Session``s.
TREE = {
    "shop/__init__.py": "",
    "shop/context/__init__.py": """
        from shop.context.legacy import UserExecutionContext

        __all__ = ["UserExecutionContext"]
        """,
    "shop/context/legacy.py": """
        from dataclasses import dataclass, field
        from typing import TYPE_CHECKING, Optional

        if TYPE_CHECKING:
            from sqlalchemy.ext.asyncio import AsyncSession


        @dataclass(frozen=True)
        class UserExecutionContext:
            user_id: str
            db_session: Optional["AsyncSession"] = field(default=None, repr=False)
        """,
    "shop/jobs/state.py": """
        from dataclasses import dataclass, field


        @dataclass
        class UserExecutionContext:
            job_id: str
            pending: list = field(default_factory=list)
            counters: dict = field(default_factory=dict)


        def enqueue(state: UserExecutionContext, item: str) -> None:
            state.pending.append(item)
        """,
    "shop/deps.py": """
        from collections.abc import AsyncIterator
        from typing import Annotated

        from fastapi import Depends
        from sqlalchemy.ext.asyncio import AsyncSession


        class RequestScopedContext:
            def __init__(self, user_id: str) -> None:
                self.user_id = user_id


        async def get_request_scoped_user_context(user_id: str) -> RequestScopedContext:
            return RequestScopedContext(user_id)


        async def get_db() -> AsyncSession:
            ...


        async def open_reporting_db() -> AsyncIterator[AsyncSession]:
            yield AsyncSession()


        class Holder:
            @property
            def session(self) -> AsyncSession:
                return self._session

            def split(self) -> tuple[AsyncSession, int]:
                return self._session, 1


        ScopedContextDep = Annotated[RequestScopedContext, Depends(get_request_scoped_user_context)]
        LocalDbDep = Annotated[AsyncSession, Depends(get_db)]


        def only_here(db: LocalDbDep) -> None:
            ...
        """,
    "shop/factory.py": """
        from shop.context import UserExecutionContext


        class ContextFactory:
            async def create_user_execution_context(self, user_id: str, db_session=None) -> UserExecutionContext:
                return UserExecutionContext(user_id=user_id, db_session=db_session)
        """,
    "shop/routes.py": """
        from requests import Session

        from shop.context import UserExecutionContext
        from shop.deps import ScopedContextDep


        async def show(context: ScopedContextDep, http: Session) -> str:
            return context.user_id


        def legacy(user_context: UserExecutionContext) -> str:
            return user_context.user_id
        """,
    "shop/broken.py": "def oops(:\n    UserExecutionContext\n",
}


def make_tree(root: Path, config: str | None = None) -> Path:
    (root / ".git").mkdir(exist_ok=True)
    for name, content in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    if config is not None:
        (root / "ctxsep.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    return root


def ctxsep(root: Path, *args: str) -> str:
    proc = run([sys.executable, "-m", "ctxsep", *args], root)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def names_json(root: Path) -> dict:
    return json.loads(ctxsep(root, "names", "--format", "json"))


def group(document: dict, category: str, name: str) -> dict:
    return next(g for g in document["categories"][category]["names"] if g["name"] == name)


def suggested(document: dict, category: str) -> dict[str, bool]:
    return {s["entry"]: s["enabled"] for s in document["categories"][category]["suggested"]}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path)


def test_flags_a_bare_name_that_matches_two_classes_and_shows_evidence(tree: Path) -> None:
    document = names_json(tree)
    legacy = group(document, "legacy-context-types", "UserExecutionContext")
    assert legacy["ambiguous"] is True
    by_path = {d["dotted"]: d for d in legacy["definitions"]}
    real = by_path["shop.context.legacy.UserExecutionContext"]
    bag = by_path["shop.jobs.state.UserExecutionContext"]
    assert (real["path"], real["line"], real["verdict"]) == ("shop/context/legacy.py", 9, "likely")
    assert "frozen dataclass" in real["evidence"]
    assert "session attribute 'db_session' (line 11)" in real["evidence"]
    assert bag["verdict"] == "unlikely"
    assert "mutable containers: pending, counters" in bag["evidence"]
    # Importers are counted through the package's re-export (the package itself imports it too).
    assert real["importers"] == 3
    assert real["imported_as"] == {
        "shop.context.legacy.UserExecutionContext": 1,
        "shop.context.UserExecutionContext": 2,
    }


def test_suggests_the_dotted_legacy_class_and_its_re_export_and_comments_out_the_other(tree: Path) -> None:
    entries = suggested(names_json(tree), "legacy-context-types")
    assert entries == {
        "shop.context.legacy.UserExecutionContext": True,
        "shop.context.UserExecutionContext": True,
        "shop.jobs.state.UserExecutionContext": False,
    }


def test_aliases_are_listed_and_suggested_only_when_other_modules_import_them(tree: Path) -> None:
    document = names_json(tree)
    aliases = {a["dotted"]: a for a in document["categories"]["request-scoped-context-types"]["aliases"]}
    dep = aliases["shop.deps.ScopedContextDep"]
    assert (dep["line"], dep["target"], dep["importers"]) == (34, "RequestScopedContext", 1)
    assert suggested(document, "request-scoped-context-types")["shop.deps.ScopedContextDep"] is True
    assert suggested(document, "session-types")["shop.deps.LocalDbDep"] is False


def test_a_factory_method_keeps_the_bare_constructor_name(tree: Path) -> None:
    document = names_json(tree)
    (definition,) = group(document, "legacy-constructors", "create_user_execution_context")["definitions"]
    assert (definition["dotted"], definition["kind"]) == (
        "shop.factory.ContextFactory.create_user_execution_context",
        "async method",
    )
    assert suggested(document, "legacy-constructors") == {"create_user_execution_context": True}


def test_session_types_imported_from_outside_are_judged_by_package(tree: Path) -> None:
    document = names_json(tree)
    assert group(document, "session-types", "Session")["external"] == {"requests": 1}
    entries = suggested(document, "session-types")
    assert entries["sqlalchemy.ext.asyncio.AsyncSession"] is True
    assert entries["requests.Session"] is False


def test_unreadable_files_are_listed_not_fatal(tree: Path) -> None:
    document = names_json(tree)
    assert [s["path"] for s in document["skipped"]] == ["shop/broken.py"]
    assert document["skipped"][0]["reason"].startswith("syntax error")


def test_text_report_ends_with_a_paste_block_that_is_valid_toml(tree: Path) -> None:
    out = ctxsep(tree, "names")
    assert "UserExecutionContext: 2 definitions  ** AMBIGUOUS" in out
    assert "shop/jobs/state.py:5  class; imported by 0 files" in out
    block = out[out.index("\n[tool.ctxsep.names]\n") :]
    parsed = tomllib.loads(block)["tool"]["ctxsep"]["names"]
    assert parsed["legacy-context-types"] == [
        "shop.context.legacy.UserExecutionContext",
        "shop.context.UserExecutionContext",
    ]
    assert ctxsep(tree, "names", "--format", "toml").strip() == block.strip()


def test_pasting_the_suggestions_silences_the_unrelated_class_only(tree: Path) -> None:
    """The point of the command: after pasting, the state bag's mutation is
    no longer a context mutation, and the real legacy class still is."""
    before = json.loads(ctxsep_check(tree))
    assert ("shop/jobs/state.py", "CTX004") in {(f["path"], f["code"]) for f in before["findings"]}
    block = ctxsep(tree, "names", "--format", "toml").replace("[tool.ctxsep.names]", "[names]")
    (tree / "ctxsep.toml").write_text('default-phase = "final"\n\n' + block, encoding="utf-8")
    after = json.loads(ctxsep_check(tree))
    codes = {(f["path"], f["code"]) for f in after["findings"]}
    assert ("shop/jobs/state.py", "CTX004") not in codes
    assert ("shop/jobs/state.py", "CTX007") not in codes
    assert ("shop/context/legacy.py", "CTX001") in codes
    assert ("shop/routes.py", "CTX007") in codes  # the import through the re-export still counts


def test_a_dotted_config_shows_which_definitions_it_leaves_out(tmp_path: Path) -> None:
    root = make_tree(tmp_path, '[names]\nlegacy-context-types = ["shop.context.legacy.UserExecutionContext"]\n')
    out = ctxsep(root, "names")
    assert "shop.context.legacy.UserExecutionContext  [matched by the config]" in out
    assert "shop.jobs.state.UserExecutionContext  [not matched by the config]" in out
    assert "\n[names]\n" in out  # the paste block is for this config's own table


def ctxsep_check(root: Path) -> str:
    proc = run([sys.executable, "-m", "ctxsep", "check", "--format", "json", "shop"], root)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def test_session_factories_missing_from_the_vocabulary_are_offered_commented_out(tree: Path) -> None:
    document = names_json(tree)
    (definition,) = group(document, "session-factories", "open_reporting_db")["definitions"]
    assert (definition["path"], definition["line"], definition["verdict"]) == ("shop/deps.py", 21, "likely")
    assert suggested(document, "session-factories")["shop.deps.open_reporting_db"] is False
    names = {g["name"] for g in document["categories"]["session-factories"]["names"]}
    assert "session" not in names and "split" not in names  # a property, a tuple holding one
    out = ctxsep(tree, "names")
    assert "open_reporting_db: 1 definition  (not in the vocabulary: returns a session)" in out
