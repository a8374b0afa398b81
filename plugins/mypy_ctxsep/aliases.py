"""What a fullname names, through module-level aliases in other modules.

``make_ctx = create_user_execution_context`` in ``app/helpers.py`` makes
``make_ctx(...)`` anywhere a legacy constructor call. mypy hands the hook
``app.helpers.make_ctx``: a ``Var`` with the function's type. When mypy
checked ``app/helpers.py`` in this run, that type still knows the function
it came from (``CallableType.definition``); when the module came from the
incremental cache, it does not. So the plugin never relies on it: it asks
the engine's own resolver (``FileSemantics.module_name_target``) what the
name was assigned from, in the defining module's source, and follows that
through further aliases — the same answer cold or warm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mypy.nodes import SymbolTableNode, Var

from ctxsep.engine import SkipFile, parse
from ctxsep.semantics import Category, FileSemantics, QualifiedName
from ctxsep.semantics.vocabulary import Origin
from mypy_ctxsep.source import read_text
from mypy_ctxsep.typeview import TypeView

_MAX_HOPS = 8


class AliasTargets:
    """Memoised per plugin instance (dmypy: one per run)."""

    def __init__(
        self, types: TypeView, lookup: Callable[[str], SymbolTableNode | None], modules: Callable[[], dict[str, Any]]
    ) -> None:
        self.types = types
        self.lookup = lookup
        self.modules = modules
        self._files: dict[str, FileSemantics | None] = {}
        self._legacy: dict[str, str | None] = {}

    def legacy_constructor(self, fullname: str, node: object = None) -> str | None:
        """The legacy constructor ``fullname`` is, or names through aliases
        (its dotted name, for the message), else None. ``node``: what
        ``fullname`` resolves to, when the caller knows — only a ``Var``
        (an alias) is worth following."""
        if fullname in self._legacy:
            return self._legacy[fullname]
        if node is not None and not isinstance(node, Var):
            found = self.types.classify_fullname(fullname) is Category.LEGACY_CONSTRUCTOR
            return fullname if found else None
        self._legacy[fullname] = self._follow(fullname)
        return self._legacy[fullname]

    def _follow(self, fullname: str) -> str | None:
        name = QualifiedName(tuple(fullname.split(".")), Origin.IMPORT)
        seen: set[str] = set()
        for _ in range(_MAX_HOPS):
            if self.types.vocab.match(name) is Category.LEGACY_CONSTRUCTOR:
                return name.dotted
            dotted = name.dotted
            if dotted in seen or name.origin is Origin.UNKNOWN:
                return None
            seen.add(dotted)
            symbol = self.lookup(dotted) if "." in dotted else None
            if symbol is None or not isinstance(symbol.node, Var):
                return None  # a function, a class, or nothing we know: no alias to follow
            target = self._assigned_from(dotted)
            if target is None:
                return None
            name = target
        return None

    def _assigned_from(self, fullname: str) -> QualifiedName | None:
        module, _, attr = fullname.rpartition(".")
        semantics = self._semantics(module)
        return semantics.module_name_target(attr) if semantics is not None else None

    def _semantics(self, module: str) -> FileSemantics | None:
        if module not in self._files:
            self._files[module] = self._load(module)
        return self._files[module]

    def _load(self, module: str) -> FileSemantics | None:
        tree = self.modules().get(module)
        path = getattr(tree, "path", None)
        text = read_text(path) if isinstance(path, str) and path.endswith(".py") else None
        if text is None:
            return None
        try:
            parsed = parse(text, path or module)
        except SkipFile:
            return None
        parts = tuple(module.split("."))
        if path is not None and path.endswith("__init__.py"):
            parts = (*parts, "__init__")  # relative imports in a package's __init__
        return FileSemantics(parsed, self.types.vocab, parts, text)
