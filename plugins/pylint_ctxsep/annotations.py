"""Parameter annotations as CTX006 needs them: the qualified names of a
union's members, read from astroid's tree *without* value inference.

astroid infers values, not types: inferring ``Union[A, B]`` yields typing's
internals, and a parameter annotated ``ctx: A`` infers to nothing. So an
annotation is resolved the way a reader resolves it: the first name of each
dotted reference is looked up (``lookup``) from where the annotation is
written, and the binding found is followed one step — an import gives the
module and original name (relative imports made absolute) without loading the
module; a class gives its ``qname()``, or that of the context type it derives
from (its bases resolved the same way); a same-module alias
(``AnyContext = Union[...]``, ``X: TypeAlias = ...``, ``type X = ...``) is
expanded. ``Optional``/``Union``/``X | Y``/``Annotated[T, ...]`` and string
annotations are taken apart. Anything else becomes ``?``, which no
vocabulary entry matches.

The annotation's source text (``as_string()``) is parsed with the standard
``ast`` module, so written and string annotations go through one code path;
names are still looked up in astroid's scopes from the annotation's node.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import cast

from astroid import nodes
from astroid.exceptions import AstroidError
from astroid.nodes._base_nodes import LookupMixIn

#: A member that cannot be pinned down; matches no vocabulary entry.
UNKNOWN = "?"
_UNION = frozenset({"typing.Union", "typing_extensions.Union", "Union"})
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional", "Optional"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated", "Annotated"})
#: Alias chains and nested string annotations deeper than this are unknown.
_MAX_DEPTH = 8

#: Whether a qualified class name is a context type (a subclass of one counts).
IsContextType = Callable[[str], bool]
#: What astroid raises when it cannot resolve something: the answer is "unknown".
ASTROID_FAILURES = (AstroidError, RecursionError)


def lookup(anchor: nodes.NodeNG, name: str) -> list[nodes.NodeNG]:
    """The bindings of ``name`` visible where ``anchor`` sits (any node, not
    only names: ``scope_lookup`` uses the node only for its position)."""
    _, bindings = anchor.scope().scope_lookup(cast(LookupMixIn, anchor), name)
    return bindings


def union_members(annotation: nodes.NodeNG, is_context_type: IsContextType) -> tuple[str, ...]:
    """The qualified names of the types ``annotation`` allows (``None`` left
    out), e.g. ``("app.ctx.UserExecutionContext", "app.ctx.RequestScopedContext")``."""
    resolver = _Resolver(is_context_type)
    return tuple(resolver.members(_parse(annotation.as_string()), annotation, 0))


def _parse(text: str) -> ast.expr | None:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _dotted(expr: ast.expr) -> tuple[str, ...] | None:
    """``a.b.C`` -> ("a", "b", "C"); None for anything that is not a dotted name."""
    if isinstance(expr, ast.Name):
        return (expr.id,)
    if isinstance(expr, ast.Attribute):
        base = _dotted(expr.value)
        return None if base is None else (*base, expr.attr)
    return None


class _Resolver:
    def __init__(self, is_context_type: IsContextType) -> None:
        self.is_context_type = is_context_type

    def members(self, expr: ast.expr | None, anchor: nodes.NodeNG, depth: int) -> list[str]:
        if expr is None or depth > _MAX_DEPTH:
            return [UNKNOWN]
        if isinstance(expr, ast.Constant):
            if expr.value is None:
                return []
            if isinstance(expr.value, str):  # a string annotation, resolved where it is written
                return self.members(_parse(expr.value), anchor, depth + 1)
            return [UNKNOWN]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            return self.members(expr.left, anchor, depth) + self.members(expr.right, anchor, depth)
        if isinstance(expr, ast.Subscript):
            origin = self.qualify(expr.value, anchor, depth)
            args = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
            if origin in _UNION or origin in _OPTIONAL:
                return [name for arg in args for name in self.members(arg, anchor, depth)]
            if origin in _ANNOTATED and args:
                return self.members(args[0], anchor, depth)
            return [origin]  # a generic (list[X], Callable[...]): not a context itself
        parts = _dotted(expr)
        if parts is None:
            return [UNKNOWN]
        if len(parts) == 1:
            alias = _alias_value(parts[0], anchor)
            if alias is not None:
                return self.members(_parse(alias.as_string()), alias, depth + 1)
        return [self.qualify(expr, anchor, depth)]

    def qualify(self, expr: ast.expr, anchor: nodes.NodeNG, depth: int) -> str:
        """The qualified name a dotted reference resolves to, or UNKNOWN."""
        parts = _dotted(expr)
        if parts is None or depth > _MAX_DEPTH:
            return UNKNOWN
        try:
            bindings = lookup(anchor, parts[0])
        except ASTROID_FAILURES:
            return UNKNOWN
        if not bindings:  # a builtin, or bound by a star import: as written
            return ".".join(parts)
        names = {self._follow(binding, parts, depth) for binding in bindings}
        return names.pop() if len(names) == 1 else UNKNOWN

    def _follow(self, binding: nodes.NodeNG, parts: tuple[str, ...], depth: int) -> str:
        rest = parts[1:]
        if isinstance(binding, nodes.ImportFrom):
            module = binding.modname or ""
            if binding.level:
                try:
                    module = binding.root().relative_to_absolute_name(module, binding.level)
                except ASTROID_FAILURES:  # too many dots for the package
                    return UNKNOWN
            prefix = f"{module}.{_real_name(binding, parts[0])}" if module else _real_name(binding, parts[0])
            return ".".join((prefix, *rest))
        if isinstance(binding, nodes.Import):
            return ".".join((_real_name(binding, parts[0]), *rest))
        if isinstance(binding, nodes.ClassDef):
            if rest:  # Outer.Inner
                return ".".join((binding.qname(), *rest))
            return self._class_name(binding, depth)
        if isinstance(binding, (nodes.FunctionDef, nodes.Module)):
            return ".".join((binding.qname(), *rest))
        if isinstance(binding, nodes.AssignName):  # U = typing.Union; U[A, B]
            value = _assigned_value(binding)
            parsed = _parse(value.as_string()) if value is not None else None
            if value is not None and parsed is not None and _dotted(parsed) is not None:
                inner = self.qualify(parsed, value, depth + 1)
                return UNKNOWN if inner == UNKNOWN else ".".join((inner, *rest))
        return UNKNOWN

    def _class_name(self, klass: nodes.ClassDef, depth: int) -> str:
        """A class the annotation's module can see; one that derives from a
        context type stands for that type (SPEC §2). Its bases are resolved
        like annotations, by name: no inference, no module loading."""
        qname = str(klass.qname())
        if self.is_context_type(qname):
            return qname
        for base in klass.bases:
            if not isinstance(base, nodes.NodeNG):
                continue
            parsed = _parse(base.as_string())
            if parsed is None or _dotted(parsed) is None:
                continue
            name = self.qualify(parsed, base, depth + 1)
            if name != UNKNOWN and self.is_context_type(name):
                return name
        return qname


def _real_name(binding: nodes.Import | nodes.ImportFrom, asname: str) -> str:
    try:
        return str(binding.real_name(asname))
    except ASTROID_FAILURES:
        return asname


def _assigned_value(binding: nodes.AssignName) -> nodes.NodeNG | None:
    """The right-hand side of a simple ``X = ...``, ``X: T = ...`` or ``type X = ...``."""
    parent = binding.parent  # a target inside a tuple has the Tuple as parent
    if isinstance(parent, nodes.Assign) and parent.targets == [binding]:
        return parent.value
    if isinstance(parent, (nodes.AnnAssign, nodes.TypeAlias)):
        return parent.value
    return None


def _alias_value(name: str, anchor: nodes.NodeNG) -> nodes.NodeNG | None:
    """The value of a module- or class-level type alias ``name`` as seen from
    ``anchor``, when exactly one simple assignment binds it."""
    try:
        bindings = lookup(anchor, name)
    except ASTROID_FAILURES:
        return None
    if len(bindings) != 1 or not isinstance(bindings[0], nodes.AssignName):
        return None
    binding = bindings[0]
    if not isinstance(binding.frame(), (nodes.Module, nodes.ClassDef)):
        return None
    value = _assigned_value(binding)
    # Only type-shaped right-hand sides are aliases; `X = make()` is not.
    shaped = (nodes.Name, nodes.Attribute, nodes.Subscript, nodes.BinOp, nodes.Const)
    return value if isinstance(value, shaped) else None
