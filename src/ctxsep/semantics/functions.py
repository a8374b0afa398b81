"""Where a function gets its session from (the facts behind CTX003/CTX005).

A function is judged on its own statements: nested ``def``/``class`` bodies
are not part of it (they are judged on their own), lambdas and
comprehensions are.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ctxsep.semantics.astwalk import child_nodes
from ctxsep.semantics.callees import first_param
from ctxsep.semantics.evidence import Evidences
from ctxsep.semantics.kinds import ContextKind
from ctxsep.semantics.nodes import source_text
from ctxsep.semantics.scopes import (
    COMPREHENSION_NODES,
    FUNCTION_NODES,
    BindingKind,
    Scope,
    ScopeKind,
    pos_of,
)
from ctxsep.semantics.vocabulary import Category


@dataclass(frozen=True, slots=True)
class SessionAccess:
    node: ast.AST
    text: str  # e.g. "context.db_session"
    how: str  # "context attribute", "self attribute", "module-level name", "closure variable"


@dataclass(slots=True)
class FunctionFacts:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    scoped_param: str | None = None  # name of the request-scoped context parameter
    scoped_type: str = ""  # its type, for messages
    has_session_param: bool = False
    opens_own_session: bool = False
    #: the session reads in the body; read only when the rest of the CTX003
    #: condition holds (a request-scoped context, no session parameter, no
    #: session opened here): nothing else asks for them
    accesses: list[SessionAccess] = field(default_factory=list)

    @property
    def missing_db_parameter(self) -> bool:
        """The CTX003 condition."""
        return bool(self.scoped_param and not self.has_session_param and not self.opens_own_session and self.accesses)


def function_facts(scope: Scope, evidences: Evidences, scope_of: Callable[[ast.AST, Scope], Scope]) -> FunctionFacts:
    node = scope.node
    assert isinstance(node, FUNCTION_NODES)
    facts = FunctionFacts(node)
    vocab = evidences.vocab
    for binding in scope.params:
        found = evidences.of_binding(binding)
        if binding.name in vocab.session_names or found.session:
            facts.has_session_param = True
        if found.context & ContextKind.SCOPED and facts.scoped_param is None:
            facts.scoped_param = binding.name
            facts.scoped_type = found.type_name or vocab.display(Category.SCOPED_CONTEXT_TYPE)
    if facts.scoped_param is None or facts.has_session_param:
        # CTX003 needs a request-scoped context and no session parameter; the
        # accesses matter only then (to CTX003 and to CTX005, which defers to
        # it), so the body need not be read.
        return facts
    for bindings in scope.bindings.values():
        for binding in bindings:
            if binding.kind in (BindingKind.WITH, BindingKind.FOR, BindingKind.ASSIGN):
                value = binding.node
                if isinstance(value, ast.Await):
                    value = value.value
                if (
                    isinstance(value, ast.Call)
                    and evidences.resolver.category(value.func, scope) is Category.SESSION_FACTORY
                ):
                    facts.opens_own_session = True
    if facts.opens_own_session:
        return facts
    for child, child_scope in _function_nodes(scope, scope_of):
        access = _session_access(child, child_scope, scope, evidences)
        if access is not None:
            facts.accesses.append(access)
    facts.accesses.sort(key=lambda a: pos_of(a.node))
    return facts


def _function_nodes(scope: Scope, scope_of: Callable[[ast.AST, Scope], Scope]) -> Iterator[tuple[ast.AST, Scope]]:
    """The function's own nodes with the scope each sits in, descending into
    lambdas and comprehensions but not nested defs or classes."""
    node = scope.node
    assert isinstance(node, FUNCTION_NODES)
    stack: list[tuple[ast.AST, Scope]] = [(stmt, scope) for stmt in reversed(node.body)]
    while stack:
        child, child_scope = stack.pop()
        if isinstance(child, (*FUNCTION_NODES, ast.ClassDef)):
            continue
        yield child, child_scope
        inner = scope_of(child, child_scope) if isinstance(child, (ast.Lambda, *COMPREHENSION_NODES)) else child_scope
        stack.extend((grandchild, inner) for grandchild in reversed(child_nodes(child)))


def _session_access(node: ast.AST, scope: Scope, function: Scope, evidences: Evidences) -> SessionAccess | None:
    vocab = evidences.vocab
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and node.attr in vocab.session_names:
        if evidences.is_own_self(node.value, scope):
            return None  # a context class reading its own session: class plumbing
        if evidences.of(node.value, scope).is_context:
            return SessionAccess(node, source_text(node), "context attribute")
        if evidences.self_of_method(node.value, scope) is not None:
            return SessionAccess(node, source_text(node), "self attribute")
        return None
    if isinstance(node, ast.Call) and session_getattr(node, scope, evidences):
        return SessionAccess(node, source_text(node), "context attribute")
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        owner, binding = scope.lookup(node.id, pos_of(node))
        if owner is None or _inside(owner, function, scope):
            return None
        if owner.kind is ScopeKind.MODULE:
            if node.id in vocab.session_names:
                return SessionAccess(node, node.id, "module-level name")
            return None
        if owner.kind is ScopeKind.FUNCTION and binding is not None and evidences.of_binding(binding).session:
            return SessionAccess(node, node.id, "closure variable")
    return None


def session_getattr(node: ast.Call, scope: Scope, evidences: Evidences) -> bool:
    """``getattr(ctx, "db_session"[, default])`` on a context."""
    if not (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2):
        return False
    name = node.args[1]
    if not (isinstance(name, ast.Constant) and name.value in evidences.vocab.session_names):
        return False
    target = node.args[0]
    return not evidences.is_own_self(target, scope) and evidences.of(target, scope).is_context


def _inside(owner: Scope, function: Scope, scope: Scope) -> bool:
    """Whether ``owner`` is ``function`` or a lambda/comprehension inside it."""
    current: Scope | None = scope
    while current is not None:
        if current is owner:
            return True
        if current is function:
            return False
        current = current.parent
    return False


__all__ = ["FunctionFacts", "SessionAccess", "first_param", "function_facts", "session_getattr"]
