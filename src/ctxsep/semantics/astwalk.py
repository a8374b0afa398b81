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

_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def node_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    """The fields of ``node_type`` that may hold child nodes worth visiting."""
    fields = _FIELDS.get(node_type)
    if fields is None:
        fields = tuple(name for name in node_type._fields if name not in LEAF_FIELDS)
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
