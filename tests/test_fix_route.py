"""``ctxsep fix``: the route-handler fix (SPEC §11 fix 1) and the applier,
driven through the real CLI on fixture projects modelled on the guide."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from fixprojects import ROUTE_AFTER, ROUTE_BEFORE, ctxsep, ctxsep_process, declined, project, snapshot


def codes(root: Path, path: str) -> list[str]:
    code, out, err = ctxsep(root, "check", "--no-cache", "--format", "json", path)
    assert code in (0, 1), err
    return sorted(f["code"] for f in json.loads(out)["findings"])


def test_phase4_legacy_route_becomes_the_migrated_route(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    route = root / "app/routes/message.py"
    assert codes(root, "app/routes/message.py") == ["CTX001", "CTX002"]
    code, out, err = ctxsep_process(root, "fix", ".")
    assert code == 0, err
    assert "app/routes/message.py: fixed 2 (CTX001 x1, CTX002 x1)" in out
    assert "Fixed 2 findings in 1 file." in out
    # Byte for byte: the comments, the quotes, the trailing-comma-less
    # signature and every other line stay; the guide's migrated route is the
    # same body (it also renames the route and takes the context by Depends).
    assert route.read_text() == textwrap.dedent(ROUTE_AFTER).lstrip("\n")
    assert codes(root, "app/routes/message.py") == []
    compile(route.read_text(), str(route), "exec")
    # A fixed point: a second run changes nothing.
    before = snapshot(root)
    code, out, err = ctxsep_process(root, "fix", "--diff", ".")
    assert (code, out) == (0, ""), err
    assert "Would fix 0 findings in 0 files." in err
    assert snapshot(root) == before


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    before = snapshot(root)
    code, out, err = ctxsep_process(root, "fix", "--diff", "app")
    assert code == 1, err
    assert out.startswith("--- a/app/routes/message.py\n+++ b/app/routes/message.py\n")
    assert "+    return await message_service.process(user_context, db)\n" in out
    assert "-        db_session=db\n" in out
    assert snapshot(root) == before


RENAMED = """
from app.context import create_user_execution_context, get_request_scoped_user_context
from app.services.messages import message_service


async def on_connect(ws, db):
    ctx = create_user_execution_context(user_id=ws.user, thread_id="t", websocket_client_id=ws.id, db_session=db)
    await notify(ctx.websocket_client_id, ctx.user_id)
    rows = await ctx.db_session.execute("select 1")
    return await message_service.process(context=ctx)
"""

RENAMED_AFTER = """
from app.context import get_request_scoped_user_context
from app.services.messages import message_service


async def on_connect(ws, db):
    ctx = await get_request_scoped_user_context(user_id=ws.user, thread_id="t", websocket_connection_id=ws.id)
    await notify(ctx.websocket_connection_id, ctx.user_id)
    rows = await db.execute("select 1")
    return await message_service.process(context=ctx, db_session=db)
"""


def test_session_reads_renamed_fields_and_keyword_calls(tmp_path: Path) -> None:
    root = project(tmp_path, {"ws.py": RENAMED})
    code, out, err = ctxsep(root, "fix", ".")
    assert code == 0, err
    assert "fixed 3 (CTX001 x1, CTX002 x1, CTX005 x1)" in out
    # the factory was already imported: no second import
    assert (root / "app/routes/ws.py").read_text() == textwrap.dedent(RENAMED_AFTER).lstrip("\n")


BLOCKED = {
    "escapes.py": """
        from app.context import create_user_execution_context
        from app.services.messages import audit


        async def route(db):
            ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=db)
            audit(ctx)  # a legacy-only callee: the context escapes
        """,
    "sync.py": """
        from app.context import create_user_execution_context


        def route(db):
            ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=db)
            return ctx.user_id
        """,
    "rebound.py": """
        from app.context import create_user_execution_context


        async def route(db, other):
            ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=db)
            db = other
            return ctx.db_session
        """,
    "method.py": """
        from app.context import create_user_execution_context


        async def route(db):
            ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=db)
            return ctx.create_child_context()
        """,
    "unknown_field.py": """
        from app.context import create_user_execution_context


        async def route(db):
            ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=db)
            return ctx.run_id  # RequestScopedContext has no run_id
        """,
    "closure.py": """
        from app.context import create_user_execution_context


        async def route(db):
            ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=db)
            return lambda: ctx.user_id
        """,
}


def test_no_safe_fix_when_a_condition_does_not_hold(tmp_path: Path) -> None:
    root = project(tmp_path, BLOCKED)
    before = snapshot(root)
    code, out, err = ctxsep(root, "fix", "--unsafe-fixes", ".")
    assert code == 0, err
    assert "Fixed 0 findings in 0 files." in out
    assert snapshot(root) == before
    for name in BLOCKED:
        assert "CTX002" in codes(root, f"app/routes/{name}")


def test_select_ignore_and_shown_findings_only(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    before = snapshot(root)
    assert ctxsep(root, "fix", "--ignore", "CTX002,CTX001", ".")[0] == 0
    assert ctxsep(root, "fix", "--select", "CTX004", ".")[0] == 0
    assert snapshot(root) == before
    # suppressed: not shown, so not fixed
    route = root / "app/routes/message.py"
    route.write_text(
        route.read_text().replace(
            "= create_user_execution_context(", "= create_user_execution_context(  # ctxsep: ignore[CTX002]"
        )
    )
    before = snapshot(root)
    assert ctxsep(root, "fix", ".")[0] == 0
    assert snapshot(root) == before
    code, _, err = ctxsep(root, "fix", "--select", "CTX999", ".")
    assert code == 2 and "--select CTX999: matches no ctxsep rule" in err


STALE_V1 = """
from app.context import UserExecutionContext, create_user_execution_context


async def route(db, ctx: UserExecutionContext):
    return ctx.db_session
"""

STALE_V2 = """
from app.context import UserExecutionContext, create_user_execution_context


async def route(db):
    ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=db)
    return ctx.db_session
"""


def test_baselined_findings_are_not_fixed_and_entries_a_fix_removed_are_stale(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE, "stale.py": STALE_V1})
    assert ctxsep(root, "baseline", "create")[0] == 0
    before = snapshot(root)
    code, out, err = ctxsep(root, "fix", ".")
    assert (code, snapshot(root)) == (0, before), err  # everything is baselined: nothing to fix
    assert "Fixed 0 findings" in out
    # Now the legacy constructor is new (shown) while the session read is
    # still the baselined one: the fix removes both, so the entry is stale.
    (root / "app/routes/stale.py").write_text(textwrap.dedent(STALE_V2).lstrip("\n"))
    code, out, err = ctxsep(root, "fix", ".")
    assert code == 0, err
    assert "app/routes/stale.py: fixed 2 (CTX001 x1, CTX002 x1)" in out
    assert "1 baseline entry is now stale; `ctxsep baseline update` shrinks the baseline." in out
    assert "return db\n" in (root / "app/routes/stale.py").read_text()
    code, out, err = ctxsep(root, "baseline", "check")
    assert "stale" in out + err


def test_config_table_is_validated(tmp_path: Path) -> None:
    config = '[fix]\nscoped-factroy = "a.b"\nsession-parameter = "db"\nrenamed-fields = { a = 1 }\n'
    root = project(tmp_path, {"message.py": ROUTE_BEFORE}, config=config)
    code, _, err = ctxsep(root, "fix", ".")
    assert code == 2
    assert "[fix] 'scoped-factroy': unknown key (did you mean 'scoped-factory'?)" in err
    assert "[fix] 'session-parameter': must be 'name: Annotation'" in err
    assert "[fix.renamed-fields] 'a': must map an identifier to an identifier, not 1" in err
    code, _, err = ctxsep(root, "check", ".")
    assert code == 2 and "scoped-factroy" in err  # every command reads the same validated config
    (root / "ctxsep.toml").write_text('[fix]\nscoped-factory = "get_ctx"\n')
    code, _, err = ctxsep(root, "fix", ".")
    assert code == 2 and "[fix] 'scoped-factory': must be a dotted name 'package.module.function', not 'get_ctx'" in err
    assert snapshot(root)["app/routes/message.py"] == textwrap.dedent(ROUTE_BEFORE).lstrip("\n").encode()


def test_not_offered_when_the_scoped_factory_takes_no_such_argument(tmp_path: Path) -> None:
    route = ROUTE_BEFORE.replace("thread_id=request.thread_id,", 'thread_id=request.thread_id,\n        tenant="acme",')
    root = project(tmp_path, {"message.py": route})
    declined(root, ".")
