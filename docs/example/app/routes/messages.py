"""New routes (phase: migrated): findings here are errors."""
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import RequestScopedContext, create_user_execution_context, get_request_scoped_user_context
from app.db import get_db
from app.services.message_service import message_service

router = APIRouter()


@router.post("/v2/message")
async def post_message(
    thread_id: str,
    context: RequestScopedContext = Depends(get_request_scoped_user_context),
    db: AsyncSession = Depends(get_db),
):
    return await message_service.process(context, db)


@router.post("/v2/message/replay")
async def replay_message(thread_id: str, db: AsyncSession = Depends(get_db)):
    user_context = create_user_execution_context(user_id="system", thread_id=thread_id, db_session=db)
    user_context.metadata["replayed"] = True
    return await message_service.process(user_context)


@router.get("/v2/messages/count")
async def count_messages(context: RequestScopedContext = Depends(get_request_scoped_user_context)):
    legacy = create_user_execution_context(user_id=context.user_id, thread_id=context.thread_id)
    return await legacy.db_session.scalar("select count(*) from messages")


@router.get("/v2/messages/preview")
async def preview_messages(thread_id: str, db: AsyncSession = Depends(get_db)):
    context = await get_request_scoped_user_context("system", thread_id)
    return await message_service.process(context)  # no session: CTX006, which mypy and pylint report
