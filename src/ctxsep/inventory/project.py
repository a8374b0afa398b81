"""The project-wide index the fixes ask (STYLE §17): the dual-pattern
callables defined in the project, and (on demand) the call sites of a
function by name.

A *dual-pattern callable* (SPEC §3, CTX006) has a context parameter typed as
a union of a legacy and a request-scoped context type, and an optional
session parameter. Names are matched by their last component, the way the
vocabulary's bare names match. The index reads only files whose bytes spell
what it looks for, so building it on a large tree costs one read per file.
"""

from __future__ import annotations

import ast
import contextlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ctxsep import atomic
from ctxsep.config import SettingsResolver
from ctxsep.engine import SkipFile, decode_source, parse
from ctxsep.runner import FileCollector
from ctxsep.semantics import Vocabulary
from ctxsep.semantics.vocabulary import Category


@dataclass(frozen=True)
class DualCallable:
    """Where a dual-pattern callable takes its context and its session.
    Indexes count positional parameters after ``self``/``cls``."""

    name: str
    path: str
    line: int
    context_param: str
    context_index: int | None
    session_param: str
    session_index: int | None

    @property
    def shape(self) -> tuple[str, int | None, str, int | None]:
        return (self.context_param, self.context_index, self.session_param, self.session_index)


@dataclass
class ProjectIndex:
    """The project's files; what is known about them is worked out on first
    use (``dual``) and kept."""

    files: list[Path] = field(default_factory=list)
    vocabulary: Vocabulary | None = None
    #: keep every file's bytes after the first search (faster for many
    #: searches; ``ctxsep fix`` does, ``check`` does not: its memory is bounded)
    keep_bytes: bool = False
    #: ``dual_for`` parses only the files that spell the name asked about
    #: (``check``'s marks: few questions, no overlay); else every candidate
    #: file is parsed once for all names (``dual``)
    dual_by_name: bool = False
    _dual: dict[str, list[DualCallable]] | None = field(default=None, repr=False)
    _texts: dict[Path, str | None] = field(default_factory=dict, repr=False)
    #: texts that differ from the disk (fixes applied in memory, an editor's buffers)
    overlay: dict[Path, str] = field(default_factory=dict)
    _mentions: dict[str, list[Path]] = field(default_factory=dict, repr=False)
    _bytes: dict[Path, bytes] | None = field(default=None, repr=False)
    _attributes: dict[frozenset[str], frozenset[str] | None] = field(default_factory=dict, repr=False)
    _dual_named: dict[str, list[DualCallable]] = field(default_factory=dict, repr=False)

    @property
    def dual(self) -> dict[str, list[DualCallable]]:
        """Dual-pattern callables by name (empty without a vocabulary)."""
        if self._dual is None:
            self._dual = _dual_callables(self) if self.vocabulary is not None else {}
        return self._dual

    def dual_for(self, name: str | None) -> DualCallable | None:
        """The dual-pattern callable called ``name``, when every definition
        of that name in the project takes its context and session the same
        way (otherwise a call cannot be fixed by name)."""
        if name is None:
            return None
        by_name = self._dual is None and self.dual_by_name
        candidates = self._duals_named(name) if by_name else self.dual.get(name)
        if not candidates or len({c.shape for c in candidates}) != 1:
            return None
        return candidates[0]

    def _duals_named(self, name: str) -> list[DualCallable]:
        """``dual.get(name, [])`` without parsing the files that cannot
        define ``name`` (they do not spell it): one question of ``check``'s
        fix marks need not parse every file that mentions two context types."""
        found = self._dual_named.get(name)
        if found is None:
            found = []
            if self.vocabulary is not None:
                names = _DualNames(self.vocabulary)
                for path, data in self._each_bytes():
                    if names.candidate(data) and _spells(data, name):
                        found.extend(d for d in names.defined_in(path, data) if d.name == name)
            self._dual_named[name] = found
        return found

    def _each_bytes(self) -> Iterator[tuple[Path, bytes]]:
        """Every file's bytes (the in-memory text where there is one)."""
        if self._bytes is not None:
            for path, data in self._bytes.items():
                yield path, self._overlay_bytes(path, data)
            return
        kept: dict[Path, bytes] = {}
        for path in self.files:
            try:
                data = atomic.read_source(path)
            except OSError:
                continue
            if self.keep_bytes:
                kept[path] = data
            yield path, self._overlay_bytes(path, data)
        if self.keep_bytes:
            self._bytes = kept

    def keywords_of(self, name: str) -> frozenset[str] | None:
        """The keyword arguments the project's function ``name`` accepts
        (``{"*"}`` with ``**kwargs``); None when the project defines no such
        function or several that disagree."""
        pattern = re.compile(rb"\bdef\s+" + re.escape(name.encode()) + rb"\s*\(")
        shapes: set[frozenset[str]] = set()
        for tree in self._parsed_matching(name, pattern):
            if tree is None:
                return None
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                    args = node.args
                    names = {a.arg for a in (*args.args, *args.kwonlyargs)}
                    shapes.add(frozenset({*names, "*"} if args.kwarg else names))
        return next(iter(shapes)) if len(shapes) == 1 else None

    def attributes_of(self, names: frozenset[str]) -> frozenset[str] | None:
        """Every attribute the project's classes called one of ``names`` (and
        their bases defined in the project) declare: fields, class
        attributes, methods and properties, ``self.x = ...``. None when no
        such class is found or a base class is not in the project."""
        if names in self._attributes:
            return self._attributes[names]
        self._attributes[names] = result = self._attributes_of(names)
        return result

    def _attributes_of(self, names: frozenset[str]) -> frozenset[str] | None:
        found: set[str] = set()
        pending = set(names)
        seen: set[str] = set()
        any_class = False
        while pending:
            name = pending.pop()
            seen.add(name)
            classes = self._classes(name)
            if not classes:
                if name in names:
                    continue
                return None  # a base class outside the project: its attributes are unknown
            any_class = True
            for node in classes:
                found.update(_class_attributes(node))
                for base in node.bases:
                    base_name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
                    if base_name is None:
                        return None
                    if base_name not in seen and base_name not in ("object", "Generic", "Protocol"):
                        pending.add(base_name)
        return frozenset(found) if any_class else None

    def _classes(self, name: str) -> list[ast.ClassDef]:
        pattern = re.compile(rb"^\s*class\s+" + re.escape(name.encode()) + rb"\b", re.M)
        classes: list[ast.ClassDef] = []
        for tree in self._parsed_matching(name, pattern):
            if tree is not None:
                classes.extend(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name)
        return classes

    def _parsed_matching(self, name: str, pattern: re.Pattern[bytes]) -> Iterator[ast.Module | None]:
        """Each file spelling ``name`` whose bytes match ``pattern``, parsed
        (None for one that does not parse: the caller decides what that means)."""
        for path, data in self._bytes_mentioning(name):
            if pattern.search(data):
                try:
                    yield parse(decode_source(data), str(path))
                except SkipFile:
                    yield None

    def import_source(self, name: str) -> str | None:
        """The module the project most often imports ``name`` from
        (``from M import name``), for adding that import elsewhere."""
        pattern = re.compile(rb"^\s*from\s+([\w.]+)\s+import\s+[^\n]*\b" + re.escape(name.encode()) + rb"\b", re.M)
        counts: dict[str, int] = {}
        for _path, data in self._bytes_mentioning(name):
            for match in pattern.finditer(data):
                module = match.group(1).decode()
                if not module.startswith("."):
                    counts[module] = counts.get(module, 0) + 1
        return max(counts, key=lambda m: (counts[m], m)) if counts else None

    def _bytes_mentioning(self, name: str) -> Iterator[tuple[Path, bytes]]:
        """Each file spelling ``name`` with its current bytes (an unsaved
        buffer's overlay first); unreadable files are passed over."""
        for path in self.files_mentioning(name):
            data = (self._bytes or {}).get(path)
            if data is None and path not in self.overlay:
                try:
                    data = atomic.read_source(path)
                except OSError:
                    continue
            yield path, self._overlay_bytes(path, data or b"")

    def _overlay_bytes(self, path: Path, data: bytes) -> bytes:
        """``path``'s in-memory text where there is one, else ``data``."""
        return self.overlay[path].encode("utf-8", "surrogatepass") if path in self.overlay else data

    def text(self, path: Path) -> str | None:
        if path in self.overlay:
            return self.overlay[path]
        if path not in self._texts:
            try:
                self._texts[path] = decode_source(atomic.read_source(path))
            except (OSError, SkipFile):
                self._texts[path] = None
        return self._texts[path]

    def files_mentioning(self, name: str) -> list[Path]:
        """Files whose text spells ``name`` (candidates for its call sites).
        Only those files' texts are kept."""
        found = self._mentions.get(name)
        if found is None:
            needle = name.encode()
            found = [path for path, data in self._each_bytes() if needle in data]
            self._mentions[name] = found
        # in the collector's order (so fixes and notes come out the same every run)
        return [*found, *(p for p, t in self.overlay.items() if name in t and p not in found)]


def build_index(
    paths: Iterable[str], resolver: SettingsResolver, vocabulary: Vocabulary, keep_bytes: bool = False
) -> ProjectIndex:
    """Index every Python file under ``paths`` (cheap: files are read when
    the index is first asked something)."""
    files = FileCollector(resolver).collect(list(paths))
    return ProjectIndex(files=files, vocabulary=vocabulary, keep_bytes=keep_bytes)


def _dual_callables(index: ProjectIndex) -> dict[str, list[DualCallable]]:
    vocabulary = index.vocabulary
    assert vocabulary is not None
    found: dict[str, list[DualCallable]] = {}
    names = _DualNames(vocabulary)
    for path, data in index._each_bytes():
        for dual in names.defined_in(path, data):
            found.setdefault(dual.name, []).append(dual)
    return found


class _DualNames:
    """The vocabulary's names a dual-pattern callable is recognised by."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.legacy = _last_names(vocabulary, Category.LEGACY_CONTEXT_TYPE)
        self.scoped = _last_names(vocabulary, Category.SCOPED_CONTEXT_TYPE)
        self.sessions = _last_names(vocabulary, Category.SESSION_TYPE)
        self.session_names = vocabulary.session_names

    def candidate(self, data: bytes) -> bool:
        """Whether a file can define one: it spells a legacy and a scoped type."""
        return any(n.encode() in data for n in self.legacy) and any(n.encode() in data for n in self.scoped)

    def defined_in(self, path: Path, data: bytes) -> list[DualCallable]:
        """The dual-pattern callables one file defines, in ``ast.walk`` order."""
        if not self.candidate(data):
            return []
        try:
            tree = parse(decode_source(data), str(path))
        except SkipFile:
            return []
        found = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                dual = _dual(node, str(path), self.legacy, self.scoped, self.sessions, self.session_names)
                if dual is not None:
                    found.append(dual)
        return found


def _spells(data: bytes, name: str) -> bool:
    """Whether a file's text can hold the identifier ``name``: its bytes, or
    (with non-ASCII text) its NFKC form, as the parser normalises identifiers."""
    if name.encode() in data:
        return True
    if data.isascii():
        return False
    try:
        return name in unicodedata.normalize("NFKC", decode_source(data))
    except SkipFile:
        return False


def _last_names(vocabulary: Vocabulary, category: Category) -> frozenset[str]:
    return frozenset(name.rsplit(".", 1)[-1] for name in vocabulary.names_in(category))


def annotation_names(node: ast.expr | None) -> set[str]:
    """Identifiers an annotation mentions (also inside string annotations)."""
    found: set[str] = set()
    if node is None:
        return found
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            with contextlib.suppress(SyntaxError):
                found |= annotation_names(ast.parse(sub.value, mode="eval").body)
    return found


def _dual(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    path: str,
    legacy: frozenset[str],
    scoped: frozenset[str],
    sessions: frozenset[str],
    session_names: frozenset[str],
) -> DualCallable | None:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    skip = 1 if positional and positional[0].arg in ("self", "cls") else 0
    everything = [*positional, *args.kwonlyargs]
    defaults = dict(
        zip([a.arg for a in positional][len(positional) - len(args.defaults) :], args.defaults, strict=True)
    )
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None})
    context = None
    for arg in everything:
        mentioned = annotation_names(arg.annotation)
        if mentioned & legacy and mentioned & scoped:
            context = arg
            break
    if context is None:
        return None
    session = None
    for arg in everything:
        if arg is context or arg.arg not in defaults:
            continue
        if arg.arg in session_names or annotation_names(arg.annotation) & sessions:
            session = arg
            break
    if session is None:
        return None

    def index_of(arg: ast.arg) -> int | None:
        return positional.index(arg) - skip if arg in positional else None

    return DualCallable(node.name, path, node.lineno, context.arg, index_of(context), session.arg, index_of(session))


def _class_attributes(node: ast.ClassDef) -> set[str]:
    found: set[str] = set()
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            found.add(stmt.target.id)
        elif isinstance(stmt, ast.Assign):
            found.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.add(stmt.name)
            for sub in ast.walk(stmt):
                targets = (
                    sub.targets
                    if isinstance(sub, ast.Assign)
                    else [sub.target]
                    if isinstance(sub, ast.AnnAssign)
                    else []
                )
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        found.add(target.attr)
    return found
