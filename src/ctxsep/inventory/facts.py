"""One file's contribution to ``ctxsep names``: the definitions and
module-level aliases whose names a vocabulary entry matches, and the
``from ... import`` statements that let the tree-wide index count importers
and follow re-exports.

Everything here is answered by :mod:`ctxsep.semantics` (the same resolver,
scopes and class facts the rules use); this module only decides what to
record and which evidence to show a human choosing between candidates.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from ctxsep.inventory.judge import (
    UNKNOWN,
    UNLIKELY,
    class_evidence,
    function_evidence,
    produces_session,
)
from ctxsep.inventory.producers import Producer, find_producers
from ctxsep.semantics import SCOPE_NODES, FileSemantics, Scope, ScopeKind, parse_string_annotation
from ctxsep.semantics.nodes import source_text as source
from ctxsep.semantics.resolve import is_alias_value
from ctxsep.semantics.scopes import FUNCTION_NODES, import_base
from ctxsep.semantics.vocabulary import Category, Origin, QualifiedName

_CONTEXT_CATEGORIES = (Category.LEGACY_CONTEXT_TYPE, Category.SCOPED_CONTEXT_TYPE)


@dataclass(frozen=True)
class Definition:
    """A class, function or module-level variable a vocabulary entry matches
    by its last component."""

    category: str  # the vocabulary key, e.g. "legacy-context-types"
    name: str  # the matched identifier
    module: str  # dotted module path derived from the file's location
    qualname: str  # "UserExecutionContext", "Factory.create_user_execution_context", "f.<locals>.X"
    path: str
    line: int
    kind: str  # "class", "function", "async function", "method", "classmethod", "variable", ...
    addressable: bool  # reachable by a dotted name (not nested in a function, not a fallback)
    matched: bool  # the current vocabulary already matches it
    verdict: str  # LIKELY / UNLIKELY / UNKNOWN for this category
    traits: tuple[str, ...] = ()  # evidence shown to the human
    reasons: tuple[str, ...] = ()  # why the verdict
    #: False for a likely session factory no vocabulary entry names (a suggestion to opt in)
    in_vocabulary: bool = True

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.qualname}" if self.module else self.qualname


@dataclass(frozen=True)
class Alias:
    """A module-level alias whose value is (or wraps) a vocabulary entry:
    ``X = T``, ``X: TypeAlias = T``, ``type X = T``, ``X = Annotated[T, Depends(f)]``."""

    category: str  # the category of what it names
    name: str
    module: str
    path: str
    line: int
    value: str  # the aliased expression, as written
    target: str  # the vocabulary name it resolves to
    target_module: str  # the module that name comes from ("" when unknown)
    matched: bool  # the current vocabulary already names the alias itself

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name


@dataclass(frozen=True)
class ImportUse:
    """``from <module> import <name> [as <bound>]`` anywhere in a file."""

    module: str  # absolute dotted module (relative imports resolved by path)
    name: str
    bound: str
    path: str
    line: int
    at_module_level: bool


@dataclass(frozen=True)
class UnboundUse:
    """A vocabulary identifier used in a file that binds it nowhere in the
    scopes it is looked up from (a string annotation next to a function-local
    import, a missing import). Only a bare entry can match such a use."""

    name: str
    path: str
    line: int


@dataclass
class FileFacts:
    path: str
    module: str
    definitions: list[Definition] = field(default_factory=list)
    aliases: list[Alias] = field(default_factory=list)
    imports: list[ImportUse] = field(default_factory=list)
    unbound: list[UnboundUse] = field(default_factory=list)
    #: names this module binds at module level by definition or alias (for re-export following)
    defines: frozenset[str] = frozenset()
    #: methods returning a context and functions yielding one (context-methods / context-scopes)
    producers: list[Producer] = field(default_factory=list)


def module_name(module_parts: tuple[str, ...]) -> str:
    parts = [p for p in module_parts if p != "__init__"]
    return ".".join(parts)


def is_test_path(path: str) -> bool:
    """Test code by the usual layouts: a ``tests``/``test``/``testing``
    directory (or ``test_*``/``*_tests``), ``test_*.py``, ``*_test.py``,
    ``conftest.py``."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") or p.startswith("test_") or p.endswith("_tests") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def extract(sem: FileSemantics, path: str) -> FileFacts:
    """Record what ``ctxsep names`` needs from one parsed file."""
    facts = _Extractor(sem, path).run()
    facts.producers = find_producers(sem, path, facts.module, is_test_path(path))
    return facts


class _Extractor:
    def __init__(self, sem: FileSemantics, path: str) -> None:
        self.sem = sem
        self.vocab = sem.vocab
        self.path = path
        self.in_tests = is_test_path(path)
        self.facts = FileFacts(path=path, module=module_name(sem.module.module_parts))
        self._categories = _categories_by_name(sem)

    def run(self) -> FileFacts:
        defines: set[str] = set()
        # (node, scope it sits in, qualname prefix, inside a function, inside an except/fallback block)
        stack: list[tuple[ast.AST, Scope, tuple[str, ...], bool, bool]] = [
            (child, self.sem.module, (), False, False) for child in reversed(self.sem.tree.body)
        ]
        while stack:
            node, scope, prefix, nested, fallback = stack.pop()
            if isinstance(node, (ast.ClassDef, *FUNCTION_NODES)):
                self._definition(node, scope, prefix, nested, fallback)
                if scope.kind is ScopeKind.MODULE:
                    defines.add(node.name)
                inner = self.sem.scope_of(node, scope)
                qual = (*prefix, node.name) if isinstance(node, ast.ClassDef) else (*prefix, node.name, "<locals>")
                is_function = isinstance(node, FUNCTION_NODES) or nested
                stack.extend((c, inner, qual, is_function, fallback) for c in reversed(node.body))
                continue
            if isinstance(node, ast.ImportFrom):
                self._import(node, scope)
            elif scope.kind is ScopeKind.MODULE and isinstance(node, (ast.Assign, ast.AnnAssign)):
                defines.update(self._module_assignment(node, fallback))
            elif scope.kind is ScopeKind.MODULE and isinstance(node, ast.stmt) and type(node).__name__ == "TypeAlias":
                name = node.name.id  # type: ignore[attr-defined]  # ``type X = T``: Python 3.12+
                defines.add(name)
                self._alias(name, node.value, node)  # type: ignore[attr-defined]
            in_handler = fallback or isinstance(node, ast.ExceptHandler)
            children = [c for c in ast.iter_child_nodes(node) if isinstance(c, (ast.stmt, ast.ExceptHandler))]
            stack.extend((c, scope, prefix, nested, in_handler) for c in reversed(children))
        self.facts.defines = frozenset(defines)
        self._unbound_uses()
        return self.facts

    # -- definitions --------------------------------------------------------------

    def _definition(
        self,
        node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
        scope: Scope,
        prefix: tuple[str, ...],
        nested: bool,
        fallback: bool,
    ) -> None:
        categories = list(self._categories.get(node.name, ()))
        if isinstance(node, ast.ClassDef):
            base_categories = [ref.category for ref in self.sem.resolver.base_types(node, scope)]
            categories.extend(c for c in base_categories if c in (*_CONTEXT_CATEGORIES, Category.SESSION_TYPE))
        unlisted = not categories and produces_session(self.sem, node, scope)
        if unlisted:
            categories.append(Category.SESSION_FACTORY)
        if not categories:
            return
        qualname = ".".join((*prefix, node.name))
        addressable = not nested and not fallback
        if addressable:
            as_seen = QualifiedName((*self.sem.resolver.module_parts, *prefix, node.name), Origin.LOCAL)
        else:
            as_seen = QualifiedName((node.name,), Origin.UNKNOWN)
        matched_cat = self.vocab.match(as_seen)
        for category in dict.fromkeys(categories):
            if isinstance(node, ast.ClassDef):
                listed = node.name in self._categories
                kind, traits, verdict, reasons = class_evidence(self.sem, node, scope, category, listed)
            else:
                kind, traits, verdict, reasons = function_evidence(self.sem, node, scope, category)
            if fallback:
                traits = (*traits, "defined in an except block (a fallback)")
                verdict, reasons = UNLIKELY, ("a fallback definition", *reasons)
            elif nested:
                traits = (*traits, "defined inside a function")
                verdict, reasons = UNLIKELY, ("local to a function: no dotted name reaches it", *reasons)
            if self.in_tests and verdict != UNLIKELY:
                verdict, reasons = UNLIKELY, ("test code", *reasons)
            self.facts.definitions.append(
                Definition(
                    category=category.value,
                    name=node.name,
                    module=self.facts.module,
                    qualname=qualname,
                    path=self.path,
                    line=node.lineno,
                    kind=kind,
                    addressable=addressable,
                    matched=matched_cat is category,
                    verdict=verdict,
                    traits=traits,
                    reasons=reasons,
                    in_vocabulary=not unlisted,
                )
            )

    def _module_assignment(self, node: ast.Assign | ast.AnnAssign, fallback: bool) -> set[str]:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if value is None:
            return names
        for name in sorted(names):
            for category in self._categories.get(name, ()):
                self._variable(name, category, value, node, fallback)
            if is_alias_value(value):
                self._alias(name, value, node)
        return names

    def _variable(self, name: str, category: Category, value: ast.expr, node: ast.stmt, fallback: bool) -> None:
        """``AsyncSessionLocal = async_session_factory``: a vocabulary name
        bound by assignment."""
        is_none = isinstance(value, ast.Constant) and value.value is None
        traits = (f"= {source(value)[:80]}",)
        if is_none or fallback:
            verdict, reasons = UNLIKELY, ("a placeholder or fallback binding",)
        else:
            verdict, reasons = UNKNOWN, ("bound by assignment",)
        if self.in_tests and verdict != UNLIKELY:
            verdict, reasons = UNLIKELY, ("test code",)
        matched = self.vocab.match(self.sem.resolver.definition_name(name, self.sem.module)) is category
        self.facts.definitions.append(
            Definition(
                category=category.value,
                name=name,
                module=self.facts.module,
                qualname=name,
                path=self.path,
                line=node.lineno,
                kind="variable",
                addressable=not fallback,
                matched=matched,
                verdict=verdict,
                traits=traits,
                reasons=reasons,
            )
        )

    def _alias(self, name: str, value: ast.expr, node: ast.stmt) -> None:
        if name in self._categories:
            return  # a vocabulary name itself: recorded as a variable
        resolver = self.sem.resolver
        module = self.sem.module
        targets = []
        for ref in resolver.annotation_types(value, module):
            qualified = resolver.qualified(ref.node, module, (1 << 30, 0))
            targets.append((ref.category, ref.name, _module_of(qualified)))
        if not targets:
            qualified = resolver.qualified(value, module, (1 << 30, 0))
            category = self.vocab.match(qualified)
            if category is not None and qualified is not None:
                targets = [(category, qualified.last, _module_of(qualified))]
        for category, target, target_module in dict.fromkeys(targets):
            own = self.vocab.match(resolver.definition_name(name, self.sem.module))
            self.facts.aliases.append(
                Alias(
                    category=category.value,
                    name=name,
                    module=self.facts.module,
                    path=self.path,
                    line=node.lineno,
                    value=source(value)[:120],
                    target=target,
                    target_module=target_module,
                    matched=own is category,
                )
            )

    # -- imports and unbound uses ------------------------------------------------------

    def _import(self, node: ast.ImportFrom, scope: Scope) -> None:
        base, _ = import_base(node, self.sem.module.module_parts)
        module = ".".join(base)
        for alias in node.names:
            if alias.name == "*":
                continue
            self.facts.imports.append(
                ImportUse(
                    module=module,
                    name=alias.name,
                    bound=alias.asname or alias.name,
                    path=self.path,
                    line=node.lineno,
                    at_module_level=scope.kind is ScopeKind.MODULE,
                )
            )

    def _unbound_uses(self) -> None:
        """First use per vocabulary identifier that resolves to no binding
        (its qualified name has an unknown origin)."""
        seen: set[str] = set()
        for name_node, scope in _names_with_scopes(self.sem):
            ident = name_node.id
            if ident in seen or ident not in self._categories:
                continue
            qualified = self.sem.resolver.qualified(name_node, scope)
            if qualified is not None and qualified.origin is Origin.UNKNOWN:
                seen.add(ident)
                self.facts.unbound.append(UnboundUse(ident, self.path, getattr(name_node, "lineno", 0)))


# -- helpers -------------------------------------------------------------------------------


def _categories_by_name(sem: FileSemantics) -> dict[str, tuple[Category, ...]]:
    """Identifier -> the categories whose entries end with it."""
    found: dict[str, list[Category]] = {}
    for category in Category:
        for entry in sem.vocab.names_in(category):
            found.setdefault(entry.rsplit(".", 1)[-1], []).append(category)
    return {k: tuple(dict.fromkeys(v)) for k, v in found.items()}


def _names_with_scopes(sem: FileSemantics) -> Iterator[tuple[ast.Name, Scope]]:
    """Every Name node (and Name inside string annotations) with its scope."""
    stack: list[tuple[ast.AST, Scope]] = [(sem.tree, sem.module)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            yield node, scope
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 200:
            parsed = parse_string_annotation(node)
            if parsed is not None:
                yield from ((n, scope) for n in ast.walk(parsed) if isinstance(n, ast.Name))
        inner = sem.scope_of(node, scope) if isinstance(node, SCOPE_NODES) else scope
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _module_of(qualified: QualifiedName | None) -> str:
    """The module part of a resolved name, when it is known."""
    if qualified is None or qualified.origin is Origin.UNKNOWN:
        return ""
    return ".".join(qualified.parts[:-1])
