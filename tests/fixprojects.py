"""Fixture projects for the fix tests, modelled on the migration guide
(our own code, not the guide's)."""

from __future__ import annotations

import sys
from pathlib import Path

from support import ctxsep_cli, run, write_tree

CONFIG = """
default-phase = "migrated"

[fix]
scoped-factory = "app.context.get_request_scoped_user_context"
renamed-fields = { websocket_client_id = "websocket_connection_id" }
"""

CONTEXT = """
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class UserExecutionContext:
    user_id: str
    thread_id: str
    db_session: object = None


@dataclass
class RequestScopedContext:
    user_id: str
    thread_id: str
    websocket_connection_id: Optional[str] = None


def create_user_execution_context(user_id, thread_id, db_session=None):
    return UserExecutionContext(user_id, thread_id, db_session)


async def get_request_scoped_user_context(user_id, thread_id, websocket_connection_id=None):
    return RequestScopedContext(user_id, thread_id, websocket_connection_id)
"""

SERVICE = """
from typing import Optional, Union

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import RequestScopedContext, UserExecutionContext


class MessageService:
    async def process(
        self,
        context: Union[UserExecutionContext, RequestScopedContext],
        db_session: Optional[AsyncSession] = None,
    ) -> dict:
        return {"user": context.user_id, "has_session": db_session is not None}


def audit(context: UserExecutionContext) -> None:
    print(context.user_id)


message_service = MessageService()
"""

# The guide's Phase 4 legacy route, in our own words (path and name differ).
ROUTE_BEFORE = '''
"""Message routes."""
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import create_user_execution_context
from app.db import get_db
from app.models import MessageRequest
from app.services.messages import message_service

router = APIRouter()


@router.post("/messages")
async def post_message(
    request: MessageRequest,
    db: AsyncSession = Depends(get_db)
):
    # one context per request
    user_context = create_user_execution_context(
        user_id="default_user",  # until auth lands
        thread_id=request.thread_id,
        db_session=db
    )
    return await message_service.process(user_context)
'''

ROUTE_AFTER = '''
"""Message routes."""
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import get_request_scoped_user_context
from app.db import get_db
from app.models import MessageRequest
from app.services.messages import message_service

router = APIRouter()


@router.post("/messages")
async def post_message(
    request: MessageRequest,
    db: AsyncSession = Depends(get_db)
):
    # one context per request
    user_context = await get_request_scoped_user_context(
        user_id="default_user",  # until auth lands
        thread_id=request.thread_id
    )
    return await message_service.process(user_context, db)
'''


def project(root: Path, routes: dict[str, str], config: str = CONFIG) -> Path:
    files = {
        "ctxsep.toml": config,
        "app/__init__.py": "",
        "app/context.py": CONTEXT,
        "app/services/__init__.py": "",
        "app/services/messages.py": SERVICE,
        "app/routes/__init__.py": "",
    }
    files.update({f"app/routes/{name}": text for name, text in routes.items()})
    return write_tree(root, files)


def ctxsep(root: Path, *args: str) -> tuple[int, str, str]:
    """``ctxsep ARGS`` run in-process from ``root`` (the CLI's own ``main``)."""
    return ctxsep_cli(root, *args)


def ctxsep_process(root: Path, *args: str) -> tuple[int, str, str]:
    """``ctxsep ARGS`` as a real subprocess, as a user runs it."""
    proc = run([sys.executable, "-m", "ctxsep", *args], root)
    return proc.returncode, proc.stdout, proc.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def declined(root: Path, *args: str) -> str:
    """``ctxsep fix ARGS`` exits 0 and changes no file; its output."""
    before = snapshot(root)
    code, out, err = ctxsep(root, "fix", *args)
    assert (code, snapshot(root)) == (0, before), out + err
    return out
