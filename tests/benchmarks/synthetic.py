"""A synthetic FastAPI + SQLAlchemy application in the middle of the migration.

``write_app(root, lines)`` writes about ``lines`` lines of Python under
``root/app``: per domain, routes, services, background agents and websocket
handlers dense with the migration's patterns (legacy constructor calls,
contexts carrying sessions, dual-pattern services, context mutation,
sessions read off contexts, migrated code), plus the models, schemas and
utilities a real application has, which never mention a context. A
``pyproject.toml`` with a phase map over the domains' directories sits at
``root``. Output is deterministic for a given size.

Run it on its own to look at the result:
``python tests/benchmarks/synthetic.py /tmp/app --lines 20000``.
"""

from __future__ import annotations

import argparse
import random
import textwrap
from pathlib import Path

PHASES = ("legacy", "transitional", "migrated", "final")
#: (kind, share of files): contexts appear in routes, services, agents, websocket.
KINDS = (
    ("routes", 0.16),
    ("services", 0.22),
    ("agents", 0.08),
    ("websocket", 0.04),
    ("models", 0.18),
    ("schemas", 0.14),
    ("utils", 0.18),
)

CONTEXT_MODULE = '''\
"""Both context APIs, side by side during the migration."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class UserExecutionContext:
    user_id: str
    thread_id: str
    run_id: Optional[str] = None
    db_session: Optional[AsyncSession] = None
    metadata: dict[str, Any] = field(default_factory=dict)


def create_user_execution_context(user_id: str, thread_id: str, run_id: Optional[str] = None,
                                  db_session: Optional[AsyncSession] = None) -> UserExecutionContext:
    return UserExecutionContext(user_id=user_id, thread_id=thread_id, run_id=run_id, db_session=db_session)


@dataclass
class RequestScopedContext:
    user_id: str
    thread_id: str
    run_id: Optional[str] = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


async def get_request_scoped_user_context(user_id: str, thread_id: str,
                                          run_id: Optional[str] = None) -> RequestScopedContext:
    return RequestScopedContext(user_id, thread_id, run_id)


RequestScopedContextDep = Annotated[RequestScopedContext, Depends(get_request_scoped_user_context)]
'''

DB_MODULE = '''\
"""Sessions."""
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///app.db")
AsyncSessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        yield session
'''


def _route(rng: random.Random, domain: str, n: int) -> str:
    head = f'''\
        """Routes of {domain} ({n})."""
        from fastapi import APIRouter, Depends, HTTPException
        from sqlalchemy import select
        from sqlalchemy.ext.asyncio import AsyncSession

        from app.context import (
            RequestScopedContext,
            RequestScopedContextDep,
            create_user_execution_context,
            get_request_scoped_user_context,
        )
        from app.db import get_db
        from app.{domain}.models.m{n % 7} import Record
        from app.{domain}.services import s{n % 11} as service

        router = APIRouter(prefix="/{domain}/{n}")
    '''
    parts = [textwrap.dedent(head)]
    for i in range(rng.randint(6, 10)):
        style = rng.choice(("legacy", "legacy", "bridge", "migrated", "migrated", "dep"))
        if style == "legacy":
            body = f"""
            @router.post("/legacy/{i}")
            async def legacy_{i}(thread_id: str, user_id: str, db: AsyncSession = Depends(get_db)):
                user_context = create_user_execution_context(user_id=user_id, thread_id=thread_id, db_session=db)
                user_context.metadata["route"] = "legacy_{i}"
                rows = await user_context.db_session.execute(select(Record).limit({i + 1}))
                if rows is None:
                    raise HTTPException(status_code=404)
                return await service.Service{i % 3}().process_legacy(user_context)
            """
        elif style == "bridge":
            body = f"""
            @router.get("/bridge/{i}")
            async def bridge_{i}(context: RequestScopedContext = Depends(get_request_scoped_user_context),
                                 db: AsyncSession = Depends(get_db)):
                context.run_id = context.run_id or "run-{i}"
                return await service.Service{i % 3}().process(context, db_session=db)
            """
        elif style == "dep":
            body = f"""
            @router.get("/dep/{i}")
            async def dep_{i}(context: RequestScopedContextDep, db: AsyncSession = Depends(get_db)):
                result = await db.execute(select(Record).where(Record.owner == context.user_id))
                return [row.id for row in result.scalars()]
            """
        else:
            body = f"""
            @router.get("/items/{i}")
            async def items_{i}(thread_id: str, user_id: str, db: AsyncSession = Depends(get_db)):
                context = await get_request_scoped_user_context(user_id=user_id, thread_id=thread_id)
                records = await service.Service{i % 3}().list_records(context, db)
                total = sum(record.size for record in records)
                if total > {100 * (i + 1)}:
                    return {{"total": total, "thread": context.thread_id}}
                return {{"records": [record.id for record in records]}}
            """
        parts.append(textwrap.dedent(body))
    return "".join(parts)


def _service(rng: random.Random, domain: str, n: int) -> str:
    head = f'''\
        """Services of {domain} ({n}): the bridge period."""
        from __future__ import annotations

        import logging
        from typing import Optional, Union

        from sqlalchemy import select
        from sqlalchemy.ext.asyncio import AsyncSession

        from app.context import RequestScopedContext, UserExecutionContext, create_user_execution_context
        from app.{domain}.models.m{n % 7} import Record

        logger = logging.getLogger(__name__)
    '''
    parts = [textwrap.dedent(head)]
    for c in range(3):
        parts.append(
            textwrap.dedent(f'''

            class Service{c}:
                """Handles records ({c})."""

                def __init__(self, limit: int = {10 * (c + 1)}) -> None:
                    self.limit = limit
                    self.calls = 0

                async def process(
                    self,
                    context: Union[UserExecutionContext, RequestScopedContext],
                    db_session: Optional[AsyncSession] = None,
                ) -> list[Record]:
                    self.calls += 1
                    if isinstance(context, UserExecutionContext):
                        return await self.process_legacy(context)
                    if db_session is None:
                        raise ValueError("db_session required for RequestScopedContext")
                    return await self.list_records(context, db_session)

                async def process_legacy(self, user_context: UserExecutionContext) -> list[Record]:
                    rows = await user_context.db_session.execute(select(Record).limit(self.limit))
                    user_context.metadata.update(processed=True)
                    return list(rows.scalars())

                async def list_records(self, context: RequestScopedContext, db: AsyncSession) -> list[Record]:
                    query = select(Record).where(Record.owner == context.user_id).limit(self.limit)
                    rows = await db.execute(query)
                    records = list(rows.scalars())
                    logger.debug("listed %d records for %s", len(records), context.request_id)
                    return records
            ''')
        )
        for m in range(rng.randint(2, 4)):
            style = rng.choice(("missing_db", "legacy_build", "clean", "clean", "mutate"))
            if style == "missing_db":
                body = f"""
                    async def audit_{m}(self, context: RequestScopedContext, user_context: UserExecutionContext) -> int:
                        rows = await user_context.db_session.execute(select(Record.id).limit({m + 1}))
                        return len(list(rows)) + len(context.thread_id)
                """
            elif style == "legacy_build":
                body = f"""
                    def to_legacy_{m}(
                        self, context: RequestScopedContext, db_session: AsyncSession
                    ) -> UserExecutionContext:
                        return create_user_execution_context(
                            user_id=context.user_id,
                            thread_id=context.thread_id,
                            db_session=db_session,
                        )
                """
            elif style == "mutate":
                body = f"""
                    def tag_{m}(self, context: RequestScopedContext, label: str) -> None:
                        context.run_id = f"{{label}}-{m}"
                """
            else:
                body = f"""
                    async def count_{m}(self, context: RequestScopedContext, db: AsyncSession) -> int:
                        rows = await db.execute(select(Record.id).where(Record.owner == context.user_id))
                        values = [row for row in rows.scalars() if row % {m + 2} == 0]
                        return len(values)
                """
            parts.append(textwrap.indent(textwrap.dedent(body), "    "))
    return "".join(parts)


def _agent(rng: random.Random, domain: str, n: int) -> str:
    steps = "".join(f"            await self.step_{i}(user_context)\n" for i in range(rng.randint(3, 6)))
    methods = "".join(
        textwrap.dedent(f"""

            async def step_{i}(self, user_context: UserExecutionContext) -> None:
                session = user_context.db_session
                await session.execute(select(Record).limit({i + 1}))
                self.progress[{i}] = True
        """).replace("\n", "\n    ")
        for i in range(6)
    )
    return (
        textwrap.dedent(f'''\
        """Background agent of {domain} ({n}): still on the legacy context."""
        from sqlalchemy import select

        from app.context import UserExecutionContext, create_user_execution_context
        from app.db import AsyncSessionLocal
        from app.{domain}.models.m{n % 7} import Record


        class Agent{n}:
            def __init__(self) -> None:
                self.progress: dict[int, bool] = {{}}

            async def run(self, user_id: str, thread_id: str) -> None:
                async with AsyncSessionLocal() as db:
                    user_context = create_user_execution_context(user_id=user_id, thread_id=thread_id, db_session=db)
    ''')
        + steps
        + methods
        + "\n"
    )


def _websocket(rng: random.Random, domain: str, n: int) -> str:
    return textwrap.dedent(f'''\
        """Websocket handlers of {domain} ({n})."""
        from fastapi import WebSocket

        from app.context import RequestScopedContext, get_request_scoped_user_context
        from app.db import AsyncSessionLocal


        class Handler{n}:
            def __init__(self, websocket: WebSocket) -> None:
                self.websocket = websocket
                self.session_id = str(id(websocket))

            async def on_message(self, user_id: str, thread_id: str, payload: dict) -> None:
                context = await get_request_scoped_user_context(user_id=user_id, thread_id=thread_id)
                async with AsyncSessionLocal() as db:
                    await self.handle(context, db, payload)

            async def handle(self, context: RequestScopedContext, db, payload: dict) -> None:
                context.run_id = payload.get("run_id")
                await db.commit()
                await self.websocket.send_json({{"ok": True, "thread": context.thread_id}})
    ''')


def _model(rng: random.Random, domain: str, n: int) -> str:
    columns = "\n".join(
        f"    field_{i}: Mapped[{rng.choice(('int', 'str', 'bool'))}] = mapped_column(nullable={rng.random() < 0.5})"
        for i in range(rng.randint(8, 16))
    )
    return (
        textwrap.dedent(f'''\
        """Tables of {domain} ({n})."""
        from sqlalchemy import ForeignKey, String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


        class Base(DeclarativeBase):
            pass


        class Record(Base):
            __tablename__ = "{domain}_records_{n}"

            id: Mapped[int] = mapped_column(primary_key=True)
            owner: Mapped[str] = mapped_column(String(64), index=True)
            size: Mapped[int] = mapped_column(default=0)
    ''')
        + columns
        + textwrap.dedent(f'''


        class Attachment(Base):
            __tablename__ = "{domain}_attachments_{n}"

            id: Mapped[int] = mapped_column(primary_key=True)
            record_id: Mapped[int] = mapped_column(ForeignKey("{domain}_records_{n}.id"))
            record: Mapped[Record] = relationship()

            def describe(self) -> str:
                return f"attachment {{self.id}} of {{self.record_id}}"
    ''')
    )


def _schema(rng: random.Random, domain: str, n: int) -> str:
    classes = []
    for c in range(rng.randint(4, 8)):
        fields = "\n".join(
            f"    value_{i}: {rng.choice(('int', 'str', 'float', 'bool'))} = Field(default=None)"
            for i in range(rng.randint(3, 8))
        )
        classes.append(f'\n\nclass Payload{c}(BaseModel):\n    """Request body {c}."""\n\n{fields}\n')
    return f'"""Schemas of {domain} ({n})."""\nfrom pydantic import BaseModel, Field\n' + "".join(classes)


def _util(rng: random.Random, domain: str, n: int) -> str:
    funcs = []
    for f in range(rng.randint(6, 12)):
        funcs.append(
            textwrap.dedent(f'''

            def helper_{f}(values: list[int], factor: int = {f + 1}) -> list[int]:
                """Scale and filter ({f})."""
                result = []
                for value in values:
                    scaled = value * factor
                    if scaled % {f + 2} == 0:
                        continue
                    result.append(scaled)
                return sorted(result)
        ''')
        )
    return f'"""Utilities of {domain} ({n})."""\n' + "".join(funcs)


WRITERS = {
    "routes": _route,
    "services": _service,
    "agents": _agent,
    "websocket": _websocket,
    "models": _model,
    "schemas": _schema,
    "utils": _util,
}


def _phase_map(domains: list[str]) -> str:
    lines = ["[tool.ctxsep]", 'default-phase = "migrated"', "", "[tool.ctxsep.phases]"]
    for index, domain in enumerate(domains):
        base = index % 4
        lines.append(f'"app/{domain}" = "{PHASES[base]}"')
        lines.append(f'"app/{domain}/routes" = "{PHASES[min(3, base + 1)]}"')
        lines.append(f'"app/{domain}/routes/v1_*.py" = "{PHASES[base]}"')
        lines.append(f'"app/{domain}/agents" = "legacy"')
    return "\n".join(lines) + "\n"


def write_app(root: Path, lines: int, seed: int = 0) -> dict[str, int]:
    """Write the application under ``root``; returns {"files": n, "lines": n}."""
    rng = random.Random(seed)
    app = root / "app"
    app.mkdir(parents=True, exist_ok=True)
    (app / "__init__.py").write_text("", encoding="utf-8")
    (app / "context.py").write_text(CONTEXT_MODULE, encoding="utf-8")
    (app / "db.py").write_text(DB_MODULE, encoding="utf-8")
    written = CONTEXT_MODULE.count("\n") + DB_MODULE.count("\n")
    files = 3
    domains: list[str] = []
    counters: dict[str, int] = {}
    while written < lines:
        domain = f"d{len(domains):03d}"
        domains.append(domain)
        (app / domain).mkdir(exist_ok=True)
        (app / domain / "__init__.py").write_text("", encoding="utf-8")
        for kind, share in KINDS:
            directory = app / domain / kind
            directory.mkdir(exist_ok=True)
            (directory / "__init__.py").write_text("", encoding="utf-8")
            for _ in range(max(1, round(share * 30))):
                n = counters.get(kind, 0)
                counters[kind] = n + 1
                prefix = {"routes": "v1_" if n % 4 == 0 else "r", "services": "s", "models": "m"}.get(kind, kind[0])
                index = n % 11 if kind == "services" else n % 7 if kind == "models" else n
                name = f"{prefix}{index}.py"
                if (directory / name).exists():
                    name = f"{prefix}{index}_{n}.py"
                text = WRITERS[kind](rng, domain, n)
                (directory / name).write_text(text, encoding="utf-8")
                written += text.count("\n")
                files += 1
    (root / "pyproject.toml").write_text(_phase_map(domains), encoding="utf-8")
    return {"files": files, "lines": written, "domains": len(domains)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    print(write_app(args.root, args.lines))


if __name__ == "__main__":
    main()
