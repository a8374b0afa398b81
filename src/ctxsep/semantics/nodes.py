"""Small facts about single nodes that every layer above needs."""

from __future__ import annotations

import ast


def last_name(expr: ast.AST) -> str:
    """``a.b.c`` -> ``c``, ``name`` -> ``name``, anything else -> ``""``."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return ""


def source_text(node: ast.AST) -> str:
    """The node as source, for messages; never raises (``ast.unparse`` can
    fail on odd trees and recurses on deep ones)."""
    try:
        return ast.unparse(node)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return "<expression>"
