"""Knowing a value is a context or a session (SPEC §2), from evidence only.

A value is a context when it is annotated with a context type (a name
declared with one keeps that type when it is rebound later in the same
function, as PEP 484 has it), defaulted to
``Depends(<scoped factory or legacy constructor>)``, bound to a call of a
context type, a classmethod of one, a legacy constructor or a scoped factory
(awaited or not), or is ``self.X`` where the class binds ``self.X`` to such a
value. Inside a context class's own methods ``self``/``cls`` are the context.
A plain name like ``context`` with no such evidence is not a context.

A value is a session when annotated with a session type, defaulted to
``Depends(<session factory>)``, bound by ``with``/``async with``/``async for``
over a session factory or assigned from a session factory call, or read as a
session-named attribute off a context.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from ctxsep.semantics.callees import first_param
from ctxsep.semantics.followed import FixtureSource, Followed
from ctxsep.semantics.kinds import NOTHING, SESSION, TYPE_KIND, ContextKind, Evidence, evidence_from_types
from ctxsep.semantics.nodes import last_name
from ctxsep.semantics.resolve import MAX_DEPTH, Resolver
from ctxsep.semantics.scopes import (
    FUNCTION_NODES,
    Binding,
    BindingKind,
    Scope,
    ScopeKind,
    body_nodes,
    pos_of,
    statement_nodes,
)
from ctxsep.semantics.vocabulary import Category

Declarations = dict[str, list[tuple[ast.AST, ast.expr | None, ast.expr | None, Scope]]]


@dataclass(slots=True)
class ClassFacts:
    """What a class is and what it stores on ``self``."""

    node: ast.ClassDef
    context: Evidence  # NOTHING unless the class is itself a context type
    is_legacy_definition: bool  # the class *is* (or derives from) a legacy type
    #: reads every method body; run on first use of ``declarations`` only
    _collect: Callable[[ClassFacts], Declarations] | None = field(default=None, repr=False)
    _declarations: Declarations | None = field(default=None, repr=False)

    @property
    def declarations(self) -> Declarations:
        """attribute -> declarations in source order: (node to report, value,
        annotation, scope)."""
        if self._declarations is None:
            self._declarations = self._collect(self) if self._collect is not None else {}
        return self._declarations


ScopeFactory = Callable[[ast.AST, Scope], Scope]


class Evidences:
    """Per-file, memoized answers to "is this a context / a session?"."""

    def __init__(self, resolver: Resolver, scope_of: ScopeFactory, conftest: FixtureSource | None = None) -> None:
        self.resolver = resolver
        self.vocab = resolver.vocab
        self.scope_of = scope_of
        self._binding_memo: dict[int, Evidence] = {}
        self._class_memo: dict[int, ClassFacts] = {}
        self._in_progress: set[int] = set()
        #: False when the file's text has no ``setattr``: then every store
        #: through ``self`` is an assignment statement (``_own_stores``)
        self.setattr_in_source = True
        #: revision 2: same-file callees, context-methods and -scopes, fixtures
        self.followed = Followed(self, conftest)

    # -- values ---------------------------------------------------------------

    def of(self, expr: ast.AST, scope: Scope, depth: int = 0) -> Evidence:
        """Evidence about the value ``expr`` evaluates to in ``scope``."""
        if depth > MAX_DEPTH:
            return NOTHING
        if isinstance(expr, ast.Await):
            return self.of(expr.value, scope, depth + 1)
        if isinstance(expr, ast.NamedExpr):
            return self.of(expr.value, scope, depth + 1)
        if isinstance(expr, ast.Name):
            _, binding = scope.lookup(expr.id, pos_of(expr))
            if binding is None:
                return NOTHING
            return self.of_binding(binding, depth + 1)
        if isinstance(expr, ast.Attribute):
            return self._attribute(expr, scope, depth)
        if isinstance(expr, ast.Call):
            return self.of_call(expr, scope, depth)
        return NOTHING

    def of_call(self, call: ast.Call, scope: Scope, depth: int = 0, follow: bool = True) -> Evidence:
        """What a call returns. ``follow`` False: only what builds a context
        (a context type, its classmethod, a legacy constructor, a scoped
        factory, ``dataclasses.replace``), not what passes one on (same-file
        functions, context-methods)."""
        func = call.func
        category = self.resolver.category(func, scope)
        if category is Category.SESSION_FACTORY:
            return SESSION
        if category in TYPE_KIND:
            return Evidence(TYPE_KIND[category], type_name=self._display_for(category, func))
        if category is Category.SESSION_TYPE:
            return NOTHING
        own = self.own_class_construction(call, scope)
        if own is not None:
            return own.context
        if isinstance(func, ast.Attribute):
            # A classmethod of a context type: ``UserExecutionContext.from_request(...)``.
            owner_types = self.resolver.annotation_types(func.value, scope)
            found = evidence_from_types(owner_types)
            if found.is_context:
                return Evidence(found.context, type_name=found.type_name)
        local = self.resolver.annotation_types(func, scope)  # a local subclass of a context type
        found = evidence_from_types(local)
        if found.is_context:
            return Evidence(found.context, type_name=found.type_name)
        if _is_replace(self.resolver, func, scope) and call.args:
            base = self.of(call.args[0], scope, depth + 1)
            return Evidence(base.context, type_name=base.type_name)
        return self.followed.call(call, scope, depth) if follow else NOTHING

    def own_class_construction(self, call: ast.Call, scope: Scope) -> ClassFacts | None:
        """``cls(...)``, ``type(self)(...)``, ``self.__class__(...)`` or the
        class's own name, called inside a context class's methods."""
        facts = self.enclosing_context_class(scope)
        if facts is None:
            return None
        func = call.func
        method = scope.enclosing_function()
        first = first_param(method.node) if method is not None else None
        if isinstance(func, ast.Name) and (func.id == facts.node.name or (first and func.id == first)):
            return facts
        if (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Name)
            and func.func.id == "type"
            and len(func.args) == 1
            and isinstance(func.args[0], ast.Name)
            and func.args[0].id == first
        ):
            return facts
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "__class__"
            and isinstance(func.value, ast.Name)
            and func.value.id == first
        ):
            return facts
        return None

    def _attribute(self, expr: ast.Attribute, scope: Scope, depth: int) -> Evidence:
        if expr.attr in self.vocab.session_names and self.of(expr.value, scope, depth + 1).is_context:
            return SESSION
        owner = self.self_of_method(expr.value, scope)
        if owner is not None:
            return self.self_attribute(owner, expr.attr, depth + 1)
        return NOTHING

    def of_binding(self, binding: Binding, depth: int = 0) -> Evidence:
        key = id(binding)
        memo = self._binding_memo.get(key)
        if memo is not None:
            return memo
        if key in self._in_progress or depth > MAX_DEPTH:
            return NOTHING
        self._in_progress.add(key)
        try:
            result = self._binding(binding, depth)
        finally:
            self._in_progress.discard(key)
        self._binding_memo[key] = result
        return result

    def _binding(self, binding: Binding, depth: int) -> Evidence:
        scope = binding.scope
        assert scope is not None
        kind = binding.kind
        if kind is BindingKind.PARAM:
            return self.of_param(binding, scope)
        if kind is BindingKind.ASSIGN:
            # An annotation on a local (``ctx: RequestScopedContext = ...``) is evidence on its own.
            by_annotation = evidence_from_types(self.resolver.annotation_types(binding.annotation, scope))
            if by_annotation != NOTHING:
                return by_annotation
            value = self.of(binding.node, scope, depth + 1) if binding.node is not None else NOTHING
            return value | self.declared_type(binding, scope)
        if kind in (BindingKind.WITH, BindingKind.FOR):
            target = binding.node
            if isinstance(target, ast.Await):
                target = target.value
            if isinstance(target, ast.Call) and self.resolver.category(target.func, scope) is Category.SESSION_FACTORY:
                return SESSION
            if kind is BindingKind.WITH and target is not None:
                found = self.followed.with_target(target, scope)
                if found.is_context:
                    return found
            return self.declared_type(binding, scope)
        if kind is BindingKind.OTHER:
            return self.declared_type(binding, scope)
        return NOTHING

    def declared_type(self, binding: Binding, scope: Scope) -> Evidence:
        """A later binding of a name that was declared with a type keeps that
        type (PEP 484): after ``def f(context: UserExecutionContext)``,
        ``context = validate_user_context(context)`` is still a context."""
        if scope.kind is not ScopeKind.FUNCTION:
            return NOTHING
        for earlier in scope.bindings.get(binding.name, ()):
            if earlier is binding or earlier.pos > binding.pos:
                break
            if earlier.annotation is not None:
                where = (scope.parent or scope) if earlier.kind is BindingKind.PARAM else scope
                return evidence_from_types(self.resolver.annotation_types(earlier.annotation, where))
        return NOTHING

    def of_param(self, binding: Binding, scope: Scope) -> Evidence:
        """A parameter: its annotation, its ``Depends(...)`` default, or being
        ``self``/``cls`` of a context class's method."""
        # Annotations and defaults are evaluated in the enclosing scope.
        outer = scope.parent or scope
        found = evidence_from_types(self.resolver.annotation_types(binding.annotation, outer))
        if binding.annotation is not None:
            found = found | self._depends_in_annotation(binding.annotation, outer)
        if binding.default is not None:
            found = found | self.depends_evidence(binding.default, outer)
        if found != NOTHING:
            return found
        if isinstance(scope.node, FUNCTION_NODES) and binding.name == first_param(scope.node):
            cls_scope = scope.parent
            if cls_scope is not None and cls_scope.kind is ScopeKind.CLASS and not _is_static(scope.node):
                assert isinstance(cls_scope.node, ast.ClassDef)
                facts = self.class_facts(cls_scope.node, cls_scope.parent or cls_scope)
                if facts.context.is_context and not _is_classmethod(scope.node):
                    return facts.context
        return self.followed.param(binding, scope)

    def depends_evidence(self, default: ast.AST, scope: Scope) -> Evidence:
        """``Depends(f)``: what ``f`` provides."""
        if not (isinstance(default, ast.Call) and default.args):
            return NOTHING
        if last_name(default.func) not in ("Depends", "Security"):
            return NOTHING
        provider = default.args[0]
        category = self.resolver.category(provider, scope)
        if category is Category.SESSION_FACTORY:
            return SESSION
        if category in TYPE_KIND:
            return Evidence(TYPE_KIND[category], type_name=self._display_for(category, provider))
        return NOTHING

    def _depends_in_annotation(self, annotation: ast.AST, scope: Scope) -> Evidence:
        """``Annotated[X, Depends(f)]`` (directly or through a same-file alias)."""
        aliased = self.resolver.alias_value(annotation, scope)
        if aliased is not None:
            annotation, scope = aliased
        if not isinstance(annotation, ast.Subscript) or not isinstance(annotation.slice, ast.Tuple):
            return NOTHING
        wrapper = self.resolver.qualified(annotation.value, scope)
        if wrapper is None or wrapper.last != "Annotated":
            return NOTHING
        result = NOTHING
        for meta in annotation.slice.elts[1:]:
            result = result | self.depends_evidence(meta, scope)
        return result

    def _display_for(self, category: Category, provider: ast.AST) -> str:
        if category is Category.SCOPED_FACTORY:
            return self.vocab.display(Category.SCOPED_CONTEXT_TYPE)
        if category is Category.LEGACY_CONSTRUCTOR:
            return self.vocab.display(Category.LEGACY_CONTEXT_TYPE)
        return last_name(provider)

    # -- classes ----------------------------------------------------------------

    def class_facts(self, node: ast.ClassDef, outer: Scope) -> ClassFacts:
        memo = self._class_memo.get(id(node))
        if memo is not None:
            return memo
        bases = self.resolver.base_types(node, outer)
        context = evidence_from_types([b for b in bases if b.category is not Category.SESSION_TYPE])
        own = self.vocab.match(self.resolver.definition_name(node.name, outer))
        if own in (Category.LEGACY_CONTEXT_TYPE, Category.SCOPED_CONTEXT_TYPE):
            context = context | Evidence(TYPE_KIND[own], type_name=node.name)
        if context.is_context:
            context = Evidence(context.context, type_name=node.name)
        facts = ClassFacts(
            node=node,
            context=context,
            is_legacy_definition=bool(context.context & ContextKind.LEGACY),
            _collect=lambda f: self._collect_declarations(f, outer),
        )
        self._class_memo[id(node)] = facts
        return facts

    def _collect_declarations(self, facts: ClassFacts, outer: Scope) -> Declarations:
        class_scope = self.scope_of(facts.node, outer)
        decls: Declarations = {}
        for stmt in facts.node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                decls.setdefault(stmt.target.id, []).append((stmt.target, stmt.value, stmt.annotation, class_scope))
        for stmt in facts.node.body:
            if not isinstance(stmt, FUNCTION_NODES) or _is_static(stmt):
                continue
            first = first_param(stmt)
            if first is None:
                continue
            method_scope = self.scope_of(stmt, class_scope)
            for node in _own_nodes(stmt) if self.setattr_in_source else _own_statements(stmt):
                for target, value, annotation in _self_stores(node, first):
                    decls.setdefault(
                        target.attr if isinstance(target, ast.Attribute) else _setattr_name(node), []
                    ).append((target, value, annotation, method_scope))
        for entries in decls.values():
            entries.sort(key=lambda entry: pos_of(entry[0]))
        return decls

    def self_attribute(self, facts: ClassFacts, attr: str, depth: int = 0) -> Evidence:
        """What ``self.<attr>`` holds, from the class's declarations."""
        result = NOTHING
        for _, value, annotation, scope in facts.declarations.get(attr, ()):
            result = result | evidence_from_types(self.resolver.annotation_types(annotation, scope))
            if value is not None:
                result = result | self.of(value, scope, depth + 1)
        return result

    def self_of_method(self, expr: ast.AST, scope: Scope) -> ClassFacts | None:
        """If ``expr`` is the ``self`` of the method ``scope`` sits in, that
        class's facts."""
        if not isinstance(expr, ast.Name):
            return None
        method = scope.enclosing_function()
        if method is None or method.parent is None or method.parent.kind is not ScopeKind.CLASS:
            return None
        assert isinstance(method.node, FUNCTION_NODES)
        if _is_static(method.node) or expr.id != first_param(method.node):
            return None
        _, binding = scope.lookup(expr.id, pos_of(expr))
        if binding is None or binding.kind is not BindingKind.PARAM:
            return None
        cls_scope = method.parent
        assert isinstance(cls_scope.node, ast.ClassDef)
        return self.class_facts(cls_scope.node, cls_scope.parent or cls_scope)

    def enclosing_context_class(self, scope: Scope) -> ClassFacts | None:
        """The context class whose method ``scope`` is in (lambdas and
        comprehensions included), if any."""
        method = scope.enclosing_function()
        if method is None or method.parent is None or method.parent.kind is not ScopeKind.CLASS:
            return None
        cls_scope = method.parent
        assert isinstance(cls_scope.node, ast.ClassDef)
        facts = self.class_facts(cls_scope.node, cls_scope.parent or cls_scope)
        return facts if facts.context.is_context else None

    def is_own_self(self, expr: ast.AST, scope: Scope) -> bool:
        """``self`` or ``cls`` of a context class's own method."""
        if not isinstance(expr, ast.Name):
            return False
        facts = self.enclosing_context_class(scope)
        if facts is None:
            return False
        method = scope.enclosing_function()
        assert method is not None and isinstance(method.node, FUNCTION_NODES)
        if expr.id != first_param(method.node):
            return False
        _, binding = scope.lookup(expr.id, pos_of(expr))
        return binding is not None and binding.kind is BindingKind.PARAM


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {last_name(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}


def _is_static(node: ast.AST) -> bool:
    return isinstance(node, FUNCTION_NODES) and "staticmethod" in _decorator_names(node)


def _is_classmethod(node: ast.AST) -> bool:
    return isinstance(node, FUNCTION_NODES) and "classmethod" in _decorator_names(node)


def _is_replace(resolver: Resolver, func: ast.AST, scope: Scope) -> bool:
    qname = resolver.qualified(func, scope)
    return qname is not None and qname.last == "replace" and qname.parts[:1] in (("dataclasses",), ("replace",))


def _own_nodes(func: ast.AST) -> list[ast.AST]:
    return [n for n in body_nodes(func) if not isinstance(n, (*FUNCTION_NODES, ast.ClassDef))]


def _own_statements(func: ast.AST) -> list[ast.AST]:
    """``_own_nodes`` without the expressions: all ``_self_stores`` needs
    when no ``setattr`` call can be among them (an assignment is always a
    statement; ``:=`` cannot store an attribute)."""
    return [n for n in statement_nodes(func) if not isinstance(n, (*FUNCTION_NODES, ast.ClassDef))]


_SETATTR_FUNCS = frozenset({"setattr", "__setattr__"})


def _self_stores(node: ast.AST, self_name: str) -> list[tuple[ast.AST, ast.expr | None, ast.expr | None]]:
    """``self.X = v``, ``self.X: T = v``, ``setattr(self, "X", v)`` and
    ``object.__setattr__(self, "X", v)``: (node to report, value, annotation)."""
    if isinstance(node, ast.Assign):
        return [(t, node.value, None) for t in node.targets if _is_self_attr(t, self_name)]
    if isinstance(node, ast.AnnAssign) and _is_self_attr(node.target, self_name):
        return [(node.target, node.value, node.annotation)]
    if isinstance(node, ast.Call) and _setattr_name(node):
        args = node.args
        if len(args) >= 3 and isinstance(args[0], ast.Name) and args[0].id == self_name:
            return [(node, args[2], None)]
    return []


def _is_self_attr(target: ast.AST, self_name: str) -> bool:
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name


def _setattr_name(node: ast.AST) -> str:
    """The attribute name a ``setattr``/``object.__setattr__`` call sets, or
    "" when it is not such a call with a literal name."""
    if not isinstance(node, ast.Call) or len(node.args) < 2:
        return ""
    if last_name(node.func) not in _SETATTR_FUNCS:
        return ""
    name = node.args[1]
    return name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else ""
