"""Judging a candidate for ``ctxsep names``: the evidence a human chooses
by (frozen or mutable, session attributes, state-bag containers, what a
function returns or builds) and a verdict — likely, unlikely or unknown —
with its reason. Heuristics live here and only here; they never decide a
finding, they only order and comment the suggested vocabulary.
"""

from __future__ import annotations

import ast

from ctxsep.semantics import FileSemantics, Scope, ScopeKind, parse_string_annotation
from ctxsep.semantics.classes import session_attributes
from ctxsep.semantics.nodes import last_name
from ctxsep.semantics.nodes import source_text as source
from ctxsep.semantics.scopes import FUNCTION_NODES, body_nodes
from ctxsep.semantics.vocabulary import Category

LIKELY, UNLIKELY, UNKNOWN = "likely", "unlikely", "unknown"
#: (kind, evidence, verdict, reasons)
Judgement = tuple[str, tuple[str, ...], str, tuple[str, ...]]

_CONTAINER_FACTORIES = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict", "deque"})
#: Return types that hand out what they wrap: ``AsyncGenerator[AsyncSession, None]``.
_SESSION_WRAPPERS = frozenset(
    {
        "AsyncGenerator",
        "AsyncIterator",
        "AsyncIterable",
        "Generator",
        "Iterator",
        "Iterable",
        "AsyncContextManager",
        "AbstractAsyncContextManager",
        "ContextManager",
        "AbstractContextManager",
        "Awaitable",
        "Coroutine",
    }
)
_CONTEXT_WORD = {Category.LEGACY_CONTEXT_TYPE: "legacy", Category.SCOPED_CONTEXT_TYPE: "request-scoped"}
_CONTAINER_TYPES = frozenset({"dict", "list", "set", "Dict", "List", "Set", "DefaultDict", "Deque", "MutableMapping"})


def produces_session(sem: FileSemantics, node: ast.AST, scope: Scope) -> bool:
    """A function no vocabulary entry names whose return annotation says it
    hands out sessions: ``-> AsyncSession``, ``-> AsyncGenerator[AsyncSession, None]``,
    ``-> AsyncContextManager[Session]`` (not a property, not a tuple that
    merely contains one)."""
    if not isinstance(node, FUNCTION_NODES) or node.returns is None:
        return False
    if any(last_name(d) in ("property", "cached_property") for d in node.decorator_list):
        return False
    annotation: ast.AST = node.returns
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        parsed = parse_string_annotation(annotation)
        if parsed is None:
            return False
        annotation = parsed
    if isinstance(annotation, ast.Subscript) and last_name(annotation.value) in _SESSION_WRAPPERS:
        wrapper = last_name(annotation.value)
        args = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        annotation = args[-1] if wrapper == "Coroutine" else args[0]  # what it yields / returns
    refs = sem.resolver.annotation_types(annotation, scope)
    return any(ref.category is Category.SESSION_TYPE for ref in refs)


def class_evidence(sem: FileSemantics, node: ast.ClassDef, scope: Scope, category: Category, listed: bool) -> Judgement:
    """Evidence about a class and whether it is the one ``category`` means;
    ``listed``: its own name is a vocabulary name (else it derives from one)."""
    traits: list[str] = []
    frozen, is_dataclass = _dataclass_flags(node)
    if is_dataclass:
        traits.append("frozen dataclass" if frozen else "mutable dataclass")
    bases = [source(b) for b in node.bases]
    derived = [ref.name for ref in sem.resolver.base_types(node, scope)]
    if bases:
        traits.append(f"bases: {', '.join(bases)}")
    facts = sem.class_facts(node, scope)
    sessions = session_attributes(facts, sem.resolver)
    for attr, first in sessions:
        traits.append(f"session attribute {attr!r} (line {getattr(first, 'lineno', node.lineno)})")
    containers = _container_fields(node)
    if containers:
        traits.append(f"mutable containers: {', '.join(containers[:4])}{', ...' if len(containers) > 4 else ''}")
    kind = "class"
    if not listed:
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
        if any(ref.category is Category.SESSION_TYPE for ref in sem.resolver.base_types(node, scope)):
            return kind, tuple(traits), LIKELY, ("derives from a session type",)
        return kind, tuple(traits), UNLIKELY, ("not derived from a session type (database sessions are imported)",)
    return kind, tuple(traits), UNKNOWN, ("a class where a function is expected",)


def function_evidence(
    sem: FileSemantics, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, category: Category
) -> Judgement:
    """Evidence about a function and whether it is the constructor or factory
    ``category`` means."""
    decorators = {last_name(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
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
    returns = source(node.returns) if node.returns is not None else ""
    if returns:
        traits.append(f"returns {returns}")
    inner = sem.scope_of(node, scope)
    mentioned = _vocabulary_mentions(node, inner, sem)
    if category is Category.SESSION_FACTORY:
        if Category.SESSION_TYPE in _annotation_categories(node.returns, scope, sem):
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
        if wanted in _annotation_categories(node.returns, scope, sem):
            return kind, tuple(traits), LIKELY, (f"returns a {_CONTEXT_WORD[wanted]} context",)
        built = mentioned.get(wanted)
        if built:
            traits.append(f"builds {built}")
            return kind, tuple(traits), LIKELY, (f"builds a {built}",)
        return kind, tuple(traits), UNKNOWN, ("no return annotation or construction to go by",)
    return kind, tuple(traits), UNKNOWN, ("a function where a type is expected",)


# -- module-level assignments and aliases ------------------------------------------


def _dataclass_flags(node: ast.ClassDef) -> tuple[bool, bool]:
    """(frozen, is a dataclass or attrs class)."""
    for decorator in node.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if last_name(func) not in ("dataclass", "define", "frozen", "attrs", "s"):
            continue
        frozen = last_name(func) == "frozen" or (
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
        if isinstance(value, ast.Call) and last_name(value.func) == "field":
            for kw in value.keywords:
                if kw.arg == "default_factory":
                    factory = last_name(kw.value)
        annotation = stmt.annotation.value if isinstance(stmt.annotation, ast.Subscript) else stmt.annotation
        if factory in _CONTAINER_FACTORIES or last_name(annotation) in _CONTAINER_TYPES:
            found.append(stmt.target.id)
    return found


def _yields(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in body_nodes(node))


def _annotation_categories(annotation: ast.AST | None, scope: Scope, sem: FileSemantics) -> set[Category]:
    """Categories of every vocabulary name anywhere in an annotation
    (``AsyncIterator[AsyncSession]`` mentions a session type)."""
    if annotation is None:
        return set()
    found: set[Category] = set()
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
    found: dict[Category, str] = {}
    for child in body_nodes(node):
        if isinstance(child, ast.Call) and isinstance(child.func, (ast.Name, ast.Attribute)):
            func = child.func.value if isinstance(child.func, ast.Attribute) else child.func
            for candidate in (child.func, func):
                category = sem.category(candidate, scope)
                if category is not None and category not in found:
                    found[category] = source(candidate)
    return found
