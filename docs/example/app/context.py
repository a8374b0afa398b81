"""Both context APIs, side by side during the migration (phase: legacy)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class UserExecutionContext:
    """Legacy: immutable, and it carries the session."""

    user_id: str
    thread_id: str
    run_id: Optional[str] = None
    db_session: Optional[AsyncSession] = None
    websocket_client_id: Optional[str] = None
    metadata: dict[str, Any] = field(default_factory=dict)


def create_user_execution_context(
    user_id: str,
    thread_id: str,
    run_id: Optional[str] = None,
    db_session: Optional[AsyncSession] = None,
    websocket_connection_id: Optional[str] = None,
) -> UserExecutionContext:
    return UserExecutionContext(
        user_id=user_id,
        thread_id=thread_id,
        run_id=run_id,
        db_session=db_session,
        websocket_client_id=websocket_connection_id,
    )


@dataclass
class RequestScopedContext:
    """Target: identifiers only, no session."""

    user_id: str
    thread_id: str
    run_id: Optional[str] = None
    websocket_connection_id: Optional[str] = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


async def get_request_scoped_user_context(
    user_id: str, thread_id: str, run_id: Optional[str] = None, websocket_connection_id: Optional[str] = None
) -> RequestScopedContext:
    return RequestScopedContext(user_id, thread_id, run_id, websocket_connection_id)
