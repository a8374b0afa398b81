"""The migration vocabulary (SPEC §2) and how a resolved name matches it.

A *bare* entry (``UserExecutionContext``) matches any name whose last dotted
component is equal, wherever it comes from. A *dotted* entry
(``app.ctx.UserExecutionContext``) matches only a name that resolves to it:
through an absolute import exactly, or — for a definition in the linted file or
a relative import, whose package is only known from the file's path — when the
path-derived name ends with the entry at a component boundary.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Category(enum.Enum):
    LEGACY_CONTEXT_TYPE = "legacy-context-types"
    SCOPED_CONTEXT_TYPE = "request-scoped-context-types"
    LEGACY_CONSTRUCTOR = "legacy-constructors"
    SCOPED_FACTORY = "scoped-context-factories"
    SESSION_TYPE = "session-types"
    SESSION_FACTORY = "session-factories"

    @property
    def config_key(self) -> str:
        return self.value


#: Config key for the plain session names (params/attributes); not a Category
#: because it matches identifiers, not resolved names.
SESSION_NAMES_KEY = "session-names"
#: Methods that, called on a context, return a context (SPEC §2, revision 2);
#: matched by the method's name (the entry's last component).
CONTEXT_METHODS_KEY = "context-methods"
#: Callables whose ``with``/``async with`` target is a context; matched like
#: the categories' entries (bare: last component; dotted: through imports).
CONTEXT_SCOPES_KEY = "context-scopes"

DEFAULTS: dict[str, tuple[str, ...]] = {
    Category.LEGACY_CONTEXT_TYPE.value: ("UserExecutionContext",),
    Category.SCOPED_CONTEXT_TYPE.value: ("RequestScopedContext", "EnhancedRequestScopedContext"),
    Category.LEGACY_CONSTRUCTOR.value: ("create_user_execution_context",),
    Category.SCOPED_FACTORY.value: ("get_request_scoped_user_context",),
    Category.SESSION_TYPE.value: ("AsyncSession", "Session", "async_scoped_session", "scoped_session"),
    Category.SESSION_FACTORY.value: (
        "get_db",
        "get_db_session",
        "get_session",
        "get_async_session",
        "get_user_scoped_db_session",
        "get_request_scoped_db_session",
        "SessionLocal",
        "AsyncSessionLocal",
    ),
    SESSION_NAMES_KEY: ("db", "db_session", "session"),
    CONTEXT_METHODS_KEY: ("create_child_context", "with_db_session"),
    CONTEXT_SCOPES_KEY: (),
}


class Origin(enum.Enum):
    IMPORT = "import"  # absolute import: the dotted name is exact
    LOCAL = "local"  # defined in this file or relative import: path-derived prefix
    UNKNOWN = "unknown"  # attribute of something unresolvable, or a bare unbound name


@dataclass(frozen=True, slots=True)
class QualifiedName:
    parts: tuple[str, ...]
    origin: Origin

    @property
    def last(self) -> str:
        return self.parts[-1]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)

    def child(self, attr: str) -> QualifiedName:
        return QualifiedName((*self.parts, attr), self.origin)


@dataclass(frozen=True, slots=True)
class _Entry:
    text: str
    parts: tuple[str, ...]

    @property
    def bare(self) -> bool:
        return len(self.parts) == 1


@dataclass(frozen=True)
class Vocabulary:
    """Every configured name, by category, plus the session names."""

    entries: dict[Category, tuple[str, ...]]
    session_name_list: tuple[str, ...]
    context_method_list: tuple[str, ...] = DEFAULTS[CONTEXT_METHODS_KEY]
    context_scope_list: tuple[str, ...] = ()
    _session_names: frozenset[str] = field(init=False, repr=False, compare=False)
    _parsed: dict[Category, tuple[_Entry, ...]] = field(init=False, repr=False, compare=False)
    _by_last: dict[str, tuple[tuple[Category, _Entry], ...]] = field(init=False, repr=False, compare=False)
    _context_methods: frozenset[str] = field(init=False, repr=False, compare=False)
    _scope_entries: dict[str, tuple[_Entry, ...]] = field(init=False, repr=False, compare=False)

    @property
    def session_names(self) -> frozenset[str]:
        return self._session_names

    def __post_init__(self) -> None:
        object.__setattr__(self, "_session_names", frozenset(self.session_name_list))
        parsed = {
            cat: tuple(_Entry(text, tuple(text.split("."))) for text in names) for cat, names in self.entries.items()
        }
        by_last: dict[str, list[tuple[Category, _Entry]]] = {}
        for cat, entries in parsed.items():
            for entry in entries:
                by_last.setdefault(entry.parts[-1], []).append((cat, entry))
        object.__setattr__(self, "_parsed", parsed)
        object.__setattr__(self, "_by_last", {k: tuple(v) for k, v in by_last.items()})
        object.__setattr__(self, "_context_methods", frozenset(m.rsplit(".", 1)[-1] for m in self.context_method_list))
        scopes: dict[str, list[_Entry]] = {}
        for text in self.context_scope_list:
            entry = _Entry(text, tuple(text.split(".")))
            scopes.setdefault(entry.parts[-1], []).append(entry)
        object.__setattr__(self, "_scope_entries", {k: tuple(v) for k, v in scopes.items()})

    @classmethod
    def from_mapping(cls, mapping: dict[str, Iterable[str]]) -> Vocabulary:
        merged = {**DEFAULTS, **{k: tuple(v) for k, v in mapping.items()}}
        return cls(
            entries={cat: tuple(merged[cat.value]) for cat in Category},
            session_name_list=tuple(merged[SESSION_NAMES_KEY]),
            context_method_list=tuple(merged[CONTEXT_METHODS_KEY]),
            context_scope_list=tuple(merged[CONTEXT_SCOPES_KEY]),
        )

    @classmethod
    def default(cls) -> Vocabulary:
        return cls.from_mapping({})

    @property
    def identifiers(self) -> frozenset[str]:
        """Last components of every entry: a file mentioning none of the
        context-related ones cannot produce a finding (see prefilter)."""
        return frozenset(self._by_last)

    def context_identifiers(self) -> frozenset[str]:
        """Last components of the names that make something a context, the
        evidence every rule needs."""
        cats = (
            Category.LEGACY_CONTEXT_TYPE,
            Category.SCOPED_CONTEXT_TYPE,
            Category.LEGACY_CONSTRUCTOR,
            Category.SCOPED_FACTORY,
        )
        # ``with <context scope>(...) as ctx`` makes a context too.
        return self.identifiers_of(cats) | self.context_scope_identifiers()

    def identifiers_of(self, categories: Iterable[Category]) -> frozenset[str]:
        """Last components of the entries of ``categories``."""
        return frozenset(e.parts[-1] for cat in categories for e in self._parsed[cat])

    def context_scope_identifiers(self) -> frozenset[str]:
        """Last components of the ``context-scopes`` entries."""
        return frozenset(self._scope_entries)

    @property
    def context_methods(self) -> frozenset[str]:
        """Method names that, called on a context, return a context."""
        return self._context_methods

    def is_context_scope(self, name: QualifiedName | None) -> bool:
        """Whether ``name`` (what a ``with`` target calls) is a ``context-scopes`` entry."""
        if name is None:
            return False
        return any(_entry_matches(entry, name) for entry in self._scope_entries.get(name.last, ()))

    def might_match(self, identifier: str) -> bool:
        return identifier in self._by_last

    def match_fullname(self, fullname: str) -> Category | None:
        """The category of a fully qualified name as a type-aware host gives
        it (``app.context.UserExecutionContext``), matched like an import."""
        return self.match(QualifiedName(tuple(fullname.split(".")), Origin.IMPORT))

    def match(self, name: QualifiedName | None) -> Category | None:
        """The category ``name`` belongs to, or None. When one name is in two
        categories (a misconfiguration), the first in Category order wins."""
        if name is None:
            return None
        candidates = self._by_last.get(name.last)
        if not candidates:
            return None
        for cat, entry in candidates:
            if _entry_matches(entry, name):
                return cat
        return None

    def matches(self, name: QualifiedName | None, *cats: Category) -> bool:
        return self.match(name) in cats

    def names_in(self, cat: Category) -> tuple[str, ...]:
        return self.entries[cat]

    def display(self, cat: Category) -> str:
        """A short human name for a category's first entry, for messages."""
        names = self.entries[cat]
        return names[0].rsplit(".", 1)[-1] if names else cat.value


def _entry_matches(entry: _Entry, name: QualifiedName) -> bool:
    if entry.bare:
        return True  # the last component already matched
    if name.origin is Origin.IMPORT:
        return name.parts == entry.parts
    if name.origin is Origin.LOCAL:
        n = len(entry.parts)
        return name.parts[-n:] == entry.parts
    return False
