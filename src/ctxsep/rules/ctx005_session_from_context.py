from __future__ import annotations

import ast
from typing import ClassVar

from ctxsep.rules.base import Rule, RuleContext, defaults, source_text
from ctxsep.semantics import Category, Vocabulary, session_getattr

#: The rule that takes precedence over this one on the same read (SPEC §3).
_DEFERS_TO = "CTX003"


class SessionFromContext(Rule):
    """
    ## What it does
    Finds reads of a session out of a context: `user_context.db_session`,
    `self.user_context.session`, `getattr(ctx, "db_session", None)`.
    A read that CTX003 already reports (the function takes a request-scoped
    context and has no session parameter) is not reported again here, and a
    context class reading its own `self.db_session` is its own plumbing.

    ## Why it matters
    Every read of `context.db_session` is a consumer that still depends on
    the session travelling inside the context. Until those reads are gone the
    session cannot be taken out of the context, and each one hides which
    session (and which transaction) the code really uses.

    ## Example
    ```python
    async def get_profile(user_context: UserExecutionContext):
        return await user_context.db_session.get(User, user_context.user_id)
    ```

    ## Use instead
    ```python
    async def get_profile(context: RequestScopedContext, db: AsyncSession):
        return await db.get(User, context.user_id)
    ```

    ## How to fix
    Take the session as a parameter next to the context and use it; during the
    bridge period a dual-pattern service may split a legacy context once, at
    its entry point, and pass the session on explicitly.

    ## Options
    - `names.session-names`: the attribute names that hold a session.
    - `names.legacy-context-types`, `names.request-scoped-context-types`,
      `names.legacy-constructors`, `names.scoped-context-factories`: what counts as a context.
    """

    code = "CTX005"
    symbol = "session-from-context"
    type_exact = True
    summary = "a session read out of a context"
    message = "reads session {access!r} out of a {context_type}; take a '{param}: {session_type}' parameter instead"
    defaults = defaults("off", "warn", "error", "error")
    options = (
        "names.session-names",
        "names.legacy-context-types",
        "names.request-scoped-context-types",
        "names.legacy-constructors",
        "names.scoped-context-factories",
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        async def process(context: RequestScopedContext, db: AsyncSession):
            return await db.execute(query(context.user_id, context.websocket_session_id))
        """,
        """
        async def process_message(context: RequestScopedContext):  # reported by CTX003 instead
            return await context.db_session.execute(query())
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        async def process_legacy(user_context: UserExecutionContext):
            async with user_context.db_session.begin():  # expect: CTX005@16
                return await user_context.db_session.get(User, user_context.user_id)  # expect: CTX005@22
        """,
        """
        class WebSocketHandler:
            def __init__(self, user_context: UserExecutionContext):
                self.user_context = user_context

            async def handle(self, message: dict):
                session = getattr(self.user_context, "db_session", None)  # expect: CTX005@19
                return await query_database(session)
        """,
    )

    def visit_Attribute(self, node: ast.Attribute, ctx: RuleContext) -> None:
        if not isinstance(node.ctx, ast.Load) or node.attr not in ctx.sem.vocab.session_names:
            return
        self._check(node, node.value, ctx)

    def visit_Call(self, node: ast.Call, ctx: RuleContext) -> None:
        if session_getattr(node, ctx.scope, ctx.sem.evidence):
            self._check(node, node.args[0], ctx)

    def _check(self, node: ast.AST, context: ast.AST, ctx: RuleContext) -> None:
        sem = ctx.sem
        if sem.is_own_self(context, ctx.scope):
            return
        evidence = sem.of(context, ctx.scope)
        if not evidence.is_context or self._reported_by_ctx003(node, ctx):
            return
        ctx.report(self, node, **self.fields(source_text(node), evidence.type_name, sem.vocab))

    @staticmethod
    def fields(access: str, context_type: str | None, vocab: Vocabulary) -> dict[str, str]:
        """``access`` is the read as written (``user_context.db_session``)."""
        return {
            "access": access,
            "context_type": context_type or "context",
            "param": vocab.session_name_list[0] if vocab.session_name_list else "db",
            "session_type": vocab.display(Category.SESSION_TYPE),
        }

    def _reported_by_ctx003(self, node: ast.AST, ctx: RuleContext) -> bool:
        if not ctx.enabled(_DEFERS_TO):
            return False
        function = ctx.scope.enclosing_function()
        if function is None:
            return False
        facts = ctx.sem.function_facts(function)
        return facts.missing_db_parameter and any(access.node is node for access in facts.accesses)
