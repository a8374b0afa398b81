"""Counting the migration's progress in one file: uses of the legacy API and
of its replacement, by name resolution (the same resolution the rules use),
never by matching text.

A *use* is a call of a vocabulary name or a reference to it as a value
(``Depends(get_request_scoped_user_context)`` is how FastAPI code calls a
factory). Imports are recorded separately, for the dependency graph of
``ctxsep report --graph``. Definitions, strings and comments are not uses.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field

from ctxsep.semantics import FileSemantics
from ctxsep.semantics.scopes import SCOPE_NODES, BindingKind, Scope, end_of
from ctxsep.semantics.vocabulary import Category, Vocabulary

#: The categories whose names are the legacy API (what the graph shows).
LEGACY_CATEGORIES = (Category.LEGACY_CONSTRUCTOR, Category.LEGACY_CONTEXT_TYPE)


@dataclass
class Usage:
    legacy_constructor_uses: int = 0
    scoped_factory_uses: int = 0
    #: qualified legacy name -> {"imports": n, "uses": n}
    legacy_symbols: dict[str, Counter[str]] = field(default_factory=dict)

    def add_legacy(self, name: str, kind: str) -> None:
        self.legacy_symbols.setdefault(name, Counter())[kind] += 1


def count_usage(tree: ast.Module, vocab: Vocabulary, module_parts: tuple[str, ...], source: str = "") -> Usage:
    """Walk ``tree`` once (iteratively) with scopes, resolving every name
    that could be vocabulary (``source`` lets renamed imports be found)."""
    sem = FileSemantics(tree, vocab, module_parts, source)
    usage = Usage()
    stack: list[tuple[ast.AST, Scope]] = [(tree, sem.module)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            _imports(node, scope, vocab, usage)
        elif _might_be_vocabulary(node, sem):
            assert isinstance(node, (ast.Name, ast.Attribute))
            _use(node, scope, sem, usage)
        inner = sem.scope_of(node, scope) if isinstance(node, SCOPE_NODES) else scope
        for child in ast.iter_child_nodes(node):
            # Decorators, defaults and base classes are evaluated in the enclosing scope.
            stack.append((child, scope if _outside_body(node, child) else inner))
    return usage


def _might_be_vocabulary(node: ast.AST, sem: FileSemantics) -> bool:
    """A cheap test before resolving: a loaded name that could name vocabulary."""
    if isinstance(node, ast.Name):
        return isinstance(node.ctx, ast.Load) and sem.might_name(node.id)
    if isinstance(node, ast.Attribute):
        return isinstance(node.ctx, ast.Load) and sem.vocab.might_match(node.attr)
    return False


def _use(node: ast.Name | ast.Attribute, scope: Scope, sem: FileSemantics, usage: Usage) -> None:
    qualified = sem.qualified(node, scope)
    category = sem.vocab.match(qualified)
    if category is None or qualified is None:
        return
    if category is Category.LEGACY_CONSTRUCTOR:
        usage.legacy_constructor_uses += 1
    elif category is Category.SCOPED_FACTORY:
        usage.scoped_factory_uses += 1
    if category in LEGACY_CATEGORIES:
        usage.add_legacy(qualified.dotted, "uses")


def _imports(node: ast.Import | ast.ImportFrom, scope: Scope, vocab: Vocabulary, usage: Usage) -> None:
    pos = end_of(node)
    for alias in node.names:
        if alias.name == "*":
            continue
        bound = alias.asname or (alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name)
        for binding in scope.bindings.get(bound, ()):
            if binding.kind is BindingKind.IMPORT and binding.pos == pos and binding.qualified is not None:
                if vocab.match(binding.qualified) in LEGACY_CATEGORIES:
                    usage.add_legacy(binding.qualified.dotted, "imports")
                break


def _outside_body(owner: ast.AST, child: ast.AST) -> bool:
    """Whether ``child`` of a scope-opening node belongs to the enclosing scope."""
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return child in owner.decorator_list or child is owner.returns or isinstance(child, ast.arguments)
    if isinstance(owner, ast.ClassDef):
        return child in owner.decorator_list or child in owner.bases or child in owner.keywords
    return False
