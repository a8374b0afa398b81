"""Lexical scopes and the names they bind, in source order.

A :class:`Scope` is built lazily the first time someone asks about a name in
it, by one iterative pass over that scope's own statements (nested functions
and classes are separate scopes). Lookups are position-aware: a use sees the
last binding that *ends* before it, so ``ctx = make(ctx)`` evaluates the old
``ctx`` on the right-hand side. A binding made in an ``except`` handler or in
the ``else`` of ``if TYPE_CHECKING:`` is a stand-in: after that block, a use
sees the binding it stands in for (``try: from m import X`` /
``except ImportError: X = None``).
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from dataclasses import dataclass

from ctxsep.semantics.astwalk import node_fields
from ctxsep.semantics.vocabulary import Origin, QualifiedName

Pos = tuple[int, int]

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
COMPREHENSION_NODES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: Nodes that open a new scope; their bodies are not part of the enclosing one.
SCOPE_NODES = (*FUNCTION_NODES, ast.ClassDef, ast.Lambda, *COMPREHENSION_NODES)


class ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


class BindingKind(enum.Enum):
    IMPORT = "import"
    DEF = "def"
    CLASS = "class"
    ASSIGN = "assign"  # node is the assigned value (or None for a bare annotation)
    PARAM = "param"
    WITH = "with"  # node is the context-manager expression
    FOR = "for"  # node is the iterated expression
    OTHER = "other"  # bound, but nothing is known of the value


@dataclass(slots=True, eq=False)
class Binding:
    name: str
    pos: Pos
    kind: BindingKind
    node: ast.AST | None = None
    annotation: ast.expr | None = None
    default: ast.expr | None = None
    qualified: QualifiedName | None = None
    scope: Scope | None = None
    #: Set for a binding made in an ``except`` handler or in the ``else`` of
    #: ``if TYPE_CHECKING:``: the end of that block. Past it, the binding is a
    #: stand-in for an earlier one, not a replacement (see ``local_binding``).
    fallback_until: Pos | None = None


def pos_of(node: ast.AST) -> Pos:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def end_of(node: ast.AST) -> Pos:
    line: int | None = getattr(node, "end_lineno", None)
    col: int | None = getattr(node, "end_col_offset", None)
    if line is None or col is None:
        return pos_of(node)
    return (line, col)


class Scope:
    """One lexical scope. ``node`` is the Module/ClassDef/FunctionDef/Lambda/
    comprehension that opens it."""

    __slots__ = (
        "_bindings",
        "_params",
        "binds_in_expressions",
        "declared_global",
        "has_star_import",
        "kind",
        "module_parts",
        "node",
        "parent",
    )

    def __init__(self, node: ast.AST, parent: Scope | None, module_parts: tuple[str, ...]) -> None:
        self.node = node
        self.parent = parent
        self.module_parts = module_parts
        self.kind = _kind_of(node)
        self._bindings: dict[str, list[Binding]] | None = None
        self._params: list[Binding] | None = None
        self.declared_global: set[str] = set()
        self.has_star_import = False
        #: False when the file is known to have no ``:=``: then no expression
        #: binds a name, and the bindings are found among the statements
        #: alone (see ``statement_nodes``). Inherited from the parent scope;
        #: ``FileSemantics`` sets it on the module from the source text.
        self.binds_in_expressions: bool = parent.binds_in_expressions if parent is not None else True

    def __repr__(self) -> str:
        return f"<Scope {self.kind.value} {getattr(self.node, 'name', '')}>"

    @property
    def bindings(self) -> dict[str, list[Binding]]:
        if self._bindings is None:
            self._bindings = _BindingCollector(self).collect()
        return self._bindings

    @property
    def params(self) -> list[Binding]:
        """A function's or lambda's parameters, without walking its body
        (most questions about a function start with its signature). The
        same Binding objects appear in ``bindings``."""
        if self._params is None:
            if self._bindings is not None:
                found = [b for bs in self._bindings.values() for b in bs if b.kind is BindingKind.PARAM]
                self._params = sorted(found, key=lambda b: b.pos)
            else:
                collector = _BindingCollector(self)
                collector.collect_params()
                self._params = [b for bs in collector.out.values() for b in bs if b.kind is BindingKind.PARAM]
        return self._params

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def enclosing_function(self) -> Scope | None:
        """The nearest function scope (self included), skipping lambdas and
        comprehensions, which belong to the function they sit in."""
        scope: Scope | None = self
        while scope is not None and scope.kind in (ScopeKind.LAMBDA, ScopeKind.COMPREHENSION):
            scope = scope.parent
        return scope if scope is not None and scope.kind is ScopeKind.FUNCTION else None

    def binds(self, name: str) -> bool:
        return name in self.bindings

    def local_binding(self, name: str, pos: Pos | None) -> Binding | None:
        """The binding of ``name`` in this scope visible at ``pos`` (None: the
        last one)."""
        found = self.bindings.get(name)
        if not found:
            return None
        best = None
        for binding in found:
            if pos is not None and binding.pos > pos:
                break
            stand_in = binding.fallback_until is not None and (pos is None or pos > binding.fallback_until)
            if stand_in and best is not None:
                # ``try: from m import X`` / ``except ImportError: X = None``: code after
                # the handler is written against the import, not the placeholder.
                continue
            best = binding
        return best

    def lookup(self, name: str, pos: Pos | None) -> tuple[Scope | None, Binding | None]:
        """Find ``name`` as Python would from code at ``pos`` in this scope.

        Returns (scope that binds it, binding visible there). A name bound in
        a function only *after* ``pos`` is local but unknown: (scope, None).
        A name bound nowhere returns (None, None).
        """
        scope: Scope | None = self
        first = True
        while scope is not None:
            if scope.kind is ScopeKind.CLASS and not first:
                scope = scope.parent  # class bodies are invisible to nested scopes
                continue
            if name in scope.declared_global:
                scope = self.module
                binding = scope.local_binding(name, None)
                return (scope, binding) if binding else (None, None)
            if scope.binds(name):
                return scope, scope.local_binding(name, pos if first else None)
            first = False
            scope = scope.parent
        return None, None


def _kind_of(node: ast.AST) -> ScopeKind:
    if isinstance(node, ast.Module):
        return ScopeKind.MODULE
    if isinstance(node, ast.ClassDef):
        return ScopeKind.CLASS
    if isinstance(node, FUNCTION_NODES):
        return ScopeKind.FUNCTION
    if isinstance(node, ast.Lambda):
        return ScopeKind.LAMBDA
    return ScopeKind.COMPREHENSION


def _roots(scope_node: ast.AST) -> list[ast.AST]:
    """The nodes a scope's own code starts from (see ``body_nodes``)."""
    if isinstance(scope_node, (ast.Module, ast.ClassDef, *FUNCTION_NODES)):
        return list(scope_node.body)
    if isinstance(scope_node, ast.Lambda):
        return [scope_node.body]
    if isinstance(scope_node, COMPREHENSION_NODES):
        roots: list[ast.AST] = []
        for gen in scope_node.generators:
            roots.extend([gen.target, *gen.ifs])
        if isinstance(scope_node, ast.DictComp):
            roots.extend([scope_node.key, scope_node.value])
        else:
            roots.append(scope_node.elt)
        return roots
    return []


def body_nodes(scope_node: ast.AST) -> Iterator[ast.AST]:
    """Every node that belongs to ``scope_node``'s own scope, in source order,
    without descending into nested scopes (which are yielded themselves).
    Iterative, so deep nesting cannot exhaust the recursion limit."""
    stack = _roots(scope_node)
    stack.reverse()
    pop, push = stack.pop, stack.append
    fields_of = _FIELDS_BY_TYPE
    while stack:
        node = pop()
        yield node
        node_type = type(node)
        fields = fields_of.get(node_type)
        if fields is None:
            fields = fields_of[node_type] = () if node_type in _SCOPE_TYPES else node_fields(node_type)
        # Children in reverse, so they are popped in source order.
        for name in reversed(fields):
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                push(value)
            elif isinstance(value, list):
                for item in reversed(value):
                    if isinstance(item, ast.AST):
                        push(item)


#: The fields of a statement (or handler, match case, pattern) that may hold
#: statements, handlers, match cases or patterns; the others hold
#: expressions, or leaves (``alias``, ``withitem``, ``arguments``).
_STRUCTURE_FIELDS = frozenset(
    {"body", "orelse", "finalbody", "handlers", "cases", "pattern", "patterns", "kwd_patterns"}
)
_SCOPE_TYPES = frozenset(SCOPE_NODES)
_FIELDS_BY_TYPE: dict[type[ast.AST], tuple[str, ...]] = {}
_STRUCTURE_BY_TYPE: dict[type[ast.AST], tuple[str, ...]] = {}


def statement_nodes(scope_node: ast.AST) -> list[ast.AST]:
    """The nodes of ``scope_node``'s own scope that are not expressions
    (statements, handlers, match cases, patterns), in source order: the
    subsequence of ``body_nodes`` in which every binding sits when no
    expression binds (a file without ``:=``). Expressions are not entered,
    which is most of a body's nodes."""
    if not isinstance(scope_node, (ast.Module, ast.ClassDef, *FUNCTION_NODES)):
        return []  # a lambda's or comprehension's own code is expressions
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(scope_node.body))
    pop, push, emit = stack.pop, stack.append, out.append
    structure_of = _STRUCTURE_BY_TYPE
    while stack:
        node = pop()
        emit(node)
        node_type = type(node)
        fields = structure_of.get(node_type)
        if fields is None:
            fields = structure_of[node_type] = (
                ()
                if node_type in _SCOPE_TYPES
                else tuple(name for name in node_type._fields if name in _STRUCTURE_FIELDS)
            )
        for name in reversed(fields):
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in reversed(value):
                    if isinstance(item, ast.AST) and not isinstance(item, ast.expr):
                        push(item)
            elif isinstance(value, ast.AST) and not isinstance(value, ast.expr):
                push(value)
    return out


#: Node types ``_BindingCollector._node`` has no branch for: most of a body's
#: nodes are these, and skipping them spares the chain of isinstance tests.
#: (tests/test_scopes_walk.py checks that ``_node`` names none of them.)
NEVER_BINDS: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Name, ast.Attribute, ast.Call, ast.Constant, ast.keyword, ast.Subscript, ast.Slice,
        ast.BinOp, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.JoinedStr, ast.FormattedValue,
        ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Starred, ast.Await, ast.Expr, ast.Return,
        ast.Pass, ast.alias, ast.arguments, ast.arg,
    }
)  # fmt: skip


class _BindingCollector:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.out: dict[str, list[Binding]] = {}
        #: (start, end) of the fallback blocks seen so far in this scope
        self.fallback_blocks: list[tuple[Pos, Pos]] = []

    def add(self, binding: Binding) -> None:
        binding.scope = self.scope
        for start, end in self.fallback_blocks:
            if start <= binding.pos <= end:
                binding.fallback_until = end
        self.out.setdefault(binding.name, []).append(binding)

    def collect_params(self) -> None:
        node = self.scope.node
        if isinstance(node, (*FUNCTION_NODES, ast.Lambda)):
            self._params(node.args, pos_of(node))

    def collect(self) -> dict[str, list[Binding]]:
        node = self.scope.node
        if self.scope._params is not None:
            for binding in self.scope._params:  # keep the objects already handed out
                self.out.setdefault(binding.name, []).append(binding)
            star = node.args if isinstance(node, (*FUNCTION_NODES, ast.Lambda)) else None
            for extra in (star.vararg, star.kwarg) if star is not None else ():
                if extra is not None:
                    self.add(Binding(extra.arg, pos_of(node), BindingKind.OTHER, node=extra))
        else:
            self.collect_params()
        if isinstance(node, COMPREHENSION_NODES):
            for gen in node.generators:
                for name_node in _target_names(gen.target):
                    self.add(Binding(name_node.id, (0, 0), BindingKind.OTHER, node=gen.iter))
        else:
            never, visit = NEVER_BINDS, self._node
            nodes = body_nodes(node) if self.scope.binds_in_expressions else statement_nodes(node)
            for child in nodes:
                if type(child) not in never:
                    visit(child)
        for bindings in self.out.values():
            bindings.sort(key=lambda b: b.pos)
        return self.out

    def _params(self, args: ast.arguments, pos: Pos) -> None:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults.extend(args.defaults)
        for arg, default in zip(positional, defaults, strict=True):
            self.add(Binding(arg.arg, pos, BindingKind.PARAM, node=arg, annotation=arg.annotation, default=default))
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            self.add(Binding(arg.arg, pos, BindingKind.PARAM, node=arg, annotation=arg.annotation, default=default))
        for star in (args.vararg, args.kwarg):
            if star is not None:
                self.add(Binding(star.arg, pos, BindingKind.OTHER, node=star))

    def _node(self, node: ast.AST) -> None:
        # Pre-order: a block is seen before the statements in it bind anything.
        if isinstance(node, ast.ExceptHandler) and node.body:
            self.fallback_blocks.append((pos_of(node), end_of(node)))
        elif isinstance(node, ast.If) and node.orelse and _is_type_checking(node.test):
            self.fallback_blocks.append((pos_of(node.orelse[0]), end_of(node.orelse[-1])))
        if isinstance(node, FUNCTION_NODES):
            self.add(Binding(node.name, pos_of(node), BindingKind.DEF, node=node))
        elif isinstance(node, ast.ClassDef):
            self.add(Binding(node.name, pos_of(node), BindingKind.CLASS, node=node))
        elif isinstance(node, ast.Assign):
            self._assign(node.targets, node.value, end_of(node))
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name):
                self.add(
                    Binding(
                        node.target.id, end_of(node), BindingKind.ASSIGN, node=node.value, annotation=node.annotation
                    )
                )
        elif isinstance(node, ast.AugAssign):
            self._other(node.target, end_of(node))
        elif isinstance(node, ast.NamedExpr):
            self.add(Binding(node.target.id, end_of(node), BindingKind.ASSIGN, node=node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            if isinstance(node.target, ast.Name):
                self.add(Binding(node.target.id, end_of(node.target), BindingKind.FOR, node=node.iter))
            else:
                self._other(node.target, end_of(node.target))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    self.add(
                        Binding(
                            item.optional_vars.id, end_of(item.optional_vars), BindingKind.WITH, node=item.context_expr
                        )
                    )
                elif item.optional_vars is not None:
                    self._other(item.optional_vars, end_of(item.optional_vars))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self._import(node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self.add(Binding(node.name, pos_of(node), BindingKind.OTHER))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            if isinstance(node, ast.Global):
                self.scope.declared_global.update(node.names)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._other(target, end_of(node))
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            self.add(Binding(node.name, pos_of(node), BindingKind.OTHER))
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self.add(Binding(node.rest, pos_of(node), BindingKind.OTHER))
        elif _is_type_alias(node):
            name = node.name  # type: ignore[attr-defined]
            self.add(Binding(name.id, pos_of(node), BindingKind.ASSIGN, node=node.value))  # type: ignore[attr-defined]

    def _assign(self, targets: list[ast.expr], value: ast.expr, pos: Pos) -> None:
        for target in targets:
            if isinstance(target, ast.Name):
                self.add(Binding(target.id, pos, BindingKind.ASSIGN, node=value))
            elif (
                isinstance(target, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
                and not any(isinstance(e, ast.Starred) for e in target.elts)
            ):
                self._assign_pairs(target.elts, value.elts, pos)
            else:
                self._other(target, pos)

    def _assign_pairs(self, targets: list[ast.expr], values: list[ast.expr], pos: Pos) -> None:
        for target, value in zip(targets, values, strict=True):
            self._assign([target], value, pos)

    def _other(self, target: ast.AST, pos: Pos) -> None:
        for name_node in _target_names(target):
            self.add(Binding(name_node.id, pos, BindingKind.OTHER))

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        pos = end_of(node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = tuple(alias.name.split("."))
                if alias.asname:
                    self.add(
                        Binding(alias.asname, pos, BindingKind.IMPORT, qualified=QualifiedName(parts, Origin.IMPORT))
                    )
                else:
                    self.add(
                        Binding(parts[0], pos, BindingKind.IMPORT, qualified=QualifiedName(parts[:1], Origin.IMPORT))
                    )
            return
        base, origin = import_base(node, self.scope.module_parts)
        for alias in node.names:
            if alias.name == "*":
                self.scope.has_star_import = True
                continue
            qualified = QualifiedName((*base, alias.name), origin)
            self.add(Binding(alias.asname or alias.name, pos, BindingKind.IMPORT, qualified=qualified))


def import_base(node: ast.ImportFrom, module_parts: tuple[str, ...]) -> tuple[tuple[str, ...], Origin]:
    """The module a ``from ... import`` reads from: its dotted parts and
    whether they are exact (absolute import) or derived from the importing
    file's path (relative import)."""
    module = tuple(node.module.split(".")) if node.module else ()
    if not node.level:
        return module, Origin.IMPORT
    parts = module_parts
    package = parts if parts and parts[-1] == "__init__" else parts[:-1]
    package = tuple(p for p in package if p != "__init__")
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else ()
    return (*package, *module), Origin.LOCAL


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` / ``if typing.TYPE_CHECKING:``."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_type_alias(node: ast.AST) -> bool:
    type_alias = getattr(ast, "TypeAlias", None)  # Python 3.12+
    return type_alias is not None and isinstance(node, type_alias)


def _target_names(target: ast.AST) -> Iterator[ast.Name]:
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
