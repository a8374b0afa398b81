"""Fix 3, final-phase cleanup (CTX007), through the real CLI: unused legacy
imports go (safe); unions narrow and isinstance branches drop only with
--unsafe-fixes."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fixprojects import ctxsep, snapshot
from support import write_tree

SERVICE = """
from typing import Optional, Union

from app.context import RequestScopedContext, UserExecutionContext
from app.context import UserExecutionContext as UEC, create_user_execution_context
from app.context import (
    RequestScopedContext as RSC,
    create_user_execution_context as make_legacy,  # gone soon
)


class Service:
    async def process(
        self,
        context: Union[UserExecutionContext, RequestScopedContext],
        db_session: Optional[AsyncSession] = None,
    ):
        # route by pattern
        if isinstance(context, UserExecutionContext):
            return await self.process_legacy(context)
        else:
            if db_session is None:
                raise ValueError("db_session required")  # keep this comment
            return await self.process_modern(context, db_session)

    def other(self, ctx: "UserExecutionContext | RequestScopedContext", n: RSC | UEC | None):
        if isinstance(ctx, UserExecutionContext):
            log("legacy")
        elif ctx.user_id:
            log("modern")
        return ctx
"""


def make(root: Path) -> Path:
    return write_tree(root, {"ctxsep.toml": 'default-phase = "final"\n', "app/__init__.py": "", "app/svc.py": SERVICE})


def test_safe_run_removes_only_unused_legacy_imports(tmp_path: Path) -> None:
    root = make(tmp_path)
    code, out, err = ctxsep(root, "fix", ".")
    assert code == 0, err
    assert "app/svc.py: fixed 2 (CTX007 x2)" in out
    assert "more fixes available with --unsafe-fixes" in out
    expected = (
        textwrap.dedent(SERVICE)
        .lstrip("\n")
        .replace(
            "from app.context import UserExecutionContext as UEC, create_user_execution_context\n",
            "from app.context import UserExecutionContext as UEC\n",
        )
        .replace(
            "    RequestScopedContext as RSC,\n    create_user_execution_context as make_legacy,  # gone soon\n)",
            "    RequestScopedContext as RSC,\n)",
        )
    )
    assert (root / "app/svc.py").read_text() == expected


def test_unsafe_run_narrows_unions_and_drops_legacy_branches(tmp_path: Path) -> None:
    root = make(tmp_path)
    (root / "app/svc.py").write_text(
        (root / "app/svc.py")
        .read_text()
        .replace("from app.context import UserExecutionContext as UEC, create_user_execution_context\n", "")
        .replace(" | UEC", "")
    )
    code, _, err = ctxsep(root, "fix", "--unsafe-fixes", ".")
    assert code == 0, err
    text = (root / "app/svc.py").read_text()
    assert "        context: RequestScopedContext,\n" in text
    assert (
        "        # route by pattern\n"
        "        if db_session is None:\n"
        '            raise ValueError("db_session required")  # keep this comment\n'
        "        return await self.process_modern(context, db_session)\n"
    ) in text
    assert '        if ctx.user_id:\n            log("modern")\n        return ctx\n' in text
    assert "isinstance" not in text
    compile(text, "svc.py", "exec")
    before = snapshot(root)
    assert ctxsep(root, "fix", "--unsafe-fixes", ".")[0] == 0
    assert snapshot(root) == before
