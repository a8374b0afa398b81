from __future__ import annotations

import ast
from typing import ClassVar

from ctxsep.rules.base import Rule, RuleContext, defaults, source_text
from ctxsep.semantics import Category, Vocabulary


class LegacyContextConstructor(Rule):
    """
    ## What it does
    Finds every call of a legacy context constructor
    (`create_user_execution_context(...)`) and every reference to one as a
    value (`Depends(create_user_execution_context)`, `make = create_user_execution_context`).
    A bare configured name also matches attribute calls
    (`factory.create_user_execution_context(...)`); a dotted one matches only
    what resolves to it through imports. The constructor's own `def` is not
    reported here (CTX007 reports definitions in the final phase).

    ## Why it matters
    The legacy constructor is where sessions enter contexts. As long as code
    calls it, the context keeps carrying a session and every consumer keeps
    reading `user_context.db_session`. Counting its calls per directory is
    also how the migration measures progress (`ctxsep report`).

    ## Example
    ```python
    @router.post("/message")
    async def post_message(body: MessageIn, db: AsyncSession = Depends(get_db)):
        user_context = create_user_execution_context(user_id=body.user_id, thread_id=body.thread_id, db_session=db)
        return await message_service.process(user_context)
    ```

    ## Use instead
    ```python
    @router.post("/v2/message")
    async def post_message(
        body: MessageIn,
        context: RequestScopedContext = Depends(get_request_scoped_user_context),
        db: AsyncSession = Depends(get_db),
    ):
        return await message_service.process(context, db)
    ```

    ## How to fix
    Obtain the context from `get_request_scoped_user_context(...)` (awaited,
    or as a FastAPI dependency) and pass the session separately.

    ## Options
    - `names.legacy-constructors`: the constructors to report.
    - `names.scoped-context-factories`: named in the message as the replacement.
    """

    code = "CTX002"
    symbol = "legacy-context-constructor"
    type_exact = True
    summary = "a call of, or reference to, the legacy context constructor"
    message = "{what} legacy constructor {name!r}{via}; use '{replacement}(...)' and pass the session separately"
    defaults = defaults("off", "warn", "error", "error")
    options = ("names.legacy-constructors", "names.scoped-context-factories")
    valid: ClassVar[tuple[str, ...]] = (
        """
        def create_user_execution_context(user_id, thread_id, db_session=None):
            return UserExecutionContext(user_id=user_id, thread_id=thread_id)
        """,
        """
        from app.context import get_request_scoped_user_context

        async def handler(user_id: str):
            return await get_request_scoped_user_context(user_id=user_id, thread_id="t")
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from app.context import create_user_execution_context as make_context

        ctx = make_context(user_id="u", thread_id="t")  # expect: CTX002@7
        """,
        """
        import app.context

        async def route(context=Depends(app.context.create_user_execution_context)):  # expect: CTX002@33
            return context
        """,
        """
        ctx = self.factory.create_user_execution_context(user_id="u")  # expect: CTX002@7
        """,
    )

    def visit_Name(self, node: ast.Name | ast.Attribute, ctx: RuleContext) -> None:
        if ctx.sem.might_reference(node):
            self._check(node, ctx)

    visit_Attribute = visit_Name

    def _check(self, node: ast.Name | ast.Attribute, ctx: RuleContext) -> None:
        if ctx.sem.category(node, ctx.scope) is not Category.LEGACY_CONSTRUCTOR:
            return
        called = isinstance(ctx.parent, ast.Call) and ctx.parent.func is node
        ctx.report(self, node, **self.fields(source_text(node), called, ctx.sem.vocab))

    @staticmethod
    def fields(name: str, called: bool, vocab: Vocabulary, resolves_to: str | None = None) -> dict[str, str]:
        """The message fields for a call of (or reference to) ``name``. A
        host that saw through an alias or a re-export passes what ``name``
        ``resolves_to`` (``app.context.create_user_execution_context``); it is
        named when the spelling at the call site does not show it."""
        via = ""
        if resolves_to is not None and resolves_to.rsplit(".", 1)[-1] != name.rsplit(".", 1)[-1]:
            via = f" (an alias of {resolves_to!r})"
        return {
            "what": "call of" if called else "reference to",
            "name": name,
            "via": via,
            "replacement": vocab.display(Category.SCOPED_FACTORY),
        }
