"""A session that may be None (the bridge pattern's
``db_session: Optional[AsyncSession] = None``) is not a session a fix can
pass on: the session-parameter, dual-pattern-call and route-handler fixes
do not offer to thread it through, through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from fixprojects import ctxsep, ctxsep_process, declined, project

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example"


def test_the_demo_bridge_pattern_is_left_for_a_hand(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".ctxsep_cache", "__pycache__"))
    service = (root / "app/services/message_service.py").read_text()
    code, out, err = ctxsep_process(root, "fix", "--unsafe-fixes", ".")
    assert code == 0, out + err
    # process() holds only db_session: Optional[AsyncSession] = None, which the
    # legacy callers never pass: threading it into process_legacy would crash
    assert (root / "app/services/message_service.py").read_text() == service
    assert (
        "app/services/message_service.py:26: no session-parameter fix for 'process_legacy': 1 call site needs a "
        "hand before a session parameter can be added (message_service.py:21: its session 'db_session' may be None)"
    ) in out
    # the route's non-Optional Depends(get_db) session is still passed on
    routes = (root / "app/routes/messages.py").read_text()
    assert "return await message_service.process(context, db)  # no session" in routes
    for path in root.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


OPTIONAL_CALLER = """
from typing import Optional

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import UserExecutionContext


async def load(user_context: UserExecutionContext):
    return await user_context.db_session.get("Profile", user_context.user_id)


async def bridge(user_context: UserExecutionContext, db: AsyncSession | None = None):
    return await load(user_context)
"""


def test_session_parameter_not_offered_when_the_callers_session_may_be_none(tmp_path: Path) -> None:
    root = project(tmp_path, {"bridge.py": OPTIONAL_CALLER})
    out = declined(root, "--unsafe-fixes", "--select", "CTX005", ".")
    assert "no session-parameter fix for 'load': 1 call site needs a hand" in out
    assert "bridge.py:13: its session 'db' may be None" in out
    # control: the same caller with a session it always has gets the fix
    sure = OPTIONAL_CALLER.replace("db: AsyncSession | None = None", "db: AsyncSession")
    (root / "app/routes/bridge.py").write_text(sure)
    code, out, err = ctxsep(root, "fix", "--unsafe-fixes", "--select", "CTX005", ".")
    assert code == 0, out + err
    assert "return await load(user_context, db=db)\n" in (root / "app/routes/bridge.py").read_text()


EXISTING_OPTIONAL = """
from typing import Optional

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import UserExecutionContext


async def rename(user_context: UserExecutionContext, db: Optional[AsyncSession] = None):
    await user_context.db_session.execute("update ...")
"""


def test_an_existing_session_parameter_that_may_be_none_is_not_reused(tmp_path: Path) -> None:
    root = project(tmp_path, {"existing.py": EXISTING_OPTIONAL})
    out = declined(root, "--unsafe-fixes", "--select", "CTX005", ".")
    assert "no session-parameter fix for 'rename': its session parameter 'db' may be None" in out


DUAL_OPTIONAL = """
from typing import Optional

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import RequestScopedContext
from app.services.messages import message_service


async def maybe(context: RequestScopedContext, db: Optional[AsyncSession] = None):
    return await message_service.process(context)


async def sure(context: RequestScopedContext, db: AsyncSession):
    return await message_service.process(context)
"""


def test_dual_pattern_call_does_not_get_a_session_that_may_be_none(tmp_path: Path) -> None:
    root = project(tmp_path, {"dual.py": DUAL_OPTIONAL})
    code, out, err = ctxsep(root, "fix", ".")
    assert code == 0, out + err
    assert "app/routes/dual.py: fixed 1 (CTX006 x1)" in out
    text = (root / "app/routes/dual.py").read_text()
    assert "Optional[AsyncSession] = None):\n    return await message_service.process(context)\n" in text
    assert "db: AsyncSession):\n    return await message_service.process(context, db)\n" in text


ROUTE_OPTIONAL = """
from typing import Optional

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import create_user_execution_context
from app.services.messages import message_service


async def replay(thread_id: str, db: Optional[AsyncSession] = None):
    user_context = create_user_execution_context(user_id="system", thread_id=thread_id, db_session=db)
    return await message_service.process(user_context)
"""


def test_route_handler_does_not_pass_on_a_session_that_may_be_none(tmp_path: Path) -> None:
    root = project(tmp_path, {"replay.py": ROUTE_OPTIONAL})
    declined(root, "--unsafe-fixes", "--select", "CTX002", ".")
    # control: with a session it always has, the route is rewritten
    (root / "app/routes/replay.py").write_text(ROUTE_OPTIONAL.replace("Optional[AsyncSession] = None", "AsyncSession"))
    code, out, err = ctxsep(root, "fix", "--select", "CTX002", ".")
    assert code == 0, out + err
    assert "return await message_service.process(user_context, db)\n" in (root / "app/routes/replay.py").read_text()
