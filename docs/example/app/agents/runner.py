"""Agents (phase: legacy, the default): only CTX003 speaks here, as a warning."""
from app.context import RequestScopedContext, create_user_execution_context
from app.db import AsyncSessionLocal

session = AsyncSessionLocal()


async def run_agent(context: RequestScopedContext, task: str) -> None:
    await session.execute("select 1")
    legacy = create_user_execution_context(user_id=context.user_id, thread_id=context.thread_id, db_session=session)
    await legacy.db_session.commit()
