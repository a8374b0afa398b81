from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from ctxsep.rules.base import Rule, RuleContext, defaults, source_text

#: Method names that mutate the builtin containers a context holds.
MUTATING_METHODS = frozenset(
    {"update", "append", "extend", "insert", "setdefault", "pop", "popitem", "clear", "remove", "add", "discard"}
)
_SETATTR_LIKE = frozenset({"setattr", "delattr", "__setattr__", "__delattr__"})


class ContextMutation(Rule):
    """
    ## What it does
    Finds writes through a context after it was built: an assignment,
    augmented assignment or `del` whose target is reached from a context
    (`ctx.a = …`, `ctx.a[k] = …`, `ctx.a.b = …`, `del ctx.a[k]`,
    `ctx.__dict__[k] = …`), `setattr`/`delattr`/`object.__setattr__` on
    a context, and a mutating method call on anything reached from a context
    (`ctx.a.update(…)`, `ctx.a[k].append(…)`; the methods are `update`,
    `append`, `extend`, `insert`, `setdefault`, `pop`, `popitem`,
    `clear`, `remove`, `add` and `discard`).

    Not reported: the context class's own `self`/`cls` inside its body,
    `dataclasses.replace`, rebinding `self.context` itself, session
    attributes (writing those is CTX001; calls on a session read from a
    context are not context state), and writes inside a
    `with pytest.raises(...)` or `with self.assertRaises(...)` block (a
    test that the context is immutable).

    ## Why it matters
    `RequestScopedContext` is a plain mutable dataclass shared by everything
    handling one request, and the legacy context is frozen: code that writes
    into a context either crashes on the frozen one or leaks state between
    the services that share the mutable one. Treating contexts as values keeps
    the bridge period safe for both.

    ## Example
    ```python
    async def tag(context: RequestScopedContext, operation: str) -> None:
        context.agent_context["operation"] = operation
    ```

    ## Use instead
    ```python
    async def tag(context: RequestScopedContext, operation: str) -> RequestScopedContext:
        return dataclasses.replace(context, agent_context={**context.agent_context, "operation": operation})
    ```

    ## How to fix
    Build a new context with `dataclasses.replace` (or the context's own
    `create_child_context`), or keep the changing state in a separate object
    that is passed next to the context.

    ## Options
    - `names.legacy-context-types`, `names.request-scoped-context-types`,
      `names.legacy-constructors`, `names.scoped-context-factories`: what counts as a context.
    - `names.session-names`: attributes excluded because writing them is CTX001.
    - `names.context-methods`, `names.context-scopes`: calls and `with`
      blocks that give a context (`child = ctx.create_child_context(...)`).
    """

    code = "CTX004"
    symbol = "context-mutation"
    type_exact = True
    summary = "a write through a context after construction"
    message = "{what} mutates a {context_type} after construction; {fix}"
    defaults = defaults("off", "warn", "error", "error")
    options = (
        "names.legacy-context-types",
        "names.request-scoped-context-types",
        "names.legacy-constructors",
        "names.scoped-context-factories",
        "names.session-names",
        "names.context-methods",
        "names.context-scopes",
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        @dataclass
        class RequestScopedContext:
            user_id: str
            tags: dict = field(default_factory=dict)

            def __post_init__(self):
                self.tags["created"] = True
                object.__setattr__(self, "user_id", self.user_id.strip())
        """,
        """
        class Handler:
            def __init__(self, context: RequestScopedContext):
                self.context = context

            def rebind(self, other: RequestScopedContext):
                self.context = other
                return dataclasses.replace(self.context, run_id="r2")
        """,
        """
        async def run(context: RequestScopedContext, db: AsyncSession):
            context.db_session.add(row)
            options.update(context.flags)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        async def handle(context: RequestScopedContext, db: AsyncSession):
            context.run_id = "r2"  # expect: CTX004@5
            context.metadata["step"] += 1  # expect: CTX004@5
            del context.metadata["tmp"]  # expect: CTX004@9
            context.history.append("handled")  # expect: CTX004@5
        """,
        """
        class Agent:
            def __init__(self, context: RequestScopedContext):
                self.context = context

            def mark(self):
                self.context.agent_context.update(step=2)  # expect: CTX004@9
                setattr(self.context, "run_id", "r3")  # expect: CTX004@9
        """,
        """
        @dataclass
        class EnhancedRequestScopedContext:
            user_id: str
            operation_depth: int = 0

            def create_child_context(self):
                child = EnhancedRequestScopedContext(self.user_id)
                child.operation_depth = self.operation_depth + 1  # expect: CTX004@9
                return child
        """,
    )

    def visit_Assign(self, node: ast.Assign, ctx: RuleContext) -> None:
        for target in node.targets:
            self._check_targets(target, "assignment to", ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: RuleContext) -> None:
        self._check_targets(node.target, "augmented assignment to", ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: RuleContext) -> None:
        if node.value is not None:
            self._check_targets(node.target, "assignment to", ctx)

    def visit_Delete(self, node: ast.Delete, ctx: RuleContext) -> None:
        for target in node.targets:
            self._check_targets(target, "deletion of", ctx)

    def _check_targets(self, target: ast.AST, what: str, ctx: RuleContext) -> None:
        for single in _unpack(target):
            if not isinstance(single, (ast.Attribute, ast.Subscript)):
                continue
            if (
                isinstance(single, ast.Attribute)
                and single.attr in ctx.sem.vocab.session_names
                and ctx.sem.is_context(single.value, ctx.scope)
            ):
                continue  # a session written into a context is CTX001
            context = self.context_in_chain(single.value, ctx)
            if context is not None:
                self._report(single, f"{what} {source_text(single)!r}", context, ctx)

    def visit_Call(self, node: ast.Call, ctx: RuleContext) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in _SETATTR_LIKE:
            self._check_setattr(node, name, ctx)
        elif name in MUTATING_METHODS and isinstance(func, ast.Attribute):
            receiver = func.value
            if isinstance(receiver, (ast.Attribute, ast.Subscript)):
                if (
                    isinstance(receiver, ast.Attribute)
                    and receiver.attr in ctx.sem.vocab.session_names
                    and ctx.sem.is_context(receiver.value, ctx.scope)
                ):
                    return  # a session read out of a context is not context state
                context = self.context_in_chain(receiver.value, ctx)
                if context is not None:
                    self._report(node, f"'{source_text(receiver)}.{name}()'", context, ctx)

    def _check_setattr(self, node: ast.Call, name: str, ctx: RuleContext) -> None:
        if isinstance(node.func, ast.Attribute) and not (
            isinstance(node.func.value, ast.Name) and node.func.value.id == "object"
        ):
            return  # ``x.__setattr__(...)`` on an arbitrary object: only ``object.__setattr__`` is known
        if not node.args:
            return
        target = node.args[0]
        attr = node.args[1] if len(node.args) > 1 else None
        if isinstance(attr, ast.Constant) and attr.value in ctx.sem.vocab.session_names:
            return  # CTX001
        if ctx.sem.is_own_self(target, ctx.scope):
            return
        if ctx.sem.is_context(target, ctx.scope):
            self._report(node, f"'{source_text(node.func)}({source_text(target)}, ...)'", target, ctx)

    def context_in_chain(self, start: ast.AST, ctx: RuleContext) -> ast.AST | None:
        """The context that ``start`` is, or is reached from through
        attributes and subscripts; None when the chain passes through the
        context class's own ``self``/``cls`` or a session attribute."""
        sem = ctx.sem
        node: ast.AST = start
        while True:
            if sem.is_own_self(node, ctx.scope):
                return None
            if sem.is_context(node, ctx.scope):
                return node
            if isinstance(node, ast.Attribute):
                if node.attr in sem.vocab.session_names and sem.is_context(node.value, ctx.scope):
                    return None
                node = node.value
            elif isinstance(node, ast.Subscript):
                node = node.value
            else:
                return None

    def _report(self, node: ast.AST, what: str, context: ast.AST, ctx: RuleContext) -> None:
        if ctx.sem.in_raises_block(node):
            return  # a test that the context is immutable
        evidence = ctx.sem.of(context, ctx.scope)
        ctx.report(self, node, **self.fields(what, evidence.type_name))

    @staticmethod
    def fields(what: str, context_type: str | None) -> dict[str, str]:
        """``what`` says how (``assignment to 'ctx.run_id'``, ``'ctx.tags.append()'``)."""
        return {
            "what": what,
            "context_type": context_type or "context",
            "fix": "build a new context with dataclasses.replace() or keep this state outside the context",
        }


def _unpack(target: ast.AST) -> Iterator[ast.AST]:
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(reversed(node.elts))
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
        else:
            yield node
