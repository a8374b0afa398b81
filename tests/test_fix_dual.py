"""Fix 4: a dual-pattern call with a request-scoped context and no session
gets the one session in scope (SPEC §11), through the real CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fixprojects import ctxsep, project, snapshot

DUAL = """
from fastapi import Depends

from app.context import RequestScopedContext, UserExecutionContext, get_request_scoped_user_context
from app.db import get_db, get_db_session
from app.services.messages import message_service


async def modern(context: RequestScopedContext, db=Depends(get_db)):
    return await message_service.process(context)


async def opened(user_id):
    ctx = await get_request_scoped_user_context(user_id=user_id, thread_id="t")
    async with get_db_session() as session:
        await message_service.process(
            ctx,  # the context
        )
    await message_service.process(ctx)  # no session in scope here


async def two_sessions(context: RequestScopedContext, db=Depends(get_db)):
    async with get_db_session() as other:
        return await message_service.process(context)


async def legacy(context: UserExecutionContext, db=Depends(get_db)):
    return await message_service.process(context)


async def silenced(context: RequestScopedContext, db=Depends(get_db)):
    return await message_service.process(context)  # noqa: CTX006


async def already(context: RequestScopedContext, db=Depends(get_db)):
    return await message_service.process(context, db_session=db)
"""


def test_dual_pattern_calls_get_the_one_session_in_scope(tmp_path: Path) -> None:
    root = project(tmp_path, {"dual.py": DUAL})
    code, out, err = ctxsep(root, "fix", ".")
    assert code == 0, err
    assert "app/routes/dual.py: fixed 2 (CTX006 x2)" in out
    text = (root / "app/routes/dual.py").read_text()
    expected = textwrap.dedent(DUAL).lstrip("\n")
    expected = expected.replace(
        "async def modern(context: RequestScopedContext, db=Depends(get_db)):\n"
        "    return await message_service.process(context)\n",
        "async def modern(context: RequestScopedContext, db=Depends(get_db)):\n"
        "    return await message_service.process(context, db)\n",
    ).replace("            ctx,  # the context\n", "            ctx, session,  # the context\n")
    assert text == expected
    before = snapshot(root)
    assert ctxsep(root, "fix", ".")[0] == 0
    assert snapshot(root) == before


def test_off_in_the_legacy_phase_and_nothing_without_a_dual_callable(tmp_path: Path) -> None:
    root = project(tmp_path, {"dual.py": DUAL}, config='default-phase = "legacy"\n[severity.legacy]\nCTX006 = "off"\n')
    before = snapshot(root)
    assert ctxsep(root, "fix", ".")[0] == 0
    assert snapshot(root) == before
