"""WebSocket handling (phase: final): no trace of the legacy API may remain."""
from __future__ import annotations

from app.context import RequestScopedContext, UserExecutionContext
from app.db import AsyncSessionLocal


class WebSocketHandler:
    def __init__(self, context: RequestScopedContext, legacy: UserExecutionContext | None = None):
        self.context = context
        self.legacy = legacy

    async def handle_message(self, message: dict) -> None:
        async with AsyncSessionLocal() as session:
            await session.execute("select 1")
        self.context.websocket_connection_id = message.get("connection_id")
        if self.legacy is not None:
            await self.legacy.db_session.commit()
