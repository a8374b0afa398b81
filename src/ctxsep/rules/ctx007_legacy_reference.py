from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator
from typing import ClassVar

from ctxsep.rules.base import Rule, RuleContext, defaults, source_text
from ctxsep.semantics import Category, QualifiedName, ScopeKind, import_base, parse_string_annotation
from ctxsep.semantics.vocabulary import Origin

_LEGACY = (Category.LEGACY_CONTEXT_TYPE, Category.LEGACY_CONSTRUCTOR)
_TYPE_CHECKS = frozenset({"isinstance", "issubclass"})


class LegacyReference(Rule):
    """
    ## What it does
    Finds every trace of the legacy API that CTX002 does not already report:
    each imported legacy name (at that name), annotations (also inside
    generics and string annotations, and every use of a same-file alias such
    as `MaybeLegacy = Optional[UserExecutionContext]`), `isinstance`/`issubclass` checks,
    base classes (reported once, at the `class` line), instantiation and
    classmethod calls of a legacy type, `__all__` entries, and the
    definitions themselves (`class UserExecutionContext`,
    `def create_user_execution_context`). Calls of the legacy constructor
    are CTX002's. Inside a legacy class's own body, references to the class
    itself are its plumbing and are not reported again. A `def`'s
    annotations, defaults and PEP 695 bounds are resolved where Python
    evaluates them, in the scope around the `def`: a body that re-imports
    the name locally does not hide them.

    It is off until the `final` phase.

    ## Why it matters
    `final` means the legacy code is gone. Any remaining import, annotation
    or type check keeps the legacy module alive and lets the old pattern creep
    back in through a helper nobody deleted.

    ## Example
    ```python
    from app.context import UserExecutionContext, RequestScopedContext

    def describe(context: UserExecutionContext | RequestScopedContext) -> str:
        return context.user_id
    ```

    ## Use instead
    ```python
    from app.context import RequestScopedContext

    def describe(context: RequestScopedContext) -> str:
        return context.user_id
    ```

    ## How to fix
    Delete the legacy branch (it should be dead once every caller is
    migrated), narrow the annotations to the request-scoped type, and remove
    the legacy definitions and their re-exports.

    ## Options
    - `names.legacy-context-types`, `names.legacy-constructors`: the legacy API.
    """

    code = "CTX007"
    symbol = "legacy-reference"
    summary = "any remaining trace of the legacy context API"
    message = "{what} legacy {kind} {name!r}; {fix}"
    defaults = defaults("off", "off", "off", "error")
    options = ("names.legacy-context-types", "names.legacy-constructors")
    valid: ClassVar[tuple[str, ...]] = (
        """
        from app.context import RequestScopedContext

        def describe(context: RequestScopedContext) -> str:
            return context.user_id
        """,
        """
        async def start(user_id: str):
            return create_user_execution_context(user_id=user_id)  # that call is CTX002's
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from app.context import UserExecutionContext, RequestScopedContext  # expect: CTX007@25

        def describe(context: "UserExecutionContext | RequestScopedContext") -> str:  # expect: CTX007@23
            if isinstance(context, UserExecutionContext):  # expect: CTX007@28
                return context.user_id
            return list[UserExecutionContext]()  # expect: CTX007@17
        """,
        """
        @dataclass(frozen=True)
        class UserExecutionContext:  # expect: CTX007@1
            user_id: str

            @classmethod
            def from_request(cls, request) -> "UserExecutionContext":
                return cls(user_id=request.user_id)

        class AuditedContext(UserExecutionContext):  # expect: CTX007@1
            pass

        def create_user_execution_context(user_id):  # expect: CTX007@1
            return UserExecutionContext.from_request(user_id)  # expect: CTX007@12

        __all__ = ["UserExecutionContext", "create_user_execution_context"]  # expect: CTX007@12, CTX007@36
        """,
    )

    # -- imports and definitions ------------------------------------------------

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx: RuleContext) -> None:
        # The imported name is what the statement spells, whatever the line
        # layout: ``from m import (\n    X,\n)`` imports ``m.X``.
        base, origin = import_base(node, ctx.sem.module.module_parts)
        for alias in node.names:
            if alias.name != "*":
                self._check_import(alias, QualifiedName((*base, alias.name), origin), ctx)

    def visit_Import(self, node: ast.Import, ctx: RuleContext) -> None:
        for alias in node.names:
            self._check_import(alias, QualifiedName(tuple(alias.name.split(".")), Origin.IMPORT), ctx)

    def _check_import(self, alias: ast.alias, qualified: QualifiedName, ctx: RuleContext) -> None:
        if not ctx.sem.vocab.might_match(qualified.last):
            return
        category = ctx.sem.vocab.match(qualified)
        if category in _LEGACY:
            self._report(alias, "imports", category, alias.name, ctx)

    def visit_ClassDef(self, node: ast.ClassDef, ctx: RuleContext) -> None:
        facts = ctx.sem.class_facts(node, ctx.scope)
        if facts.is_legacy_definition:
            derives = ctx.sem.vocab.match(ctx.sem.resolver.definition_name(node.name, ctx.scope)) is None
            self._report(node, "subclasses" if derives else "defines", Category.LEGACY_CONTEXT_TYPE, node.name, ctx)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: RuleContext) -> None:
        if ctx.sem.vocab.match(ctx.sem.resolver.definition_name(node.name, ctx.scope)) is Category.LEGACY_CONSTRUCTOR:
            self._report(node, "defines", Category.LEGACY_CONSTRUCTOR, node.name, ctx)
        self._check_string_annotations(node.returns, ctx)

    visit_AsyncFunctionDef = visit_FunctionDef

    # -- references ---------------------------------------------------------------

    def visit_Name(self, node: ast.Name | ast.Attribute, ctx: RuleContext) -> None:
        if ctx.sem.might_reference(node):
            with _in_signature_scope(node, ctx):
                self._check_reference(node, ctx)

    visit_Attribute = visit_Name

    def _check_reference(self, node: ast.Name | ast.Attribute, ctx: RuleContext) -> None:
        qualified = ctx.sem.qualified(node, ctx.scope)
        category = ctx.sem.vocab.match(qualified)
        if (
            category is not Category.LEGACY_CONTEXT_TYPE
            and self._local_legacy_class(node, ctx) is None
            and not self._legacy_type_alias(node, ctx)
        ):
            return  # not legacy, or a legacy constructor (CTX002 reports those)
        parent = ctx.parent
        if isinstance(parent, ast.ClassDef) and node in parent.bases:
            return  # reported once, at the class line
        if self._inside_own_class(source_text(node).rsplit(".", 1)[-1], ctx):
            return
        self._report(node, _describe_use(node, parent), Category.LEGACY_CONTEXT_TYPE, source_text(node), ctx)

    def _legacy_type_alias(self, node: ast.AST, ctx: RuleContext) -> bool:
        """A module-level alias of this file whose value is a legacy type
        wrapped in ``Optional``/``Union``/``Annotated``/``| None``
        (``LegacyOpt: TypeAlias = Optional[UserExecutionContext]``); a plain
        ``X = T`` alias already resolves to ``T``."""
        aliased = ctx.sem.resolver.alias_value(node, ctx.scope)
        if aliased is None or isinstance(aliased[0], (ast.Name, ast.Attribute)):
            return False
        value, scope = aliased
        return any(ref.category is Category.LEGACY_CONTEXT_TYPE for ref in ctx.sem.annotation_types(value, scope))

    def _local_legacy_class(self, node: ast.AST, ctx: RuleContext) -> ast.ClassDef | None:
        """A class of this file that derives from a legacy type."""
        if not isinstance(node, ast.Name):
            return None
        owner, binding = ctx.scope.lookup(node.id, None)
        if owner is None or binding is None or not isinstance(binding.node, ast.ClassDef):
            return None
        facts = ctx.sem.class_facts(binding.node, owner)
        return binding.node if facts.is_legacy_definition else None

    def _inside_own_class(self, name: str, ctx: RuleContext) -> bool:
        scope = ctx.scope
        while scope is not None:
            if scope.kind is ScopeKind.CLASS and getattr(scope.node, "name", None) == name:
                return True
            scope = scope.parent  # type: ignore[assignment]
        return False

    # -- string annotations and __all__ ------------------------------------------

    def visit_arg(self, node: ast.arg, ctx: RuleContext) -> None:
        if node.annotation is not None:
            with _in_signature_scope(node, ctx):
                self._check_string_annotations(node.annotation, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: RuleContext) -> None:
        self._check_string_annotations(node.annotation, ctx)

    def _check_string_annotations(self, annotation: ast.AST | None, ctx: RuleContext) -> None:
        if annotation is None:
            return
        for node in ast.walk(annotation):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            parsed = parse_string_annotation(node)
            if parsed is None:
                continue
            for inner in ast.walk(parsed):
                if (
                    isinstance(inner, (ast.Name, ast.Attribute))
                    and ctx.sem.vocab.match(ctx.sem.qualified(inner, ctx.scope)) is Category.LEGACY_CONTEXT_TYPE
                ):
                    if not self._inside_own_class(source_text(inner).rsplit(".", 1)[-1], ctx):
                        self._report(node, "annotation uses", Category.LEGACY_CONTEXT_TYPE, source_text(inner), ctx)
                    break

    def visit_Assign(self, node: ast.Assign, ctx: RuleContext) -> None:
        if ctx.scope.kind is not ScopeKind.MODULE:
            return
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            self._check_all(node.value, ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: RuleContext) -> None:
        if ctx.scope.kind is ScopeKind.MODULE and isinstance(node.target, ast.Name) and node.target.id == "__all__":
            self._check_all(node.value, ctx)

    def _check_all(self, value: ast.AST, ctx: RuleContext) -> None:
        if not isinstance(value, (ast.List, ast.Tuple)):
            return
        for elt in value.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str) and ctx.sem.vocab.might_match(elt.value):
                exported = ast.Name(elt.value, ast.Load())
                category = ctx.sem.vocab.match(ctx.sem.resolver.qualified(exported, ctx.scope, (1 << 30, 0)))
                if category in _LEGACY:
                    self._report(elt, "exports", category, elt.value, ctx)

    def _report(self, node: ast.AST, what: str, category: Category | None, name: str, ctx: RuleContext) -> None:
        kind = "constructor" if category is Category.LEGACY_CONSTRUCTOR else "context type"
        ctx.report(
            self,
            node,
            anchor=f"{what}:{name}",
            what=what,
            kind=kind,
            name=name,
            fix="the final phase allows no trace of the legacy API; remove it or use the request-scoped API",
        )


def _describe_use(node: ast.AST, parent: ast.AST | None) -> str:
    if isinstance(parent, ast.Call):
        if parent.func is node:
            return "instantiates"
        if isinstance(parent.func, ast.Name) and parent.func.id in _TYPE_CHECKS:
            return "type check against"
    if isinstance(parent, ast.Attribute):
        return "calls a classmethod of"
    return "references"


@contextlib.contextmanager
def _in_signature_scope(node: ast.AST, ctx: RuleContext) -> Iterator[None]:
    """Resolve ``node`` where Python evaluates it: a ``def``'s annotations and
    defaults in the scope around the ``def`` (``def f(c: UserExecutionContext)``
    whose body re-imports ``UserExecutionContext`` still names the outer one)."""
    inner = ctx.scope
    ctx.scope = ctx.sem.signature_scope(node, inner)
    try:
        yield
    finally:
        ctx.scope = inner
