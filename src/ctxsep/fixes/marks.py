"""``ctxsep check``'s fix marks: the fix offered for each shown finding.

``check`` must stay fast, so it works out fixes only for files whose flagged
lines could take a *safe* one (a legacy constructor bound to a name, a
legacy import), and remembers them (``memo``). There it marks every fix one
file can show — route handler, cleanup, safe or unsafe; the unsafe ones
elsewhere, and the session-parameter fix (it needs every call site in the
project), are listed by ``ctxsep fix --unsafe-fixes --diff``. (The
dual-pattern call fix removes a CTX006, which only mypy and pylint report:
it never marks a finding of ``check``'s.)

The route-handler marks of a file without CTX007 are answered from the
``ast`` where it can (:mod:`ctxsep.fixes.quick`: most candidates are
refused, and a plain one is a text edit); libcst is imported and the file
parsed with it only when the ``ast`` cannot say.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ctxsep import atomic
from ctxsep.cache import ResultCache, content_hash, stamp_of
from ctxsep.config import FileSettings, SettingsResolver
from ctxsep.engine import FileResult, SkipFile, decode_source
from ctxsep.fixes.memo import FixMemo, file_key
from ctxsep.fixes.quick import BOUND_CALL, route_fixes
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import SKIPPED_CODE, Finding, Fix
from ctxsep.runner import RunResult

if TYPE_CHECKING:
    from ctxsep.fixes.base import FixProvider


def marked() -> tuple[FixProvider, ...]:
    """The fixes ``check`` marks (imported here: libcst loads only when a
    mark is not answered by :mod:`ctxsep.fixes.quick` nor remembered). Not
    the dual-pattern call's: it removes a CTX006, which only mypy and pylint
    report, so it never marks a finding of ``check``'s."""
    from ctxsep.fixes import registry
    from ctxsep.fixes.dual_call import DualCallFix
    from ctxsep.fixes.session_param import SessionParameterFix

    return tuple(p for p in registry.PROVIDERS if not isinstance(p, (SessionParameterFix, DualCallFix)))


#: the name a CTX007 import finding points at, and its ``as`` alias
_IMPORTED = re.compile(r"(\w+)(?:\s+as\s+(\w+))?")


def _could_fix(finding: Finding, lines: list[str], text: str) -> bool:
    """Whether a *safe* fix could start from ``finding`` (a cheap look at its line)."""
    if finding.code not in ("CTX002", "CTX007") or not 0 < finding.line <= len(lines):
        return False
    line = lines[finding.line - 1]
    if finding.code == "CTX002":
        return bool(BOUND_CALL.match(line))
    # an import of a legacy name nothing else mentions: the name occurs once in the file
    imported = _IMPORTED.match(line, finding.col) if line.isascii() else None
    if imported is None:
        return False
    bound = imported.group(2) or imported.group(1)
    return len(re.findall(rf"\b{re.escape(bound)}\b", text)) == 1


def attach_fixes(
    run: RunResult, resolver: SettingsResolver, cache: ResultCache | None = None, jobs: int | None = None
) -> None:
    """Fill ``run.fixes`` for the shown findings (never baselined ones).
    With a ``cache``, each file's fixes are remembered (``memo``). The
    files only libcst can answer for are worked out in up to ``jobs``
    processes (default: all cores) when there are many of them."""
    screened = []
    for file, result in zip(run.files, run.results, strict=True):
        if result.skipped or not any(f.code in ("CTX002", "CTX007") for f in result.findings):
            continue
        try:
            data = atomic.read_source(file)
            text = decode_source(data)
        except (OSError, SkipFile):
            continue
        lines = text.splitlines()
        if any(_could_fix(f, lines, text) for f in result.findings):
            screened.append((file, result, data, text))
    if not screened:
        return
    # only files the check parsed can define what a fix asks the project about
    parsed = [file for file, result in zip(run.files, run.results, strict=True) if result.parsed]
    first = resolver.for_path(screened[0][0]).config
    memo = FixMemo(None, None)
    digest = ""
    if cache is not None:
        directory = cache.directory_for(first)
        memo = FixMemo(directory, None if cache.explicit is not None else directory.parent)
        digest = _project_digest(parsed, resolver, cache)
    project: ProjectIndex | None = None
    answers: list[tuple[FileResult, str, list[Fix] | None, bool]] = []  # (result, memo key, fixes, new)
    hard: list[tuple[int, Path, str, FileSettings, list[Finding]]] = []  # what libcst must answer
    for file, result, data, text in screened:
        settings = resolver.for_path(file)
        key = file_key(data, result.path, settings, digest)
        fixes = memo.get(key)  # never remembered without a cache: that memo has no directory
        remembered = fixes is not None
        if fixes is None:
            if project is None:  # lazy: files are read only when a fix asks something
                project = ProjectIndex(files=parsed, vocabulary=first.vocabulary, keep_bytes=True, dual_by_name=True)
            findings = [f for f in result.findings if f.code != SKIPPED_CODE]
            fixes = route_fixes(file, text, settings, findings, project)
            if fixes is None:  # the ast cannot say: libcst
                hard.append((len(answers), file, text, settings, findings))
        answers.append((result, key, fixes, not remembered))
    if hard:
        assert project is not None
        for (index, *_), fixes in zip(hard, _with_libcst(hard, project, jobs), strict=True):
            result, key, _, new = answers[index]
            answers[index] = (result, key, fixes, new)
    for result, key, fixes, new in answers:
        assert fixes is not None
        if new:
            memo.put(key, fixes)
        for fix in fixes:
            for code, line, col in fix.fixes:
                key_ = (result.path, line, col, code)
                current = run.fixes.get(key_)
                if current is None or (fix.safe and not current.safe):
                    run.fixes[key_] = fix
    memo.save()


#: Below this many files for libcst per worker, one process does them all.
_FILES_PER_WORKER = 8
#: What forked workers read (set only while a pool of ``_with_libcst`` runs).
_HARD: tuple[list[tuple[int, Path, str, FileSettings, list[Finding]]], ProjectIndex] | None = None


def _with_libcst(
    hard: list[tuple[int, Path, str, FileSettings, list[Finding]]], project: ProjectIndex, jobs: int | None
) -> list[list[Fix]]:
    """``compute_fixes`` for each file, in this process or — for many files,
    where ``fork`` exists — in worker processes that inherit the project
    index and the parsed settings instead of receiving them."""
    global _HARD
    import multiprocessing

    from ctxsep.fixes.compute import compute_fixes  # imported before forking: the workers have it

    workers = min(max(1, jobs if jobs else (os.cpu_count() or 1)), len(hard) // _FILES_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [
            compute_fixes(file, text, settings, found, project, providers=marked())
            for _, file, text, settings, found in hard
        ]
    from concurrent.futures import ProcessPoolExecutor

    _HARD = (hard, project)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            chunk = max(1, len(hard) // (workers * 4))
            return list(pool.map(_libcst_at, range(len(hard)), chunksize=chunk))
    finally:
        _HARD = None


def _libcst_at(index: int) -> list[Fix]:
    """A forked worker's share of ``_with_libcst``."""
    from ctxsep.fixes.compute import compute_fixes

    assert _HARD is not None, "not in a worker of _with_libcst"
    hard, project = _HARD
    _, file, text, settings, found = hard[index]
    return compute_fixes(file, text, settings, found, project, providers=marked())


def _project_digest(files: list[Path], resolver: SettingsResolver, cache: ResultCache) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(files):
        digest.update(str(path).encode("utf-8", "surrogatepass") + b"\0")
        digest.update(_content_of(path, resolver, cache).encode())
    return str(digest.hexdigest())


def _content_of(path: Path, resolver: SettingsResolver, cache: ResultCache) -> str:
    """The hash of ``path``'s bytes: the one the result cache recorded while
    its stamp still matches (a stat, as the cache trusts it), else read."""
    entry = cache.index_for(resolver.for_path(path).config).get(str(path))
    try:
        if entry is not None and entry.stamp is not None and stamp_of(os.stat(path)) == entry.stamp:
            return entry.content
        return content_hash(atomic.read_source(path))
    except OSError:
        return "-"
