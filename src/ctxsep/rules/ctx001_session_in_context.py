from __future__ import annotations

import ast
from typing import ClassVar

from ctxsep.rules.base import Rule, RuleContext, defaults, source_text
from ctxsep.semantics.classes import session_attributes


class SessionInContext(Rule):
    """
    ## What it does
    Finds database sessions stored in a context: a context class that declares
    a session-typed field or binds ``self.<session>`` in its methods; a call of
    a context type, one of its classmethods, a legacy constructor or
    ``dataclasses.replace`` that passes a session keyword (``db_session=db``);
    and ``ctx.db_session = s``, ``setattr(ctx, "db_session", s)`` or
    ``object.__setattr__(ctx, "db_session", s)`` on a context.

    A context class's design is reported once per session attribute, where it
    is first declared; its own plumbing (``cls(db_session=...)`` inside its
    methods) is not reported again.

    ## Why it matters
    A session stored in a context lives as long as the context and travels
    wherever the context goes: into background tasks, child contexts and
    WebSocket handlers that outlive the request. That is how sessions leak and
    get shared between users. In the target design the context carries
    identifiers only and the session is a separate, request-scoped dependency.

    ## Example
    ```python
    user_context = create_user_execution_context(
        user_id=user_id, thread_id=thread_id, db_session=db,
    )
    ```

    ## Use instead
    ```python
    context = await get_request_scoped_user_context(user_id=user_id, thread_id=thread_id)
    await service.process(context, db)
    ```

    ## How to fix
    Drop the session keyword (or the field) and pass the session next to the
    context: ``process(context, db)``, with ``db: AsyncSession =
    Depends(get_db)`` in route handlers. ``db_session=None`` is allowed, and a
    WebSocket ``session_id`` string is not a session.

    ## Options
    - ``names.session-names``: the keyword, field and attribute names that hold a session.
    - ``names.session-types``: annotations that make a field session-typed.
    - ``names.legacy-context-types``, ``names.request-scoped-context-types``,
      ``names.legacy-constructors``: what counts as a context.
    """

    code = "CTX001"
    symbol = "session-in-context"
    summary = "a database session stored in a context"
    message = "{where} {what}; {fix}"
    defaults = defaults("off", "warn", "error", "error")
    options = (
        "names.session-names",
        "names.session-types",
        "names.legacy-context-types",
        "names.request-scoped-context-types",
        "names.legacy-constructors",
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        async def handler(user_id: str, db: AsyncSession = Depends(get_db)):
            context = await get_request_scoped_user_context(user_id=user_id, thread_id="t")
            return await service.process(context, db)
        """,
        """
        ctx = create_user_execution_context(user_id="u", thread_id="t", db_session=None)
        """,
        """
        @dataclass
        class RequestScopedContext:
            user_id: str
            websocket_session_id: str | None = None
            session_id: str = ""
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        ctx = create_user_execution_context(user_id="u", db_session=db)  # expect: CTX001@50
        """,
        """
        @dataclass(frozen=True)
        class UserExecutionContext:
            user_id: str
            db_session: Optional[AsyncSession] = None  # expect: CTX001@5
        """,
        """
        class EnhancedRequestScopedContext:
            def __init__(self, user_id: str, session) -> None:
                self.user_id = user_id
                self.session = session  # expect: CTX001@9
                self.session = None

            def child(self):
                return EnhancedRequestScopedContext(self.user_id, session=self.session)
        """,
        """
        def attach(context: RequestScopedContext, db: AsyncSession) -> None:
            context.db_session = db  # expect: CTX001@5
            setattr(context, "session", db)  # expect: CTX001@5
        """,
    )

    # -- a context class's own design ------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef, ctx: RuleContext) -> None:
        facts = ctx.sem.class_facts(node, ctx.scope)
        if not facts.context.is_context:
            return
        for attr, first in session_attributes(facts, ctx.sem.resolver):
            ctx.report(
                self,
                first,
                anchor=f"{node.name}.{attr}",
                where=f"context class {node.name!r}",
                what=f"declares session attribute {attr!r}",
                fix="a context carries identifiers only; pass the session as a separate parameter",
            )

    # -- sessions handed to a context --------------------------------------------

    def visit_Call(self, node: ast.Call, ctx: RuleContext) -> None:
        session_names = ctx.sem.vocab.session_names
        attr = _setattr_target(node)
        if attr is not None:
            target, name = attr
            if (
                name in session_names
                and not ctx.sem.is_own_self(target, ctx.scope)
                and ctx.sem.is_context(target, ctx.scope)
            ):
                ctx.report(
                    self,
                    node,
                    where=source_text(node.func),
                    what=f"stores session attribute {name!r} on a context",
                    fix="keep the session out of the context and pass it as a separate parameter",
                )
            return
        keywords = [
            kw
            for kw in node.keywords
            if kw.arg in session_names and not (isinstance(kw.value, ast.Constant) and kw.value.value is None)
        ]
        if not keywords:
            return
        evidence = ctx.sem.evidence
        if evidence.own_class_construction(node, ctx.scope) is not None:
            return  # the context class building itself: its design is reported once
        if not evidence.of_call(node, ctx.scope).is_context:
            return
        for kw in keywords:
            ctx.report(
                self,
                kw,
                where=f"{source_text(node.func)}(...)",
                what=f"receives session keyword '{kw.arg}={source_text(kw.value)}'",
                fix=f"create the context without a session and pass {source_text(kw.value)!r} separately",
            )

    def visit_Assign(self, node: ast.Assign, ctx: RuleContext) -> None:
        for target in node.targets:
            self._check_target(target, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: RuleContext) -> None:
        self._check_target(node.target, ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: RuleContext) -> None:
        self._check_target(node.target, ctx)

    def _check_target(self, target: ast.AST, ctx: RuleContext) -> None:
        if not (isinstance(target, ast.Attribute) and target.attr in ctx.sem.vocab.session_names):
            return
        if ctx.sem.is_own_self(target.value, ctx.scope):
            return  # ``self.db_session = ...`` in the class itself: reported with the class design
        if ctx.sem.is_context(target.value, ctx.scope):
            ctx.report(
                self,
                target,
                where=source_text(target),
                what="stores a session in a context",
                fix="keep the session out of the context and pass it as a separate parameter",
            )


def _setattr_target(node: ast.Call) -> tuple[ast.expr, str] | None:
    """(object, attribute name) for ``setattr(o, "x", v)`` and
    ``object.__setattr__(o, "x", v)`` with a literal name."""
    func = node.func
    is_setattr = (isinstance(func, ast.Name) and func.id == "setattr") or (
        isinstance(func, ast.Attribute) and func.attr == "__setattr__"
    )
    if not is_setattr or len(node.args) < 3:
        return None
    name = node.args[1]
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None
    return node.args[0], name.value
