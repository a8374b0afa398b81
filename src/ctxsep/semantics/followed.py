"""Evidence that follows the code the way a reader does (SPEC §2, revision 2).

- a call of a function or method **defined in the same file** whose return
  annotation is a context type (``-> UserExecutionContext``, a string,
  ``Optional[...]``, ``-> Self`` inside a context class) returns a context;
- a ``context-methods`` call (``create_child_context``, ``with_db_session``)
  **on a context** returns a context of the same kind;
- ``with``/``async with f(...) as c``: ``c`` is a context when ``f`` is a
  ``context-scopes`` entry or a same-file function annotated to yield one
  (``Iterator[C]``, ``AsyncGenerator[C, None]``, ``ContextManager[C]``, …);
- an unannotated parameter of a test function (or of a fixture) named after a
  same-file or ``conftest.py`` fixture that returns or yields a context is a
  context (``conftest.py`` fixtures arrive as a ready mapping: see
  :mod:`ctxsep.semantics.conftest`);
- ``def g[T: RequestScopedContext](context: T)``: a parameter annotated with
  a PEP 695 type parameter has its bound's evidence.

Methods are found through ``self``/``cls`` of a method of the same class or
through the class's own name; methods inherited from another class are not
followed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ctxsep.semantics.callees import (
    FunctionNode,
    first_param,
    fixture_name,
    is_test_function,
    mentions_self,
    module_fixtures,
    parametrized_names,
    produced_values,
    unstring,
    yielded_annotation,
)
from ctxsep.semantics.kinds import NOTHING, SESSION, ContextKind, Evidence, evidence_from_types
from ctxsep.semantics.nodes import last_name, word_start_groups
from ctxsep.semantics.scopes import FUNCTION_NODES, Binding, BindingKind, Scope, ScopeKind, pos_of

if TYPE_CHECKING:
    from ctxsep.semantics.evidence import Evidences

#: fixture name -> what it provides, from the ``conftest.py`` files above a file
FixtureTable = Mapping[str, Evidence]
FixtureSource = Callable[[], FixtureTable]


class Followed:
    """The revision-2 evidence of one file, memoized; answers for
    :class:`~ctxsep.semantics.evidence.Evidences`."""

    def __init__(self, evidences: Evidences, conftest: FixtureSource | None = None) -> None:
        self.ev = evidences
        self._conftest_source = conftest
        self._conftest: FixtureTable | None = None
        self._local_fixtures: dict[str, FunctionNode] | None = None
        self._returns: dict[int, Evidence] = {}
        self._fixtures: dict[str, Evidence] = {}
        self._fixtures_in_progress: set[str] = set()
        self._methods: frozenset[str] | None = None
        #: the file's source, when known: the names it defines with ``def``
        self.source = ""
        self._defined: frozenset[str] | None = None

    # -- calls ----------------------------------------------------------------------

    def call(self, call: ast.Call, scope: Scope, depth: int) -> Evidence:
        """What a call returns, when a context-method or a same-file
        function's return annotation says."""

        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in self.ev.vocab.context_methods:
            receiver = self.ev.of(func.value, scope, depth + 1)
            if receiver.is_context:
                return Evidence(receiver.context, type_name=receiver.type_name)
        callee = self.local_function(func, scope)
        if callee is None:
            return NOTHING
        return self.returned_by(*callee)

    def returned_by(self, node: FunctionNode, where: Scope) -> Evidence:
        """The context a same-file function's return annotation names
        (``where``: the scope the ``def`` sits in, where its annotations
        are evaluated)."""

        memo = self._returns.get(id(node))
        if memo is not None:
            return memo
        result = NOTHING
        if node.returns is not None:
            if mentions_self(node.returns) and where.kind is ScopeKind.CLASS:
                assert isinstance(where.node, ast.ClassDef)
                result = self.ev.class_facts(where.node, where.parent or where).context
            else:
                found = evidence_from_types(self.ev.resolver.annotation_types(node.returns, where))
                if found.is_context:
                    result = Evidence(found.context, type_name=found.type_name)
        self._returns[id(node)] = result
        return result

    def local_function(self, func: ast.AST, scope: Scope) -> tuple[FunctionNode, Scope] | None:
        """The same-file ``def`` a call's callee names, with the scope it is
        defined in: a function by name, or a method through ``self``/``cls``
        or its class's name."""
        defined = self.defined_names()
        if defined is not None and last_name(func) not in defined:
            return None  # no ``def`` of that name in this file (most calls: builtins, imports)
        if isinstance(func, ast.Name):
            _, binding = scope.lookup(func.id, pos_of(func))
            return _def_of(binding)
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return None
        class_scope = self._class_scope(func.value, scope, func.attr)
        if class_scope is None:
            return None
        return _def_of(class_scope.local_binding(func.attr, None))

    def defined_names(self) -> frozenset[str] | None:
        """Every name the file defines with ``def`` (None: source unknown)."""
        if self._defined is None and self.source:
            self._defined = frozenset(word_start_groups(_DEF_NAME, self.source))
        return self._defined

    def _context_class_methods(self, module: Scope) -> frozenset[str]:
        """Names of the methods of this file's module-level context classes."""
        if self._methods is None:
            names: set[str] = set()
            for bindings in module.bindings.values():
                for binding in bindings:
                    node = binding.node
                    if (
                        binding.kind is BindingKind.CLASS
                        and isinstance(node, ast.ClassDef)
                        and self.ev.class_facts(node, module).context.is_context
                    ):
                        names.update(s.name for s in node.body if isinstance(s, FUNCTION_NODES))
            self._methods = frozenset(names)
        return self._methods

    def _class_scope(self, name: ast.Name, scope: Scope, attr: str) -> Scope | None:
        facts = self.ev.self_of_method(name, scope)
        if facts is not None:
            method = scope.enclosing_function()
            assert method is not None and method.parent is not None
            return method.parent
        owner, binding = scope.lookup(name.id, pos_of(name))
        if owner is None or binding is None:
            return None
        if binding.kind is not BindingKind.CLASS:
            # An instance of a context class of this file (``c: Ctx``, ``c = Ctx(...)``)
            # calling one of its methods: asked only when such a method exists.
            if attr not in self._context_class_methods(scope.module):
                return None
            found = self.ev.of_binding(binding)
            if not found.is_context or not found.type_name:
                return None
            owner = scope.module
            binding = owner.local_binding(found.type_name, None)
            if binding is None or binding.kind is not BindingKind.CLASS:
                return None
        node = binding.node
        assert isinstance(node, ast.ClassDef)
        return self.ev.scope_of(node, owner)

    # -- with blocks --------------------------------------------------------------------

    def with_target(self, target: ast.AST, scope: Scope) -> Evidence:
        """What ``with target as c`` binds to ``c``, as far as contexts go."""

        if isinstance(target, ast.Await):
            target = target.value
        if not isinstance(target, ast.Call):
            return NOTHING
        if self.ev.vocab.is_context_scope(self.ev.resolver.qualified(target.func, scope)):
            return Evidence(ContextKind.UNKNOWN)
        callee = self.local_function(target.func, scope)
        if callee is None:
            return NOTHING
        return self.with_target_of_def(*callee)

    def with_target_of_def(self, node: FunctionNode, where: Scope) -> Evidence:
        """What ``with f(...) as c`` binds when ``f`` is this ``def``, by its
        annotation (``Iterator[C]``, ``AbstractAsyncContextManager[C]``…)."""
        yielded = yielded_annotation(node.returns)
        if yielded is None:
            return NOTHING
        if mentions_self(yielded) and where.kind is ScopeKind.CLASS:
            assert isinstance(where.node, ast.ClassDef)
            return self.ev.class_facts(where.node, where.parent or where).context
        found = evidence_from_types(self.ev.resolver.annotation_types(yielded, where))
        return Evidence(found.context, type_name=found.type_name) if found.is_context else NOTHING

    # -- parameters: fixtures and PEP 695 bounds ------------------------------------------

    def param(self, binding: Binding, scope: Scope) -> Evidence:
        """Evidence for a parameter that its annotation and default gave none."""

        node = scope.node
        if not isinstance(node, FUNCTION_NODES):
            return NOTHING
        if binding.annotation is not None:
            if not getattr(node, "type_params", None):
                return NOTHING
            bound = _type_param_bound(node, binding.annotation)
            if bound is None:
                return NOTHING
            found = evidence_from_types(self.ev.resolver.annotation_types(bound, scope.parent or scope))
            return found
        if binding.default is not None or binding.kind is not BindingKind.PARAM:
            return NOTHING
        if not (is_test_function(node) or fixture_name(node) is not None):
            return NOTHING
        in_class = scope.parent is not None and scope.parent.kind is ScopeKind.CLASS
        if in_class and binding.name == first_param(node):
            return NOTHING  # ``self``
        if node.decorator_list and binding.name in parametrized_names(node):
            return NOTHING  # supplied by ``@pytest.mark.parametrize``, not by the fixture
        return self.fixture(binding.name, scope.module)

    def fixture(self, name: str, module: Scope) -> Evidence:
        """What the fixture ``name`` provides: defined in this file, else in a
        ``conftest.py`` above it."""

        memo = self._fixtures.get(name)
        if memo is not None:
            return memo
        if name in self._fixtures_in_progress:
            return NOTHING
        self._fixtures_in_progress.add(name)
        try:
            local = self.local_fixtures(module).get(name)
            result = self.provided_by(local, module) if local is not None else self.conftest().get(name, NOTHING)
        finally:
            self._fixtures_in_progress.discard(name)
        self._fixtures[name] = result
        return result

    def local_fixtures(self, module: Scope) -> dict[str, FunctionNode]:
        if self._local_fixtures is None:
            tree = module.node
            self._local_fixtures = module_fixtures(tree) if isinstance(tree, ast.Module) else {}
        return self._local_fixtures

    def conftest(self) -> FixtureTable:
        if self._conftest is None:
            self._conftest = self._conftest_source() if self._conftest_source is not None else {}
        return self._conftest

    def provided_by(self, node: FunctionNode, where: Scope) -> Evidence:
        """What a fixture function provides: its annotation (``-> C``,
        ``-> Iterator[C]``, ``-> AsyncGenerator[C, None]``), else every value
        it returns or yields, when all of them are contexts (or all are
        sessions)."""

        if node.returns is not None:
            annotation = yielded_annotation(node.returns) or node.returns
            return evidence_from_types(self.ev.resolver.annotation_types(annotation, where))
        values = produced_values(node)
        if not values:
            return NOTHING
        body = self.ev.scope_of(node, where)
        found = [self.ev.of(value, body) for value in values if not _is_none(value)]
        if not found:
            return NOTHING
        if all(f.is_context for f in found):
            result = NOTHING
            for f in found:
                result = result | Evidence(f.context, type_name=f.type_name)
            return result
        if all(f.session for f in found):
            return SESSION
        return NOTHING

    def fixture_table(self, module: Scope) -> dict[str, Evidence]:
        """Every fixture this file defines and what it provides (what a
        ``conftest.py`` offers the files below it; a plain one overrides a
        context fixture of the same name further up)."""
        return {name: self.fixture(name, module) for name in self.local_fixtures(module)}


_DEF_NAME = re.compile(r"def\s+([^\W\d]\w*)")  # at a word start: word_start_groups


def _def_of(binding: Binding | None) -> tuple[FunctionNode, Scope] | None:
    if binding is None or binding.kind is not BindingKind.DEF or binding.scope is None:
        return None
    node = binding.node
    return (node, binding.scope) if isinstance(node, FUNCTION_NODES) else None


def _type_param_bound(node: FunctionNode, annotation: ast.expr) -> ast.expr | None:
    """``def g[T: Bound](x: T)``: the bound of the type parameter ``annotation`` names."""
    annotation = unstring(annotation)  # type: ignore[assignment]
    if not isinstance(annotation, ast.Name):
        return None
    type_var = getattr(ast, "TypeVar", None)  # Python 3.12+
    for param in getattr(node, "type_params", ()):
        if type_var is not None and isinstance(param, type_var) and param.name == annotation.id:
            bound: ast.expr | None = param.bound
            return bound if not isinstance(bound, ast.Tuple) else None  # constraints are not a bound
    return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
