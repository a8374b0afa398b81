"""Fix 2, the session parameter (SPEC §11), through the real CLI: the guide's
Appendix A ``get_user_profile`` with --unsafe-fixes takes the session as a
parameter and every call site in the project passes one."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fixprojects import ctxsep, ctxsep_process, declined, snapshot
from support import write_tree

CONFIG = """
default-phase = "migrated"

[phases]
"app/legacy" = "legacy"

[fix]
session-parameter = "db_session: AsyncSession"
"""

PROFILES = '''
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import UserExecutionContext
from app.models import User


class LegacyUserService:
    """Original service using UserExecutionContext"""

    async def get_user_profile(self, user_context: UserExecutionContext):
        """Get user profile with embedded session"""

        # Direct session access from context
        async with user_context.db_session.begin():
            user = await user_context.db_session.execute(
                select(User).where(User.id == user_context.user_id)
            )

            # Send WebSocket notification
            if user_context.websocket_client_id:
                await self.websocket_manager.send_event(
                    user_context.websocket_client_id,
                    {"type": "profile_accessed"}
                )

            return user.scalar_one()


class OtherService:
    async def get_user_profile(self, user_id):
        return user_id
'''

ROUTES = """
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import UserExecutionContext
from app.db import get_db
from app.profiles import LegacyUserService, OtherService

service = LegacyUserService()


async def profile(user_context: UserExecutionContext, db: AsyncSession = Depends(get_db)):
    return await service.get_user_profile(user_context)


async def other(user_id):
    return await OtherService().get_user_profile(user_id)
"""

OLD = """
from app.context import UserExecutionContext
from app.profiles import LegacyUserService


async def legacy_profile(user_context: UserExecutionContext):
    return await LegacyUserService().get_user_profile(user_context)
"""


def make(root: Path, **extra: str) -> Path:
    files = {
        "ctxsep.toml": CONFIG,
        "app/__init__.py": "",
        "app/legacy/__init__.py": "",
        "app/profiles.py": PROFILES,
        "app/routes.py": ROUTES,
        "app/legacy/old.py": OLD,
    }
    files.update(extra)
    return write_tree(root, files)


def read(root: Path, name: str) -> str:
    return (root / name).read_text()


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_appendix_a_get_user_profile_takes_the_session_as_a_parameter(tmp_path: Path) -> None:
    root = make(tmp_path)
    before = snapshot(root)
    code, out, err = ctxsep_process(root, "fix", ".")
    assert (code, snapshot(root)) == (0, before), err  # unsafe: not applied by default
    assert "1 more fix available with --unsafe-fixes." in out
    code, out, err = ctxsep_process(root, "fix", "--unsafe-fixes", ".")
    assert code == 0, err
    assert "app/profiles.py: fixed 2 (CTX005 x2)" in out
    assert "app/routes.py: passes a session at call sites of a fixed function" in out
    # As the guide's after-version: the session is a parameter and is used
    # everywhere user_context.db_session was read (the guide also renames
    # the context and its type by hand).
    assert read(root, "app/profiles.py") == dedent(PROFILES).replace(
        "get_user_profile(self, user_context: UserExecutionContext):",
        "get_user_profile(self, user_context: UserExecutionContext, db_session: AsyncSession):",
    ).replace("user_context.db_session.", "db_session.")
    # the migrated caller passes its own session; the legacy one its context's
    assert "await service.get_user_profile(user_context, db_session=db)\n" in read(root, "app/routes.py")
    assert "get_user_profile(user_context, db_session=user_context.db_session)\n" in read(root, "app/legacy/old.py")
    assert "OtherService().get_user_profile(user_id)\n" in read(root, "app/routes.py")
    for name in ("app/profiles.py", "app/routes.py", "app/legacy/old.py"):
        compile(read(root, name), name, "exec")
    before = snapshot(root)
    assert ctxsep_process(root, "fix", "--unsafe-fixes", ".")[0] == 0
    assert snapshot(root) == before


def test_not_offered_when_a_call_site_cannot_be_resolved(tmp_path: Path) -> None:
    unknown = "async def somewhere(svc, ctx):\n    return await svc.get_user_profile(ctx)\n"
    root = make(tmp_path, **{"app/legacy/unknown.py": unknown})
    out = declined(root, "--unsafe-fixes", ".")
    assert "app/profiles.py:11: no session-parameter fix for 'get_user_profile': 1 call site needs a hand" in out
    assert "unknown.py:2" in out


def test_not_offered_when_too_many_files_call_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ctxsep.fixes.session_param.MAX_CALLER_FILES", 2)
    caller = "async def somewhere(svc, ctx):\n    return await svc.get_user_profile(ctx)\n"
    root = make(tmp_path, **{"app/legacy/a.py": caller, "app/legacy/b.py": caller})
    out = declined(root, "--unsafe-fixes", ".")
    assert "files call a function named 'get_user_profile'; more than 2 is too many to resolve" in out


def test_the_call_site_named_is_the_same_every_run(tmp_path: Path) -> None:
    # the project's files are searched in the collector's order, not a set's
    unknown = "async def somewhere(svc, ctx):\n    return await svc.get_user_profile(ctx)\n"
    root = make(tmp_path, **{f"app/legacy/{name}.py": unknown for name in ("zz", "aa", "mm", "kk", "cc")})
    out = declined(root, "--unsafe-fixes", ".")
    assert "needs a hand before a session parameter can be added (aa.py:2); 5 more calls" in out


EXISTING = """
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import UserExecutionContext


async def rename(user_context: UserExecutionContext, db: AsyncSession, name: str):
    await user_context.db_session.execute("update ...")  # the context's session
"""


def test_an_existing_session_parameter_is_reused_only_with_unsafe_fixes(tmp_path: Path) -> None:
    root = make(tmp_path, **{"app/existing.py": EXISTING})
    code, _, err = ctxsep(root, "fix", "--unsafe-fixes", "--select", "CTX005", "app/existing.py")
    assert code == 0, err
    assert read(root, "app/existing.py") == dedent(EXISTING).replace("user_context.db_session.execute", "db.execute")


def test_the_annotation_is_imported_the_way_the_project_imports_it(tmp_path: Path) -> None:
    profiles = dedent(PROFILES).replace("from sqlalchemy.ext.asyncio import AsyncSession\n", "")
    root = make(tmp_path, **{"app/profiles.py": profiles})
    code, out, err = ctxsep(root, "fix", "--unsafe-fixes", ".")
    assert code == 0, out + err
    text = read(root, "app/profiles.py")
    assert "from app.models import User\nfrom sqlalchemy.ext.asyncio import AsyncSession\n" in text
    assert "user_context: UserExecutionContext, db_session: AsyncSession):" in text


def test_not_offered_when_the_function_is_passed_around_or_decorated(tmp_path: Path) -> None:
    callback = "from app.profiles import LegacyUserService\n\nHANDLERS = [LegacyUserService.get_user_profile]\n"
    root = make(tmp_path, **{"app/registry.py": callback})
    out = declined(root, "--unsafe-fixes", ".")
    assert "'get_user_profile' is named without being called in 1 place" in out

    decorated = dedent(PROFILES).replace(
        "    async def get_user_profile", "    @cached\n    async def get_user_profile"
    )
    (tmp_path / "b").mkdir()
    root = make(tmp_path / "b", **{"app/profiles.py": decorated})
    out = declined(root, "--unsafe-fixes", ".")
    assert "no session-parameter fix for 'get_user_profile': it is decorated" in out


SCOPED = """
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import RequestScopedContext


async def load(context: RequestScopedContext):
    return await context.db_session.get("Profile", context.user_id)


async def route(context: RequestScopedContext, db: AsyncSession):
    return await load(context)
"""


def test_missing_db_parameter_gets_one(tmp_path: Path) -> None:
    root = make(tmp_path, **{"app/scoped.py": SCOPED})
    code, out, err = ctxsep(root, "check", "--no-cache", "app/scoped.py")
    assert "CTX003" in out, out + err
    code, out, err = ctxsep(root, "fix", "--unsafe-fixes", "--select", "CTX003", "app/scoped.py")
    assert code == 0, out + err
    assert "app/scoped.py: fixed 1 (CTX003 x1)" in out
    text = read(root, "app/scoped.py")
    assert "async def load(context: RequestScopedContext, db_session: AsyncSession):\n" in text
    assert 'return await db_session.get("Profile", context.user_id)\n' in text
    assert "return await load(context, db_session=db)\n" in text


def test_at_word_start_counts_what_a_leading_word_boundary_finds() -> None:
    """The call-site search counts matches at a word start without a
    leading ``\\b`` (much faster); the counts must be ``findall``'s, on
    hand-made edge cases and on real code (a sample of the stdlib)."""
    import glob
    import re

    from ctxsep.fixes.session_param import at_word_start

    texts = [
        "get(1) xget(2) _get(3) éget(4) 9get(5) get (6) get\n(7) .get(8) get_it(9) get",
        "def get(): pass\ndef  get ( ) : ...\nredef get(): pass\nundef get\nget",
        "ä(1) bä(2) ä ä_ äx(3)",
    ]
    stdlib = sorted(glob.glob(str(Path(re.__file__).parent.parent / "*.py")))[:40]
    texts += [Path(p).read_text(encoding="utf-8", errors="replace") for p in stdlib]
    for name in ("get", "process", "self", "ä", "_x", "def", "__init__", "read", "x1"):
        for template in (r"{}\s*\(", r"{}\b", r"def\s+{}\b"):
            fast = re.compile(template.format(re.escape(name)))
            slow = re.compile(r"\b" + template.format(re.escape(name)))
            for text in texts:
                assert at_word_start(fast, text) == len(slow.findall(text)), (name, template, text[:40])
