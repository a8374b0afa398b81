"""The pytest fixtures a file's tests can use from ``conftest.py`` files.

pytest offers a test the fixtures of every ``conftest.py`` in the directory
chain of its file (the nearest one wins for a name). ctxsep reads the
``conftest.py`` files from the file's directory up to the config root (the
directory of the config file that applies, or the project root), and keeps
the fixtures that return or yield a context or a session.

Each ``conftest.py`` is read and analysed once per process and vocabulary,
and again when its ``stat`` changes. :func:`conftest_digest` is what the
result cache adds to a file's key, so editing a ``conftest.py`` re-checks
the files below it.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from ctxsep.semantics.callees import module_fixtures
from ctxsep.semantics.kinds import NOTHING, Evidence
from ctxsep.semantics.vocabulary import Vocabulary

CONFTEST = "conftest.py"
#: ``@pytest.fixture(...)`` (possibly under other decorators) then ``def name``
_FIXTURE_DEF = re.compile(
    r"^[ \t]*@[\w.]*fixture\b[^\n]*\n(?:[ \t]*@[^\n]*\n)*[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.M
)
#: A long-lived process (an editor's server, pylint) sees a conftest.py
#: created, edited or removed after at most this long.
RECHECK_SECONDS = 1.0
#: (directory, root) -> (when, the conftest.py files of its chain, nearest first)
_CHAINS: dict[tuple[str, str], tuple[float, tuple[Path, ...]]] = {}
#: (directory, root, id(vocabulary), for a conftest.py) -> (when, stamps, vocabulary, table, context fixture names)
_OFFERED: dict[
    tuple[str, str, int, bool],
    tuple[float, tuple[tuple[int, ...], ...], Vocabulary, dict[str, Evidence], frozenset[str]],
] = {}
#: (conftest path, stamp, id(vocabulary)) -> (vocabulary, its fixtures)
_TABLES: dict[tuple[str, tuple[int, ...], int], tuple[Vocabulary, dict[str, Evidence]]] = {}
#: (relative directory, for a conftest.py, id(root), id(vocabulary)) -> (root, vocabulary, when, context fixture names)
_NAMES: dict[tuple[str, bool, int, int], tuple[Path, Vocabulary, float, frozenset[str]]] = {}
_DIGESTS: dict[tuple[str, tuple[int, ...]], str] = {}
_MAX_MEMO = 4096


def is_test_module(path: Path | str) -> bool:
    """A file pytest collects tests from by default (``test_*.py``,
    ``*_test.py``), or a ``conftest.py``: the files whose test functions
    and fixtures get ``conftest.py`` fixtures. (A POSIX path string is
    enough: most files are ruled out without building a Path.)"""
    name = path.name if isinstance(path, Path) else path.rsplit("/", 1)[-1]
    return name == CONFTEST or (name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")))


def fixture_source(path: Path, root: Path, vocab: Vocabulary) -> Callable[[], dict[str, Evidence]] | None:
    """For the evidence of ``path``: a lazy reader of its ``conftest.py``
    fixtures, or None when pytest would not give it any."""
    if not is_test_module(path):
        return None
    return lambda: fixtures_for(path, root, vocab)


def might_use_fixtures(data: str | bytes, rel_path: str, root: Path, vocab: Vocabulary) -> bool:
    """Whether a file the prefilter ruled out may still get a context from a
    ``conftest.py`` fixture: a test module spelling a context fixture's name.
    (``rel_path``: POSIX, relative to ``root``; most files are answered from
    a per-directory memo without building a path.)"""
    if not is_test_module(rel_path):
        return False
    directory, _, name = rel_path.rpartition("/")
    key = (directory, name == CONFTEST, id(root), id(vocab))
    known = _NAMES.get(key)
    if known is not None and known[0] is root and known[1] is vocab and time.monotonic() - known[2] <= RECHECK_SECONDS:
        names = known[3]
    else:
        names = fixture_names(root / rel_path, root, vocab)
        if len(_NAMES) > _MAX_MEMO:
            _NAMES.clear()
        _NAMES[key] = (root, vocab, time.monotonic(), names)
    if not names:
        return False
    if isinstance(data, bytes):
        return any(name.encode() in data for name in names)
    return any(name in data for name in names)


def conftest_chain(path: Path, root: Path) -> tuple[Path, ...]:
    """The ``conftest.py`` files a test in ``path`` sees, nearest first, up to
    ``root`` (only the file's own directory when it is not under ``root``);
    a ``conftest.py`` sees those above it."""
    directory = path.parent
    key = (str(directory), str(root))
    now = time.monotonic()
    known = _CHAINS.get(key)
    if known is None or now - known[0] > RECHECK_SECONDS:
        if len(_CHAINS) > _MAX_MEMO:
            _CHAINS.clear()
        found: list[Path] = []
        current = directory
        inside = current == root or root in current.parents
        while True:
            candidate = current / CONFTEST
            if _is_file(candidate):
                found.append(candidate)
            if not inside or current == root or current.parent == current:
                break
            current = current.parent
        known = _CHAINS[key] = (now, tuple(found))
    chain = known[1]
    if path.name == CONFTEST:
        return tuple(c for c in chain if c != path)
    return chain


def fixtures_for(path: Path, root: Path, vocab: Vocabulary) -> dict[str, Evidence]:
    """What each fixture offered to tests in ``path`` provides (the nearest
    ``conftest.py`` wins for a name)."""
    return _offered(path, root, vocab)[0]


def fixture_names(path: Path, root: Path, vocab: Vocabulary) -> frozenset[str]:
    """Names of the context fixtures offered to ``path``: a test file that
    spells none of them (nor any vocabulary name) cannot use one."""
    return _offered(path, root, vocab)[1]


def _offered(path: Path, root: Path, vocab: Vocabulary) -> tuple[dict[str, Evidence], frozenset[str]]:
    """(fixture table, context fixture names) for the files of one directory,
    re-validated against the conftest.py files' stat at most every
    ``RECHECK_SECONDS`` (every file of a tree would otherwise stat the same
    few files again)."""
    key = (str(path.parent), str(root), id(vocab), path.name == CONFTEST)
    now = time.monotonic()
    known = _OFFERED.get(key)
    if known is not None and known[2] is vocab and now - known[0] <= RECHECK_SECONDS:
        return known[3], known[4]
    chain = conftest_chain(path, root)
    stamps = tuple(_stamp(c) for c in chain)
    if known is not None and known[2] is vocab and known[1] == stamps:
        _OFFERED[key] = (now, *known[1:])
        return known[3], known[4]
    table: dict[str, Evidence] = {}
    for conftest in reversed(chain):  # nearest last: it wins
        table.update(_conftest_table(conftest, root, vocab))
    names = frozenset(name for name, found in table.items() if found.is_context)
    if len(_OFFERED) > _MAX_MEMO:
        _OFFERED.clear()
    _OFFERED[key] = (now, stamps, vocab, table, names)
    return table, names


def conftest_digest(path: Path, root: Path) -> str:
    """A hash of the contents of the ``conftest.py`` files ``path`` sees
    ("" when there are none)."""
    chain = conftest_chain(path, root)
    if not chain:
        return ""
    digest = hashlib.blake2b(digest_size=8)
    for conftest in chain:
        digest.update(str(conftest).encode("utf-8", "surrogateescape"))
        digest.update(_content_digest(conftest).encode())
    return digest.hexdigest()


def _content_digest(conftest: Path) -> str:
    stamp = _stamp(conftest)
    key = (str(conftest), stamp)
    known = _DIGESTS.get(key)
    if known is None:
        try:
            known = hashlib.blake2b(conftest.read_bytes(), digest_size=8).hexdigest()
        except OSError:
            known = "unreadable"
        if len(_DIGESTS) > _MAX_MEMO:
            _DIGESTS.clear()
        _DIGESTS[key] = known
        # A conftest.py the result cache sees changed: forget what its
        # fixtures were at once, not after RECHECK_SECONDS.
        _OFFERED.clear()
        _NAMES.clear()
    return known


def _conftest_table(conftest: Path, root: Path, vocab: Vocabulary) -> dict[str, Evidence]:
    key = (str(conftest), _stamp(conftest), id(vocab))
    known = _TABLES.get(key)
    if known is not None and known[0] is vocab:
        return known[1]
    table = _analyse(conftest, root, vocab)
    if len(_TABLES) > _MAX_MEMO:
        _TABLES.clear()
    _TABLES[key] = (vocab, table)
    return table


def _analyse(conftest: Path, root: Path, vocab: Vocabulary) -> dict[str, Evidence]:
    """Parse one ``conftest.py`` and tell what each of its fixtures provides
    (its own fixtures may use those of the ``conftest.py`` files above it)."""
    from ctxsep.semantics import FileSemantics  # the package imports this module's users

    try:
        data = conftest.read_bytes()
        if b"fixture" not in data:
            return {}
        # Like the engine's prefilter: a conftest.py spelling no context-related
        # vocabulary name, nor a context fixture of the conftest.py files above
        # it, offers no context. Its fixtures are named (they override the
        # same names further up) without parsing it.
        needles = {*vocab.context_identifiers(), *fixture_names(conftest, root, vocab)}
        if not any(needle.encode() in data for needle in needles):
            text = data.decode("utf-8", "replace")
            return {name: NOTHING for name in _FIXTURE_DEF.findall(text)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=str(conftest))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}  # the file itself is reported (or skipped) when it is checked
    if not module_fixtures(tree):
        return {}
    parts = _module_parts(conftest, root)
    sem = FileSemantics(tree, vocab, parts, conftest=fixture_source(conftest, root, vocab))
    try:
        return sem.evidence.followed.fixture_table(sem.module)
    except RecursionError:
        return {}


def _module_parts(conftest: Path, root: Path) -> tuple[str, ...]:
    try:
        rel = conftest.relative_to(root)
    except ValueError:
        rel = Path(conftest.name)
    parts = list(rel.parts)
    parts[-1] = parts[-1].removesuffix(".py")
    return tuple(parts)


def _stamp(path: Path) -> tuple[int, ...]:
    try:
        info = os.stat(path)
    except OSError:
        return ()
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False
