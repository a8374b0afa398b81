from __future__ import annotations

import ast
from typing import ClassVar

from ctxsep.rules.base import Rule, RuleContext, defaults
from ctxsep.semantics import Category, ContextKind


class MissingDbParameter(Rule):
    """
    ## What it does
    Finds a function that takes a request-scoped context but no session
    parameter, and still gets a session from somewhere else: reading
    `context.db_session` (or `getattr(context, "db_session")`),
    `self.db_session`/`self.session`, a module-level name in the session
    names, or an enclosing function's variable known to be a session.

    It is reported once per function, at its `def` line, naming the first
    offending access. A function that opens its own session from a session
    factory (`async with get_db() as db`) is fine; nested functions are
    judged on their own; a closure variable merely *named* `session` with no
    evidence that it is one does not count.

    ## Why it matters
    A migrated service takes `(context, db)`: the caller owns the session and
    its transaction. A service that takes the new context but still fishes a
    session out of the context, a global or `self` keeps the old coupling
    under a new signature: the session's lifetime is invisible at the call
    site, and a request-scoped context never carries a session at all, so the
    read fails at runtime or silently uses the wrong session.

    ## Example
    ```python
    async def process_message(context: RequestScopedContext, message: dict):
        return await context.db_session.execute(select(Message))
    ```

    ## Use instead
    ```python
    async def process_message(context: RequestScopedContext, message: dict, db: AsyncSession):
        return await db.execute(select(Message))
    ```

    ## How to fix
    Add a session parameter (`db: AsyncSession`; `Depends(get_db)` in a
    route) and use it instead of the session read from elsewhere; update the
    callers to pass their session.

    ## Options
    - `names.request-scoped-context-types`, `names.scoped-context-factories`:
      what makes a parameter a request-scoped context (also as the bound of a
      PEP 695 type parameter: `def g[T: RequestScopedContext](context: T)`).
    - `names.session-names`, `names.session-types`, `names.session-factories`:
      what counts as a session parameter, a session read, or opening one's own session.
    """

    code = "CTX003"
    symbol = "missing-db-parameter"
    summary = "a function taking a request-scoped context gets its session from elsewhere"
    message = "{name!r} takes a {context_type} but reads {access!r}; add a '{param}: {session_type}' parameter"
    defaults = defaults("warn", "error", "error", "error")
    # Only a parameter with request-scoped evidence (``FunctionFacts.scoped_param``)
    # starts a finding; legacy names and context scopes never give that kind.
    context_kinds = ContextKind.SCOPED
    options = (
        "names.request-scoped-context-types",
        "names.scoped-context-factories",
        "names.session-names",
        "names.session-types",
        "names.session-factories",
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        async def process(context: RequestScopedContext, db: AsyncSession):
            return await db.execute(query(context.user_id))
        """,
        """
        async def handle(context: RequestScopedContext):
            async with get_user_scoped_db_session(context.user_id) as session:
                return await session.execute(query())
        """,
        """
        def outer(context: RequestScopedContext, session):
            def inner():
                return session.execute(query())
            return inner
        """,
        """
        def build(context: RequestScopedContext):
            session = make_http_session()
            def inner(ctx: RequestScopedContext):
                return session.get(ctx.user_id)
            return inner
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        async def process_message(context: RequestScopedContext, message: dict):  # expect: CTX003@1
            user = await context.db_session.get(User, context.user_id)
            return user
        """,
        """
        class MessageService:
            def __init__(self, db_session: AsyncSession):
                self.db_session = db_session

            async def handle(self, context: RequestScopedContext):  # expect: CTX003@5
                return await self.db_session.execute(query(context.user_id))
        """,
        """
        session = SessionLocal()

        def load(context=Depends(get_request_scoped_user_context)):  # expect: CTX003@1
            return session.query(User).get(context.user_id)
        """,
        """
        async def route(db: AsyncSession = Depends(get_db)):
            async def job(context: RequestScopedContext):  # expect: CTX003@5
                await db.commit()
            return job
        """,
    )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: RuleContext) -> None:
        facts = ctx.sem.function_facts(ctx.sem.scope_of(node, ctx.scope))
        if not facts.missing_db_parameter:
            return
        vocab = ctx.sem.vocab
        first = facts.accesses[0]
        ctx.report(
            self,
            node,
            anchor=f"{node.name}:{first.text}",
            name=node.name,
            context_type=facts.scoped_type,
            access=first.text,
            param=vocab.session_name_list[0] if vocab.session_name_list else "db",
            session_type=vocab.display(Category.SESSION_TYPE),
        )

    visit_AsyncFunctionDef = visit_FunctionDef
