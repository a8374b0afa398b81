"""Small facts about single nodes that every layer above needs."""

from __future__ import annotations

import ast
import re


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


def word_start_groups(pattern: re.Pattern[str], text: str) -> list[str]:
    r"""``pattern.findall(text)`` for a pattern with one group, keeping only
    the matches that start a word (as a leading ``\b`` would). The pattern
    itself starts with a literal, so the regex engine scans for it fast; a
    leading ``\b`` makes it try every position (three to four times slower).
    The patterns are ``keyword[\s...]+...``: a dropped match ends in
    whitespace, so it never hides a kept one."""
    found = []
    for match in pattern.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # what ``\w`` matches: isalnum() or "_"
        found.append(match.group(1))
    return found
