"""Old v1 routes (phase: transitional through the glob key)."""
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import create_user_execution_context
from app.db import get_db
from app.services.message_service import message_service

router = APIRouter()


@router.post("/message")
async def post_message_v1(thread_id: str, db: AsyncSession = Depends(get_db)):
    user_context = create_user_execution_context(user_id="default_user", thread_id=thread_id, db_session=db)
    return await message_service.process(user_context)
