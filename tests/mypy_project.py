"""A small typed project for the mypy plugin's tests: context types in one
module, a dual-pattern service and helpers in others, so every case the
tests write is type-only (the AST front ends cannot see it)."""

from __future__ import annotations

from pathlib import Path

from support import MypyMessage, assert_mypy_ok, mypy_run, parse_mypy, write_tree

BASE = {
    "app/__init__.py": "",
    "app/db.py": """
        class AsyncSession:
            def add(self, row: object) -> None: ...
    """,
    "app/context.py": """
        from __future__ import annotations

        from dataclasses import dataclass, field
        from typing import Optional

        from app.db import AsyncSession


        @dataclass(frozen=True)
        class UserExecutionContext:
            user_id: str
            db_session: Optional[AsyncSession] = None


        @dataclass
        class RequestScopedContext:
            user_id: str
            tags: list[str] = field(default_factory=list)


        def create_user_execution_context(
            user_id: str, db_session: Optional[AsyncSession] = None
        ) -> UserExecutionContext:
            return UserExecutionContext(user_id, db_session)
    """,
    "app/services.py": """
        from __future__ import annotations

        from typing import Optional, Union

        from app.context import RequestScopedContext, UserExecutionContext, create_user_execution_context
        from app.db import AsyncSession

        make_ctx = create_user_execution_context


        def process(
            context: Union[UserExecutionContext, RequestScopedContext], db: Optional[AsyncSession] = None
        ) -> None:
            return None


        def scoped(user_id: str) -> RequestScopedContext:
            return RequestScopedContext(user_id)
    """,
}

#: One line per type-only rule, in a function (so scope and CTX003 are realistic).
CALLS = """
    from app.services import make_ctx, process, scoped


    def handler() -> None:
        process(scoped("u"))
        make_ctx("u")
        scoped("u").tags.append("x")
"""
CALL_LINES = {"CTX006": 5, "CTX002": 6, "CTX004": 7}


def pyproject(phases: dict[str, str] | None = None, default: str = "migrated", extra: str = "") -> str:
    lines = [
        "[tool.mypy]",
        'plugins = ["mypy_ctxsep"]',
        "warn_unused_ignores = true",
        "",
        "[tool.ctxsep]",
        f'default-phase = "{default}"',
        extra,
        "[tool.ctxsep.phases]",
        '"app/context.py" = "legacy"  # the legacy constructor builds its context with a session',
        *(f'"{key}" = "{phase}"' for key, phase in (phases or {}).items()),
    ]
    return "\n".join(lines) + "\n"


def project(root: Path, files: dict[str, str], **config: object) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return write_tree(root, {"pyproject.toml": pyproject(**config), **BASE, **files})  # type: ignore[arg-type]


def check(
    root: Path, *extra: str, paths: tuple[str, ...] = ("app",), cache_dir: Path | None = None
) -> list[MypyMessage]:
    proc = mypy_run(list(paths), root, *extra, cache_dir=cache_dir)
    assert_mypy_ok(proc)
    return parse_mypy(proc.stdout)


def found(messages: list[MypyMessage], path: str | None = None) -> list[tuple[int, str, str]]:
    """(line, rule code, mypy severity) of ctxsep's messages, sorted."""
    return sorted((m.line, m.rule, m.severity) for m in messages if m.is_ctxsep and (path is None or m.path == path))
