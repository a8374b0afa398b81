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

from ctxsep.semantics import FileSemantics, Scope, ScopeKind
from ctxsep.semantics.classes import session_attributes
from ctxsep.semantics.resolve import is_alias_value
from ctxsep.semantics.scopes import FUNCTION_NODES, import_base
from ctxsep.semantics.vocabulary import Category, Origin, QualifiedName

LIKELY, UNLIKELY, UNKNOWN = "likely", "unlikely", "unknown"
_CONTEXT_CATEGORIES = (Category.LEGACY_CONTEXT_TYPE, Category.SCOPED_CONTEXT_TYPE)
_CONTAINER_FACTORIES = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict", "deque"})
_CONTEXT_WORD = {Category.LEGACY_CONTEXT_TYPE: "legacy", Category.SCOPED_CONTEXT_TYPE: "request-scoped"}
_CONTAINER_TYPES = frozenset({"dict", "list", "set", "Dict", "List", "Set", "DefaultDict", "Deque", "MutableMapping"})


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


def module_name(module_parts: tuple[str, ...]) -> str:
    parts = [p for p in module_parts if p != "__init__"]
    return ".".join(parts)


def is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def extract(sem: FileSemantics, path: str) -> FileFacts:
    """Record what ``ctxsep names`` needs from one parsed file."""
    return _Extractor(sem, path).run()


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
                kind, traits, verdict, reasons = self._class_evidence(node, scope, category)
            else:
                kind, traits, verdict, reasons = self._function_evidence(node, scope, category)
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
                )
            )

    def _class_evidence(
        self, node: ast.ClassDef, scope: Scope, category: Category
    ) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
        traits: list[str] = []
        frozen, is_dataclass = _dataclass_flags(node)
        if is_dataclass:
            traits.append("frozen dataclass" if frozen else "mutable dataclass")
        bases = [_text(b) for b in node.bases]
        derived = [ref.name for ref in self.sem.resolver.base_types(node, scope)]
        if bases:
            traits.append(f"bases: {', '.join(bases)}")
        facts = self.sem.class_facts(node, scope)
        sessions = session_attributes(facts, self.sem.resolver)
        for attr, first in sessions:
            traits.append(f"session attribute {attr!r} (line {getattr(first, 'lineno', node.lineno)})")
        containers = _container_fields(node)
        if containers:
            traits.append(f"mutable containers: {', '.join(containers[:4])}{', ...' if len(containers) > 4 else ''}")
        kind = "class"
        if node.name not in self._categories:
            kind = "subclass"
            traits.insert(0, f"derives from {', '.join(derived)}")
        if category is Category.LEGACY_CONTEXT_TYPE:
            if sessions:
                return kind, tuple(traits), LIKELY, ("carries a session",)
            if frozen:
                return kind, tuple(traits), LIKELY, ("frozen, like the legacy context",)
            why = "mutable and carries no session: a different class of the same name"
            return kind, tuple(traits), UNLIKELY, (why,)
        if category is Category.SCOPED_CONTEXT_TYPE:
            return kind, tuple(traits), LIKELY, ()
        if category is Category.SESSION_TYPE:
            if any(ref.category is Category.SESSION_TYPE for ref in self.sem.resolver.base_types(node, scope)):
                return kind, tuple(traits), LIKELY, ("derives from a session type",)
            return kind, tuple(traits), UNLIKELY, ("not derived from a session type (database sessions are imported)",)
        return kind, tuple(traits), UNKNOWN, ("a class where a function is expected",)

    def _function_evidence(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, category: Category
    ) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
        decorators = {_last(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
        is_async = isinstance(node, ast.AsyncFunctionDef)
        in_class = scope.kind is ScopeKind.CLASS
        if in_class:
            kind = "method"
            for special in ("classmethod", "staticmethod"):
                if special in decorators:
                    kind = special
            kind = f"async {kind}" if is_async else kind
        else:
            kind = "async function" if is_async else "function"
        traits: list[str] = []
        shown = [d for d in decorators if d in ("asynccontextmanager", "contextmanager", "property", "cached_property")]
        traits.extend(f"@{d}" for d in sorted(shown))
        if _yields(node):
            traits.append("generator")
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
        if in_class and params and kind.split()[-1] in ("method", "classmethod"):
            params = params[1:]
        traits.append(f"params: ({', '.join(params)})" if params else "no params")
        returns = _text(node.returns) if node.returns is not None else ""
        if returns:
            traits.append(f"returns {returns}")
        inner = self.sem.scope_of(node, scope)
        mentioned = _vocabulary_mentions(node, inner, self.sem)
        if category is Category.SESSION_FACTORY:
            if Category.SESSION_TYPE in _annotation_categories(node.returns, scope, self.sem):
                return kind, tuple(traits), LIKELY, ("returns a session type",)
            opener = mentioned.get(Category.SESSION_FACTORY) or mentioned.get(Category.SESSION_TYPE)
            if opener and opener.rsplit(".", 1)[-1] == node.name:
                opener = ""  # delegating to another object's method of the same name says nothing
            if opener:
                traits.append(f"uses {opener}")
                return kind, tuple(traits), LIKELY, (f"opens a session with {opener}",)
            if returns:
                return kind, tuple(traits), UNLIKELY, (f"returns {returns}, not a session",)
            return kind, tuple(traits), UNKNOWN, ("no annotation or session use to go by",)
        if category in (Category.LEGACY_CONSTRUCTOR, Category.SCOPED_FACTORY):
            legacy = category is Category.LEGACY_CONSTRUCTOR
            wanted = Category.LEGACY_CONTEXT_TYPE if legacy else Category.SCOPED_CONTEXT_TYPE
            if wanted in _annotation_categories(node.returns, scope, self.sem):
                return kind, tuple(traits), LIKELY, (f"returns a {_CONTEXT_WORD[wanted]} context",)
            built = mentioned.get(wanted)
            if built:
                traits.append(f"builds {built}")
                return kind, tuple(traits), LIKELY, (f"builds a {built}",)
            return kind, tuple(traits), UNKNOWN, ("no return annotation or construction to go by",)
        return kind, tuple(traits), UNKNOWN, ("a function where a type is expected",)

    # -- module-level assignments and aliases ------------------------------------------

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
        traits = (f"= {_text(value)[:80]}",)
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
                    value=_text(value)[:120],
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
    from ctxsep.semantics import parse_string_annotation

    stack: list[tuple[ast.AST, Scope]] = [(sem.tree, sem.module)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            yield node, scope
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 200:
            parsed = parse_string_annotation(node)
            if parsed is not None:
                yield from ((n, scope) for n in ast.walk(parsed) if isinstance(n, ast.Name))
        inner = sem.scope_of(node, scope) if _opens_scope(node) else scope
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _opens_scope(node: ast.AST) -> bool:
    from ctxsep.semantics import SCOPE_NODES

    return isinstance(node, SCOPE_NODES)


def _dataclass_flags(node: ast.ClassDef) -> tuple[bool, bool]:
    """(frozen, is a dataclass or attrs class)."""
    for decorator in node.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _last(func) not in ("dataclass", "define", "frozen", "attrs", "s"):
            continue
        frozen = _last(func) == "frozen" or (
            isinstance(decorator, ast.Call)
            and any(
                kw.arg == "frozen" and isinstance(kw.value, ast.Constant) and kw.value.value is True
                for kw in decorator.keywords
            )
        )
        return frozen, True
    return False, False


def _container_fields(node: ast.ClassDef) -> list[str]:
    """Fields that hold mutable containers: a sign of a state bag."""
    found = []
    for stmt in node.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        value = stmt.value
        factory = ""
        if isinstance(value, ast.Call) and _last(value.func) == "field":
            for kw in value.keywords:
                if kw.arg == "default_factory":
                    factory = _last(kw.value)
        annotation = stmt.annotation.value if isinstance(stmt.annotation, ast.Subscript) else stmt.annotation
        if factory in _CONTAINER_FACTORIES or _last(annotation) in _CONTAINER_TYPES:
            found.append(stmt.target.id)
    return found


def _yields(node: ast.AST) -> bool:
    from ctxsep.semantics.scopes import body_nodes

    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in body_nodes(node))


def _annotation_categories(annotation: ast.AST | None, scope: Scope, sem: FileSemantics) -> set[Category]:
    """Categories of every vocabulary name anywhere in an annotation
    (``AsyncIterator[AsyncSession]`` mentions a session type)."""
    if annotation is None:
        return set()
    found: set[Category] = set()
    from ctxsep.semantics import parse_string_annotation

    for node in ast.walk(annotation):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parsed = parse_string_annotation(node)
            if parsed is not None:
                found |= _annotation_categories(parsed, scope, sem)
        elif isinstance(node, (ast.Name, ast.Attribute)):
            category = sem.category(node, scope)
            if category is not None:
                found.add(category)
    return found


def _vocabulary_mentions(node: ast.AST, scope: Scope, sem: FileSemantics) -> dict[Category, str]:
    """The first vocabulary name of each category called in a function's own body."""
    from ctxsep.semantics.scopes import body_nodes

    found: dict[Category, str] = {}
    for child in body_nodes(node):
        if isinstance(child, ast.Call) and isinstance(child.func, (ast.Name, ast.Attribute)):
            func = child.func.value if isinstance(child.func, ast.Attribute) else child.func
            for candidate in (child.func, func):
                category = sem.category(candidate, scope)
                if category is not None and category not in found:
                    found[category] = _text(candidate)
    return found


def _module_of(qualified: QualifiedName | None) -> str:
    """The module part of a resolved name, when it is known."""
    if qualified is None or qualified.origin is Origin.UNKNOWN:
        return ""
    return ".".join(qualified.parts[:-1])


def _last(expr: ast.AST) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return ""


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return "<expression>"
