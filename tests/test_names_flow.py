"""``ctxsep names`` (revision 2): the methods that return a context and the
functions that yield one, printed as ``context-methods`` / ``context-scopes``
lines to paste — and pasting them makes ``ctxsep check`` follow them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from support import ctxsep_cli, write_tree

TREE = {
    "ctxsep.toml": 'default-phase = "migrated"\n',
    "app/context.py": """
        from __future__ import annotations

        import contextlib
        import dataclasses
        from collections.abc import AsyncIterator

        class UserExecutionContext:
            user_id: str

            def with_db_session(self, session) -> UserExecutionContext:
                return dataclasses.replace(self, db_session=session)

            def fork(self, suffix):
                return dataclasses.replace(self, user_id=self.user_id + suffix)

            def describe(self) -> str:
                return self.user_id

        @contextlib.asynccontextmanager
        async def managed_user_context(context: UserExecutionContext):
            yield context

        class AgentFactory:
            @contextlib.asynccontextmanager
            async def execution_scope(self, user_id) -> AsyncIterator[UserExecutionContext]:
                yield UserExecutionContext()

            @contextlib.asynccontextmanager
            async def user_execution_scope(self, user_id):
                yield UserExecutionContext()

        class EngineFactory:
            @contextlib.asynccontextmanager
            async def user_execution_scope(self, context):
                yield Engine(context)
    """,
    "app/use.py": """
        from app.context import managed_user_context

        async def run(factory, context_source):
            async with managed_user_context(context_source()) as ctx:
                ctx.run_id = "r"
            async with factory.execution_scope("u") as scoped:
                scoped.run_id = "r"
    """,
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path, TREE)


def test_paste_block_lists_context_methods_and_scopes(tree: Path) -> None:
    code, out, err = ctxsep_cli(tree, "names", "--format", "toml")
    assert code == 0, err
    table = tomllib.loads(out)
    names = table.get("names") or table["tool"]["ctxsep"]["names"]
    assert {"create_child_context", "with_db_session", "fork"} <= set(names["context-methods"])
    assert "describe" not in names["context-methods"]  # returns a str
    assert names["context-scopes"] == ["execution_scope", "app.context.managed_user_context"]
    # The ambiguous method name is offered commented out, with the reason.
    line = next(x for x in out.splitlines() if '"user_execution_scope"' in x)
    assert line.lstrip().startswith("#") and "ambiguous" in line and "EngineFactory.user_execution_scope" in line


def test_text_report_groups_producers_by_context_type(tree: Path) -> None:
    code, out, _ = ctxsep_cli(tree, "names")
    assert code == 0
    assert "returned by method app.context.UserExecutionContext.with_db_session" in out
    assert "yielded to `with` by app.context.managed_user_context" in out
    assert "not a context: app.context.EngineFactory.user_execution_scope" in out


def test_json_carries_the_producers(tree: Path) -> None:
    code, out, _ = ctxsep_cli(tree, "names", "--format", "json")
    assert code == 0
    document = json.loads(out)
    scopes = [s["entry"] for s in document["flow"]["context-scopes"] if s["enabled"]]
    assert scopes == ["execution_scope", "app.context.managed_user_context"]
    assert any(
        p["dotted"] == "app.context.EngineFactory.user_execution_scope" and p["context_type"] is None
        for p in document["producers"]
    )


def test_pasting_the_lines_makes_check_follow_them(tree: Path) -> None:
    code, out, _ = ctxsep_cli(tree, "check", "--no-cache", "--format", "json", "app/use.py")
    assert json.loads(out)["findings"] == []
    code, block, _ = ctxsep_cli(tree, "names", "--format", "toml")
    config = 'default-phase = "migrated"\n' + block.replace("[tool.ctxsep.names]", "[names]")
    (tree / "ctxsep.toml").write_text(config, encoding="utf-8")
    code, out, err = ctxsep_cli(tree, "check", "--no-cache", "--format", "json", "app/use.py")
    assert code == 1, err
    assert [(f["line"], f["code"]) for f in json.loads(out)["findings"]] == [(5, "CTX004"), (7, "CTX004")]
