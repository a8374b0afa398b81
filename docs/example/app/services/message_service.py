"""The bridge period (phase: transitional): most findings are warnings."""
from __future__ import annotations

from typing import Optional, Union

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import RequestScopedContext, UserExecutionContext, create_user_execution_context
from app.models import Message


class MessageService:
    async def process(
        self,
        context: Union[UserExecutionContext, RequestScopedContext],
        db_session: Optional[AsyncSession] = None,
    ) -> list[Message]:
        """Dual-pattern entry point: accepts both context kinds."""
        if isinstance(context, UserExecutionContext):
            return await self.process_legacy(context)
        if db_session is None:
            raise ValueError("db_session required for RequestScopedContext")
        return await self.process_modern(context, db_session)

    async def process_legacy(self, user_context: UserExecutionContext) -> list[Message]:
        rows = await user_context.db_session.execute(select(Message))
        return list(rows.scalars())

    async def process_modern(self, context: RequestScopedContext, db_session: AsyncSession) -> list[Message]:
        context.run_id = context.run_id or "run-1"
        rows = await db_session.execute(select(Message).where(Message.thread_id == context.thread_id))
        return list(rows.scalars())

    async def summarize(self, context: RequestScopedContext) -> int:
        legacy = create_user_execution_context(user_id=context.user_id, thread_id=context.thread_id)
        return await legacy.db_session.scalar(select(Message.id).limit(1))


def merge_to_user_context(context: RequestScopedContext, db_session: AsyncSession) -> UserExecutionContext:
    return create_user_execution_context(
        user_id=context.user_id,
        thread_id=context.thread_id,
        db_session=db_session,
    )


message_service = MessageService()
