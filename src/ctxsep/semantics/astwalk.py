"""Fast child iteration for the walks over a file's tree.

``ast.iter_child_nodes`` goes through a generator per node and yields every
expression context (``Load``/``Store``/``Del``) and operator node, which no
rule visits and no semantic question looks at: a ``Name`` costs two nodes
instead of one. ``child_nodes`` returns the same children in the same
order, minus those leaves, from a per-type list of fields.
"""

from __future__ import annotations

import ast

#: Fields that only ever hold expression contexts or operators (``ctx`` of
#: Name/Attribute/Subscript/Starred/List/Tuple, ``op`` of BinOp/BoolOp/
#: UnaryOp/AugAssign, ``ops`` of Compare): leaves that carry no names.
LEAF_FIELDS = frozenset({"ctx", "op", "ops"})

#: Fields the grammar types as an identifier, string, int or constant (Python's
#: ``Parser/Python.asdl``): never a node, so never worth a ``getattr``. A
#: ``Name`` then has no field to look at, a ``Constant`` none either.
SCALAR_FIELDS: dict[str, frozenset[str]] = {
    "FunctionDef": frozenset({"name", "type_comment"}),
    "AsyncFunctionDef": frozenset({"name", "type_comment"}),
    "ClassDef": frozenset({"name"}),
    "Assign": frozenset({"type_comment"}),
    "AnnAssign": frozenset({"simple"}),
    "For": frozenset({"type_comment"}),
    "AsyncFor": frozenset({"type_comment"}),
    "With": frozenset({"type_comment"}),
    "AsyncWith": frozenset({"type_comment"}),
    "ImportFrom": frozenset({"module", "level"}),
    "Global": frozenset({"names"}),
    "Nonlocal": frozenset({"names"}),
    "Attribute": frozenset({"attr"}),
    "Name": frozenset({"id"}),
    "Constant": frozenset({"value", "kind"}),
    "FormattedValue": frozenset({"conversion"}),
    "comprehension": frozenset({"is_async"}),
    "ExceptHandler": frozenset({"name"}),
    "arg": frozenset({"arg", "type_comment"}),
    "keyword": frozenset({"arg"}),
    "alias": frozenset({"name", "asname"}),
    "MatchSingleton": frozenset({"value"}),
    "MatchStar": frozenset({"name"}),
    "MatchMapping": frozenset({"rest"}),
    "MatchClass": frozenset({"kwd_attrs"}),
    "MatchAs": frozenset({"name"}),
    "TypeIgnore": frozenset({"lineno", "tag"}),
    "TypeVar": frozenset({"name"}),
    "ParamSpec": frozenset({"name"}),
    "TypeVarTuple": frozenset({"name"}),
}
_NO_SCALARS: frozenset[str] = frozenset()

_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def node_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    """The fields of ``node_type`` that may hold child nodes worth visiting."""
    fields = _FIELDS.get(node_type)
    if fields is None:
        scalars = SCALAR_FIELDS.get(node_type.__name__, _NO_SCALARS) if node_type.__module__ == "ast" else _NO_SCALARS
        fields = tuple(name for name in node_type._fields if name not in LEAF_FIELDS and name not in scalars)
        _FIELDS[node_type] = fields
    return fields


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))`` without contexts and operators."""
    children: list[ast.AST] = []
    fields = _FIELDS.get(type(node)) or node_fields(type(node))
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    children.append(item)
    return children
