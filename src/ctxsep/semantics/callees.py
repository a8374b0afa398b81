"""What a same-file function gives back (SPEC §2, revision 2): its return
annotation, what it yields to a ``with`` block, and — for a pytest fixture
— what it returns or yields.

These are syntactic facts about one ``def``; whether the named types are
contexts is decided by :mod:`ctxsep.semantics.evidence`.
"""

from __future__ import annotations

import ast

from ctxsep.semantics.nodes import last_name
from ctxsep.semantics.resolve import parse_string_annotation
from ctxsep.semantics.scopes import FUNCTION_NODES, body_nodes

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: Annotations of a function whose value a ``with``/``async with`` block binds
#: to its first type argument (a ``@contextmanager`` generator is annotated
#: ``Iterator[C]``; a function returning a manager, ``ContextManager[C]``).
YIELD_WRAPPERS = frozenset(
    {
        "Iterator",
        "AsyncIterator",
        "Iterable",
        "AsyncIterable",
        "Generator",
        "AsyncGenerator",
        "ContextManager",
        "AsyncContextManager",
        "AbstractContextManager",
        "AbstractAsyncContextManager",
    }
)

_OPTIONAL_WRAPPERS = frozenset({"Optional", "Union"})
_FIXTURE_DECORATORS = frozenset({"fixture", "yield_fixture"})


def first_param(node: ast.AST) -> str | None:
    if not isinstance(node, FUNCTION_NODES):
        return None
    positional = [*node.args.posonlyargs, *node.args.args]
    return positional[0].arg if positional else None


def unstring(annotation: ast.expr | None) -> ast.expr | None:
    """A string annotation parsed; anything else as it is."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return parse_string_annotation(annotation)
    return annotation


def yielded_annotation(annotation: ast.expr | None) -> ast.expr | None:
    """``Iterator[C]``, ``AsyncGenerator[C, None]``, ``ContextManager[C]``… -> ``C``."""
    annotation = unstring(annotation)
    if not isinstance(annotation, ast.Subscript) or last_name(annotation.value) not in YIELD_WRAPPERS:
        return None
    inner = annotation.slice
    if isinstance(inner, ast.Tuple):
        return inner.elts[0] if inner.elts else None
    return inner


def mentions_self(annotation: ast.expr | None) -> bool:
    """``-> Self``, ``-> "Self"``, ``-> Optional[Self]``, ``-> Self | None``."""
    annotation = unstring(annotation)
    if isinstance(annotation, (ast.Name, ast.Attribute)):
        return last_name(annotation) == "Self"
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return mentions_self(annotation.left) or mentions_self(annotation.right)
    if isinstance(annotation, ast.Subscript) and last_name(annotation.value) in _OPTIONAL_WRAPPERS:
        elts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        return any(mentions_self(elt) for elt in elts)
    return False


def fixture_name(node: ast.AST) -> str | None:
    """The fixture a ``def`` declares (``@pytest.fixture``,
    ``@pytest_asyncio.fixture``, ``@fixture(name="other")``), or None."""
    if not isinstance(node, FUNCTION_NODES):
        return None
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call is not None else decorator
        if last_name(target) not in _FIXTURE_DECORATORS:
            continue
        if call is not None:
            for keyword in call.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    value = keyword.value.value
                    return value if isinstance(value, str) else None
        return node.name
    return None


def is_test_function(node: ast.AST) -> bool:
    """A function pytest collects by default (``test*``)."""
    return isinstance(node, FUNCTION_NODES) and node.name.startswith("test")


def parametrized_names(node: FunctionNode) -> frozenset[str]:
    """Argument names a ``@pytest.mark.parametrize("a, b", ...)`` decorator
    supplies: those parameters are not fixtures."""
    names: set[str] = set()
    for decorator in node.decorator_list:
        if not (isinstance(decorator, ast.Call) and last_name(decorator.func) == "parametrize" and decorator.args):
            continue
        spec = decorator.args[0]
        if isinstance(spec, ast.Constant) and isinstance(spec.value, str):
            names.update(part.strip() for part in spec.value.split(","))
        elif isinstance(spec, (ast.List, ast.Tuple)):
            names.update(e.value for e in spec.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return frozenset(names)


def produced_values(node: FunctionNode) -> list[ast.expr] | None:
    """The values a fixture's own body returns or yields (nested functions
    aside); None when one of them is a bare ``return``/``yield`` of nothing
    or a ``yield from`` (nothing known)."""
    values: list[ast.expr] = []
    for child in body_nodes(node):
        if isinstance(child, (ast.Return, ast.Yield)):
            if child.value is None:
                if isinstance(child, ast.Yield):
                    return None
                continue  # a bare ``return`` after the ``yield`` ends the fixture
            values.append(child.value)
        elif isinstance(child, ast.YieldFrom):
            return None
    return values


def module_fixtures(tree: ast.Module) -> dict[str, FunctionNode]:
    """The fixtures a module defines at top level (the last of a name wins),
    also inside ``if``/``try`` blocks."""
    found: dict[str, FunctionNode] = {}
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, FUNCTION_NODES):
            name = fixture_name(stmt)
            if name is not None:
                found[name] = stmt
        elif isinstance(stmt, (ast.If, ast.Try)):
            blocks = [stmt.body, stmt.orelse]
            if isinstance(stmt, ast.Try):
                blocks += [stmt.finalbody, *(h.body for h in stmt.handlers)]
            for block in reversed(blocks):
                stack.extend(reversed(block))
    return found


#: ``pytest.raises``, ``self.assertRaises`` and ``self.assertRaisesRegex``
RAISES_CALLS = frozenset({"raises", "assertRaises", "assertRaisesRegex"})


def raises_blocks(tree: ast.Module) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) of the body of every ``with pytest.raises(...)`` /
    ``with self.assertRaises(...)`` block in the file. Walks statements only
    (a ``with`` is a statement), not every expression."""
    spans = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if (
            isinstance(node, (ast.With, ast.AsyncWith))
            and node.body
            and any(
                isinstance(item.context_expr, ast.Call) and last_name(item.context_expr.func) in RAISES_CALLS
                for item in node.items
            )
        ):
            first = node.body[0]
            end = (node.end_lineno or first.lineno, node.end_col_offset or 0)
            spans.append(((first.lineno, first.col_offset), end))
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                stack.extend(child for child in block if isinstance(child, ast.AST))
    return spans
