"""``ctxsep names``, revision 2: which methods return a context and which
functions yield one to a ``with`` block, so the ``context-methods`` and
``context-scopes`` vocabulary keys can be filled from the tree.

A **context method** is a method of a context class that returns a context
(by its return annotation — a context type or ``Self`` — or because every
value it returns is a context: ``return replace(self, ...)``,
``return type(self)(...)``). It is matched by name on a context receiver,
so a same-named method elsewhere does no harm.

A **context scope** is a function or method that a ``with``/``async with``
block enters to get a context: a ``@contextmanager``/``@asynccontextmanager``
generator (or a function annotated ``ContextManager[C]``…) whose yielded
value is a context by its annotation or by every value it yields. A
module-level function is suggested by its dotted name; a method only by its
bare name (calls go through instances), which is left commented out when a
same-named scope elsewhere yields something that is not a context.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ctxsep.semantics import FUNCTION_NODES, NOTHING, Evidence, FileSemantics, Scope, ScopeKind, Vocabulary
from ctxsep.semantics.callees import produced_values, yielded_annotation
from ctxsep.semantics.nodes import last_name
from ctxsep.semantics.scopes import body_nodes
from ctxsep.semantics.vocabulary import CONTEXT_METHODS_KEY, CONTEXT_SCOPES_KEY

_MANAGER_DECORATORS = frozenset({"contextmanager", "asynccontextmanager"})

RETURNS = "returns"
YIELDS = "yields"


@dataclass(frozen=True)
class Producer:
    """A function or method that gives a context (``context_type``) or,
    for a scope, something else (``context_type`` empty)."""

    name: str
    dotted: str  # module.Class.name
    path: str
    line: int
    relation: str  # RETURNS (a method of a context class) or YIELDS (a with-scope)
    context_type: str
    is_method: bool
    in_tests: bool


def find_producers(sem: FileSemantics, path: str, module: str, in_tests: bool) -> list[Producer]:
    """The producers one file defines: module-level functions and the methods
    of module-level (and nested) classes."""
    found: list[Producer] = []
    stack: list[tuple[ast.stmt, Scope, tuple[str, ...]]] = [(s, sem.module, ()) for s in reversed(sem.tree.body)]
    while stack:
        node, scope, prefix = stack.pop()
        if isinstance(node, ast.ClassDef):
            inner = sem.scope_of(node, scope)
            stack.extend((s, inner, (*prefix, node.name)) for s in reversed(node.body))
        elif isinstance(node, FUNCTION_NODES):
            dotted = ".".join(p for p in (module, *prefix, node.name) if p)
            for relation, context_type in _produces(sem, node, scope):
                is_method = scope.kind is ScopeKind.CLASS
                found.append(
                    Producer(node.name, dotted, path, node.lineno, relation, context_type, is_method, in_tests)
                )
        elif isinstance(node, (ast.If, ast.Try)):
            blocks = [node.body, node.orelse] + ([node.finalbody] if isinstance(node, ast.Try) else [])
            for block in reversed(blocks):
                stack.extend((s, scope, prefix) for s in reversed(block))
    return found


def _produces(sem: FileSemantics, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> list[tuple[str, str]]:
    ev = sem.evidence
    out: list[tuple[str, str]] = []
    decorators = {last_name(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
    manager = _is_manager(node, decorators)
    if manager:
        yielded = yielded_annotation(node.returns)
        found: Evidence | None = ev.followed.with_target_of_def(node, scope) if yielded is not None else None
        if found is None or not found.is_context:
            found = _all_contexts(sem, node, scope, ast.Yield)
        out.append((YIELDS, (found.type_name or "context") if found is not None and found.is_context else ""))
    if scope.kind is ScopeKind.CLASS and isinstance(scope.node, ast.ClassDef):
        facts = ev.class_facts(scope.node, scope.parent or scope)
        if facts.context.is_context and not decorators & {"classmethod", "staticmethod", "property"}:
            returned = ev.followed.returned_by(node, scope)
            if not returned.is_context and node.returns is None:
                returned = _all_contexts(sem, node, scope, ast.Return) or returned
            if returned.is_context and not manager:
                out.append((RETURNS, returned.type_name or facts.context.type_name))
    return out


def _is_manager(node: ast.FunctionDef | ast.AsyncFunctionDef, decorators: set[str]) -> bool:
    """Entered by ``with``: a ``@contextmanager`` generator (``decorators``:
    the last names of its decorators), or annotated to return a context manager."""
    if decorators & _MANAGER_DECORATORS:
        return True
    returns = node.returns
    return isinstance(returns, ast.Subscript) and last_name(returns.value) in (
        "ContextManager",
        "AsyncContextManager",
        "AbstractContextManager",
        "AbstractAsyncContextManager",
    )


def _all_contexts(
    sem: FileSemantics, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, kind: type[ast.AST]
) -> Evidence | None:
    """The evidence shared by every value the function returns (``kind``
    Return) or yields (Yield), when each is a context; None otherwise."""
    values: list[ast.expr] = []
    for child in body_nodes(node):
        value = getattr(child, "value", None) if isinstance(child, kind) else None
        if isinstance(value, ast.expr):
            values.append(value)
    values = [v for v in values if not (isinstance(v, ast.Constant) and v.value is None)]
    if not values or produced_values(node) is None:
        return None
    body = sem.scope_of(node, scope)
    found = NOTHING
    for value in values:
        evidence = sem.of(value, body)
        if not evidence.is_context:
            return None
        found = found | evidence
    return found


@dataclass(frozen=True)
class FlowSuggestion:
    entry: str
    enabled: bool
    note: str


def suggest(producers: Iterable[Producer], vocab: Vocabulary) -> dict[str, list[FlowSuggestion]]:
    """The ``context-methods`` and ``context-scopes`` lines to paste."""
    methods: dict[str, list[Producer]] = defaultdict(list)
    scopes: dict[str, list[Producer]] = defaultdict(list)
    others: dict[str, list[Producer]] = defaultdict(list)
    for producer in producers:
        if producer.relation == RETURNS:
            methods[producer.name].append(producer)
        elif producer.context_type:
            scopes[producer.name].append(producer)
        else:
            others[producer.name].append(producer)
    method_lines = []
    configured_methods = set(vocab.context_method_list)
    for name in sorted(set(methods) | configured_methods):
        found = methods.get(name, [])
        if not found:
            method_lines.append(FlowSuggestion(name, True, "in the vocabulary; not found in this tree"))
            continue
        production = [p for p in found if not p.in_tests] or found
        where = ", ".join(f"{_owner(p)} ({p.path}:{p.line})" for p in production[:3])
        more = f" and {len(production) - 3} more" if len(production) > 3 else ""
        types = ", ".join(sorted({p.context_type for p in found}))
        only_tests = all(p.in_tests for p in found)
        note = f"returns a {types}: {where}{more}" + ("; test code only" if only_tests else "")
        method_lines.append(FlowSuggestion(name, not only_tests or name in configured_methods, note))
    scope_lines = []
    configured_scopes = set(vocab.context_scope_list)
    for name in sorted(scopes):
        found = scopes[name]
        production = [p for p in found if not p.in_tests]
        conflicts = others.get(name, [])
        types = ", ".join(sorted({p.context_type for p in found}))
        first = (production or found)[0]
        if all(not p.is_method for p in found) and not any(p.is_method for p in conflicts):
            for producer in found:
                if producer.dotted in configured_scopes:
                    continue
                note = f"yields a {producer.context_type} ({producer.path}:{producer.line})"
                enabled = not producer.in_tests
                scope_lines.append(FlowSuggestion(producer.dotted, enabled, note + ("" if enabled else "; test code")))
            continue
        where = f"{_owner(first)} ({first.path}:{first.line})"
        if conflicts:
            other = conflicts[0]
            note = (
                f"ambiguous: {where} yields a {types}, but {_owner(other)} ({other.path}:{other.line}) yields "
                "something else; a method is matched by its bare name, so this would match both"
            )
            scope_lines.append(FlowSuggestion(name, False, note))
        else:
            note = f"yields a {types}: {where} (a method: only the bare name matches calls through instances)"
            scope_lines.append(FlowSuggestion(name, bool(production), note + ("" if production else "; test code")))
    for entry in sorted(configured_scopes - {s.entry for s in scope_lines}):
        scope_lines.append(FlowSuggestion(entry, True, "in the vocabulary"))
    return {CONTEXT_METHODS_KEY: method_lines, CONTEXT_SCOPES_KEY: scope_lines}


def _owner(producer: Producer) -> str:
    """``Class.method`` or ``function`` for notes."""
    parts = producer.dotted.split(".")
    return ".".join(parts[-2:]) if producer.is_method else parts[-1]
