"""From an expression to what it names: qualified names and type annotations.

Follows ``import m``, ``import m as a``, ``from m import x as y``, ``m.x``,
relative imports (by the file's path), module-level aliases in the same file
(``X = T``, ``X: TypeAlias = T``, ``type X = T``, ``X = Annotated[T, ...]``),
string annotations, ``Optional[T]``, ``T | None``, ``Union[...]`` and
``Annotated[T, ...]``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ctxsep.semantics.scopes import Binding, BindingKind, Pos, Scope, ScopeKind
from ctxsep.semantics.vocabulary import Category, Origin, QualifiedName, Vocabulary

#: Alias chains and nested string annotations longer than this are given up on.
MAX_DEPTH = 12

_UNION_WRAPPERS = frozenset({"Optional", "Union"})
_FIRST_ARG_WRAPPERS = frozenset({"Annotated", "Final", "ClassVar", "Required", "NotRequired", "ReadOnly"})


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One vocabulary type found in an annotation."""

    category: Category
    name: str  # as it will appear in messages, e.g. "RequestScopedContext"
    node: ast.AST  # where it was found


class Resolver:
    def __init__(self, vocab: Vocabulary, module_parts: tuple[str, ...]) -> None:
        self.vocab = vocab
        self.module_parts = tuple(p for p in module_parts if p != "__init__")

    # -- names ---------------------------------------------------------------

    def qualified(self, expr: ast.AST, scope: Scope, pos: Pos | None = None, depth: int = 0) -> QualifiedName | None:
        """The dotted name ``expr`` refers to, or None for values."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            owner, binding = scope.lookup(expr.id, pos if pos is not None else _pos(expr))
            if owner is None:
                return QualifiedName((expr.id,), Origin.UNKNOWN)
            if binding is None:
                if owner.kind is ScopeKind.MODULE and owner.has_star_import:
                    return QualifiedName((expr.id,), Origin.UNKNOWN)
                return None
            return self._binding_name(binding, depth)
        if isinstance(expr, ast.Attribute):
            base = self.qualified(expr.value, scope, pos, depth + 1)
            if base is None:
                return QualifiedName((expr.attr,), Origin.UNKNOWN)
            return base.child(expr.attr)
        return None

    def binding_name(self, binding: Binding) -> QualifiedName | None:
        """What a binding names: an import's target, a class or function
        defined here, or — followed — what a module-level alias names."""
        return self._binding_name(binding, 0)

    def _binding_name(self, binding: Binding, depth: int) -> QualifiedName | None:
        if binding.kind is BindingKind.IMPORT:
            return binding.qualified
        scope = binding.scope
        assert scope is not None
        at_module = scope.kind is ScopeKind.MODULE
        if binding.kind in (BindingKind.CLASS, BindingKind.DEF):
            return self.definition_name(binding.name, scope)
        if binding.kind is BindingKind.ASSIGN and at_module and is_alias_value(binding.node):
            assert binding.node is not None
            return self.qualified(binding.node, scope, None, depth + 1)
        return None

    def definition_name(self, name: str, scope: Scope) -> QualifiedName:
        """The qualified name of a class or function defined in ``scope``."""
        prefix = self.module_parts if scope.kind is ScopeKind.MODULE else ()
        return QualifiedName((*prefix, name), Origin.LOCAL)

    def category(self, expr: ast.AST, scope: Scope, pos: Pos | None = None) -> Category | None:
        return self.vocab.match(self.qualified(expr, scope, pos))

    def alias_value(self, expr: ast.AST, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """If ``expr`` is a name bound to a module-level alias, the aliased
        expression and the scope to evaluate it in."""
        if not isinstance(expr, ast.Name):
            return None
        owner, binding = scope.lookup(expr.id, _pos(expr))
        if (
            owner is None
            or binding is None
            or owner.kind is not ScopeKind.MODULE
            or binding.kind is not BindingKind.ASSIGN
            or not is_alias_value(binding.node)
        ):
            return None
        assert isinstance(binding.node, ast.expr)
        return binding.node, owner

    # -- annotations -----------------------------------------------------------

    def annotation_types(self, expr: ast.AST | None, scope: Scope, depth: int = 0) -> list[TypeRef]:
        """The vocabulary types an annotation *is* (not merely mentions):
        ``Optional[Ctx]`` is a Ctx, ``list[Ctx]`` is not."""
        if expr is None or depth > MAX_DEPTH:
            return []
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            parsed = parse_string_annotation(expr)
            return self.annotation_types(parsed, scope, depth + 1) if parsed is not None else []
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            return self.annotation_types(expr.left, scope, depth + 1) + self.annotation_types(
                expr.right, scope, depth + 1
            )
        if isinstance(expr, ast.Subscript):
            wrapper = self.qualified(expr.value, scope)
            if wrapper is None:
                return []
            elts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
            if wrapper.last in _UNION_WRAPPERS:
                return [ref for elt in elts for ref in self.annotation_types(elt, scope, depth + 1)]
            if wrapper.last in _FIRST_ARG_WRAPPERS and elts:
                return self.annotation_types(elts[0], scope, depth + 1)
            return []
        if isinstance(expr, (ast.Name, ast.Attribute)):
            aliased = self.alias_value(expr, scope)
            if aliased is not None:
                return self.annotation_types(aliased[0], aliased[1], depth + 1)
            qname = self.qualified(expr, scope)
            category = self.vocab.match(qname)
            if category is not None and qname is not None:
                return [TypeRef(category, qname.last, expr)]
            return self._local_class_types(expr, scope, qname, depth)
        return []

    def _local_class_types(self, expr: ast.AST, scope: Scope, qname: QualifiedName | None, depth: int) -> list[TypeRef]:
        """A class defined in this file that derives from a context type."""
        if not isinstance(expr, ast.Name) or qname is None or qname.origin is not Origin.LOCAL:
            return []
        owner, binding = scope.lookup(expr.id, None)
        if binding is None or binding.kind is not BindingKind.CLASS:
            return []
        assert isinstance(binding.node, ast.ClassDef) and owner is not None
        refs = self.base_types(binding.node, owner, depth + 1)
        return [TypeRef(ref.category, binding.node.name, expr) for ref in refs]

    def base_types(self, cls: ast.ClassDef, scope: Scope, depth: int = 0) -> list[TypeRef]:
        """The context/session types a class derives from (directly, through an
        alias, or through another class of this file)."""
        refs: list[TypeRef] = []
        for base in cls.bases:
            refs.extend(self.annotation_types(base, scope, depth + 1))
        return refs


def parse_string_annotation(node: ast.Constant) -> ast.expr | None:
    """Parse a string annotation, giving its nodes the string's position so
    findings inside it point at the string."""
    text = node.value
    if not isinstance(text, str) or len(text) > 1000:
        return None
    try:
        parsed = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for child in ast.walk(parsed):
        if hasattr(child, "lineno"):
            for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                setattr(child, attr, getattr(node, attr))
    return parsed


def is_alias_value(node: ast.AST | None) -> bool:
    """Whether a module-level assignment's value names something (``X = T``,
    ``X = m.T``, ``X = Annotated[T, ...]``, ``X = T | None``) rather than
    computing a value."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return True
    if isinstance(node, ast.Subscript):
        return is_alias_value(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return is_alias_value(node.left) or is_alias_value(node.right)
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _pos(node: ast.AST) -> Pos:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
