"""The binding collector's shortcut skips only node types it never handles."""

from __future__ import annotations

import ast
import inspect
import re
import sysconfig
from pathlib import Path

from ctxsep.semantics import FileSemantics, Vocabulary
from ctxsep.semantics.astwalk import child_nodes
from ctxsep.semantics.scopes import NEVER_BINDS, SCOPE_NODES, Scope, _BindingCollector, body_nodes, statement_nodes


def test_the_collector_has_no_branch_for_a_skipped_type() -> None:
    source = inspect.getsource(_BindingCollector._node)
    tested = set()
    for match in re.finditer(r"isinstance\(node, \(?([^)]*)\)?\)", source):
        tested.update(re.findall(r"ast\.(\w+)", match.group(1)))
    assert tested, "the collector's isinstance tests moved: update this test"
    assert not {t.__name__ for t in NEVER_BINDS} & tested


def test_skipped_types_bind_nothing_anywhere_they_occur() -> None:
    tree = ast.parse("x = f(a, *b, k=c[1:2]) + (d.e < 2 and not g) or [h, {i: j}, {k}, f'{m}']\nreturn_ = x\n")
    for node in ast.walk(tree):
        if type(node) in NEVER_BINDS:
            collector = _BindingCollector.__new__(_BindingCollector)
            collector.out = {}
            collector._node(node)
            assert collector.out == {}, type(node).__name__


# -- the statement-only collection (files without ``:=``) -----------------------


def _snapshot(scope: Scope) -> tuple[object, ...]:
    bindings = {
        name: [(b.pos, b.kind, b.node, b.annotation, b.default, b.qualified, b.fallback_until) for b in found]
        for name, found in scope.bindings.items()
    }
    return bindings, sorted(scope.declared_global), scope.has_star_import


def _scope_nodes(tree: ast.Module) -> list[ast.AST]:
    return [tree, *(n for n in ast.walk(tree) if isinstance(n, SCOPE_NODES))]


def _stdlib_sample() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.glob("*.py")) + sorted(root.glob("asyncio/*.py")) + sorted(root.glob("email/*.py"))
    return files[::4]


def test_statements_alone_give_every_binding_when_no_expression_binds() -> None:
    """Every scope of a sample of the standard library (try/except fallbacks,
    TYPE_CHECKING, match, global, star imports, nested defs and classes):
    the bindings found among the statements alone are the ones the full
    walk finds, in the same order, for each file without ``:=``."""
    checked = 0
    for path in _stdlib_sample():
        source = path.read_text(encoding="utf-8", errors="replace")
        if ":=" in source:
            continue
        tree = ast.parse(source)
        for node in _scope_nodes(tree):
            full = Scope(node, None, ("m",))
            fast = Scope(node, None, ("m",))
            fast.binds_in_expressions = False
            assert _snapshot(fast) == _snapshot(full), (path, getattr(node, "name", node))
            checked += 1
    assert checked > 500


def test_statement_nodes_are_the_statements_of_body_nodes() -> None:
    source = """
import os as o
if TYPE_CHECKING:
    from a import B
else:
    B = None
try:
    from c import D
except ImportError as exc:
    D = exc
for i, (j, *k) in pairs:
    with open(i) as (f, g), x:
        del j
    while f:
        global GG
        match g:
            case {"k": [1, *rest], **others} if rest:
                pass
            case Point(x=0, y=yy) | Other(zz) as whole:
                aa = 1
class C:
    def m(self): y = 2
lam = lambda q: q
"""
    tree = ast.parse(source)
    structure = (ast.stmt, ast.excepthandler, ast.match_case, ast.pattern)
    expected = [n for n in body_nodes(tree) if isinstance(n, structure)]
    assert statement_nodes(tree) == expected
    # What the statements leave out binds nothing, except ``:=`` (files with one are walked in full).
    for node in body_nodes(tree):
        if not isinstance(node, structure) and not isinstance(node, ast.NamedExpr):
            collector = _BindingCollector(Scope(tree, None, ("m",)))
            collector._node(node)
            assert collector.out == {}, type(node).__name__


def test_a_walrus_binding_is_found() -> None:
    """A file with ``:=`` is collected with the full walk: the name bound
    inside an expression is known (here it is the context CTX002 builds)."""
    vocab = Vocabulary.default()
    source = "def f():\n    if (c := g()):\n        return c\n"
    sem = FileSemantics(ast.parse(source), vocab, ("m",), source)
    assert sem.module.binds_in_expressions
    func = sem.scope_of(sem.tree.body[0], sem.module)
    assert "c" in func.bindings
    plain = "def f():\n    c = g()\n    return c\n"
    assert not FileSemantics(ast.parse(plain), vocab, ("m",), plain).module.binds_in_expressions


def test_child_nodes_are_the_children_minus_contexts_and_operators() -> None:
    """The walks' child lists (no expression contexts, operators or scalar
    fields) hold every other child, in order, for every node of a sample of
    the standard library (type comments included)."""
    leaves = (ast.expr_context, ast.operator, ast.cmpop, ast.boolop, ast.unaryop)
    nodes = 0
    for path in _stdlib_sample():
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), type_comments=True)
        for node in ast.walk(tree):
            expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, leaves)]
            assert child_nodes(node) == expected, type(node).__name__
            nodes += 1
    assert nodes > 100_000


def test_stores_through_self_come_from_statements_when_nothing_calls_setattr() -> None:
    """A class's declarations (``self.x = ...`` in its methods) read from the
    statements alone, as they are in a file whose text has no ``setattr``,
    are the ones the walk over every node finds: on the standard library
    sample (methods whose text has no ``setattr``) and a file made to trip it."""
    from ctxsep.semantics.callees import first_param
    from ctxsep.semantics.evidence import _own_nodes, _own_statements, _self_stores

    tricky = (
        "class C:\n    def m(self, v):\n        if v:\n            self.a = v\n        else:\n"
        "            with v:\n                self.b: int = 1\n        try:\n            pass\n"
        "        except E:\n            self.c = [self.d for self.d in v]\n"
        "        match v:\n            case 1:\n                self.e = lambda: 1\n"
        "        def inner(self):\n            self.f = 2\n        x = [self.g for _ in v] if 0 else 1\n"
    )
    trees = [ast.parse(tricky)]
    for path in _stdlib_sample():
        text = path.read_text(encoding="utf-8")
        if "setattr" not in text:
            trees.append(ast.parse(text))
    methods = 0
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            first = first_param(node)
            if first is None:
                continue
            methods += 1
            walked = [s for n in _own_nodes(node) for s in _self_stores(n, first)]
            assert [s for n in _own_statements(node) for s in _self_stores(n, first)] == walked
    assert methods > 1000
