from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import ClassVar

from ctxsep.rules.base import Rule, RuleContext, defaults, source_text
from ctxsep.semantics import Category, FileSemantics, Vocabulary
from ctxsep.semantics.classes import session_attributes

_KEEP_OUT = "keep the session out of the context and pass it as a separate parameter"


class SessionInContext(Rule):
    """
    ## What it does
    Finds database sessions stored in a context: a context class that declares
    a session-typed field or binds `self.<session>` in its methods; a call of
    a context type, one of its classmethods, a legacy constructor or
    `dataclasses.replace` that passes a session keyword (`db_session=db`)
    or a known session positionally (`UserExecutionContext(user_id, db)`); a
    `context-methods` call on a context that passes a known session
    (`ctx.with_db_session(s)`: a method putting a session into a context);
    and `ctx.db_session = s`, `setattr(ctx, "db_session", s)` or
    `object.__setattr__(ctx, "db_session", s)` on a context.

    A context class's design is reported once per session attribute, where it
    is first declared; its own plumbing (`cls(db_session=...)` inside its
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
    context: `process(context, db)`, with `db: AsyncSession =
    Depends(get_db)` in route handlers. `db_session=None` is allowed, and a
    WebSocket `session_id` string is not a session.

    ## Options
    - `names.session-names`: the keyword, field and attribute names that hold a session.
    - `names.session-types`: annotations that make a field session-typed.
    - `names.legacy-context-types`, `names.request-scoped-context-types`,
      `names.legacy-constructors`: what counts as a context.
    - `names.context-methods`: methods that return a context when called on
      one (`with_db_session`); passing them a known session is reported.
    """

    code = "CTX001"
    symbol = "session-in-context"
    type_exact = True
    summary = "a database session stored in a context"
    message = "{where} {what}; {fix}"
    defaults = defaults("off", "warn", "error", "error")
    options = (
        "names.session-names",
        "names.session-types",
        "names.legacy-context-types",
        "names.request-scoped-context-types",
        "names.legacy-constructors",
        "names.context-methods",
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
            ctx.report(self, first, anchor=self.field_anchor(node.name, attr), **self.field_fields(node.name, attr))

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
                ctx.report(self, node, **self.setattr_fields(source_text(node.func), name))
            return
        sem = ctx.sem
        evidence = sem.evidence
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in sem.vocab.context_methods
            and (node.args or node.keywords)
            and not sem.is_own_self(func.value, ctx.scope)
            and sem.is_context(func.value, ctx.scope)
        ):
            # ``ctx.with_db_session(s)``: a method putting a known session into a context
            for kw in node.keywords:
                if kw.arg is not None and evidence.of(kw.value, ctx.scope).session:
                    ctx.report(self, kw, **self.argument_fields(source_text(func), kw.arg, source_text(kw.value)))
            sessions = [a for a in node.args if not isinstance(a, ast.Starred) and evidence.of(a, ctx.scope).session]
            self._report_positional(func, sessions, ctx)
            return
        keywords = [
            kw
            for kw in node.keywords
            if kw.arg in session_names and not (isinstance(kw.value, ast.Constant) and kw.value.value is None)
        ]
        # A known session passed positionally (a name or attribute: ``db``, ``self.session``),
        # asked only of a call whose callee could build a context.
        positional = (
            [a for a in node.args if isinstance(a, (ast.Name, ast.Attribute)) and evidence.of(a, ctx.scope).session]
            if node.args and _may_build(func, sem)
            else []
        )
        if not keywords and not positional:
            return
        if evidence.own_class_construction(node, ctx.scope) is not None:
            return  # the context class building itself: its design is reported once
        if not evidence.of_call(node, ctx.scope, follow=False).is_context:
            return
        for kw in keywords:
            ctx.report(self, kw, **self.argument_fields(source_text(func), kw.arg, source_text(kw.value)))
        self._report_positional(func, positional, ctx)

    def _report_positional(self, func: ast.expr, args: Sequence[ast.expr], ctx: RuleContext) -> None:
        """Each of ``args``: a known session passed positionally to ``func``."""
        for arg in args:
            ctx.report(self, arg, **self.argument_fields(source_text(func), None, source_text(arg)))

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
            ctx.report(self, target, **self.write_fields(source_text(target)))

    # -- the messages, for the AST visits above and for front ends that find a
    # -- case themselves (the mypy plugin's type-exact cases) ---------------------

    @staticmethod
    def field_fields(class_name: str, attr: str) -> dict[str, str]:
        """A context class declaring a session attribute."""
        return {
            "where": f"context class {class_name!r}",
            "what": f"declares session attribute {attr!r}",
            "fix": "a context carries identifiers only; pass the session as a separate parameter",
        }

    @staticmethod
    def field_anchor(class_name: str, attr: str) -> str:
        """The baseline anchor of a class's session attribute (line-independent)."""
        return f"{class_name}.{attr}"

    @staticmethod
    def argument_fields(callee: str, keyword: str | None, value: str) -> dict[str, str]:
        """A session handed to a context's constructor, its classmethod, a
        legacy constructor or ``dataclasses.replace``; ``keyword`` is None for
        a session passed positionally (only types show that one)."""
        what = (
            f"receives session keyword '{keyword}={value}'"
            if keyword is not None
            else f"receives session {value!r} as a positional argument"
        )
        return {
            "where": f"{callee}(...)",
            "what": what,
            "fix": f"create the context without a session and pass {value!r} separately",
        }

    @staticmethod
    def setattr_fields(function: str, attr: str) -> dict[str, str]:
        """``setattr(ctx, "db_session", s)`` and ``object.__setattr__(...)``."""
        return {
            "where": function,
            "what": f"stores session attribute {attr!r} on a context",
            "fix": _KEEP_OUT,
        }

    @staticmethod
    def write_fields(target: str) -> dict[str, str]:
        """``ctx.db_session = s``."""
        return {"where": target, "what": "stores a session in a context", "fix": _KEEP_OUT}

    @staticmethod
    def is_session_attribute(name: str, type_fullnames: tuple[str, ...], vocab: Vocabulary) -> bool:
        """An attribute holds a session when it has a session name, or (as a
        type-aware host sees it) a declared type that is a session type."""
        if name in vocab.session_names:
            return True
        return any(vocab.match_fullname(t) is Category.SESSION_TYPE for t in type_fullnames)


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


def _may_build(func: ast.expr, sem: FileSemantics) -> bool:
    """A cheap, safe test before asking whether a call builds a context (what
    ``of_call(follow=False)`` can answer yes to): the callee, or the owner of
    a classmethod, is one of the file's ``type_names`` (a vocabulary name, a
    module-level class, alias or renamed import of one), or ``replace``."""
    if isinstance(func, ast.Name):
        return func.id == "replace" or func.id in sem.type_names()
    if isinstance(func, ast.Attribute):
        if func.attr == "replace" or sem.vocab.might_match(func.attr):
            return True
        owner = func.value
        if isinstance(owner, ast.Name):
            return owner.id in sem.type_names()
        return isinstance(owner, ast.Attribute) and sem.vocab.might_match(owner.attr)
    return False
