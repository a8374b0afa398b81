"""Code actions: ``ctxsep fix``'s fixes as editor actions (SPEC §11, §12).

The fixes are data made beside their rules (STYLE 16) by ``ctxsep.fixes``;
this module only asks for them and translates:

- each fix offered for a finding under the cursor is a ``quickfix`` (unsafe
  ones say so in their title, and are never the preferred action); a fix
  that edits other files (a new session parameter and its call sites) is
  one ``WorkspaceEdit`` over every file it touches;
- ``source.fixAll.ctxsep`` is what ``ctxsep fix`` (safe fixes only) makes of
  the file, computed from the unsaved buffer by the same applier: choose
  non-overlapping fixes, apply, verify (compiles, the fixed findings gone,
  nothing new), loop to a fixed point.

Only the findings under the cursor are fixed for a quick fix (with the
other findings of their functions), and fix-all only when asked for: libcst
takes seconds on a long file dense with findings. Both run in a worker
thread, one at a time, and are kept for the document version (editors ask
on every cursor move); a result for a version the buffer has left is
dropped. The project index (dual-pattern
callables, call sites) is made per config root on the first request there,
sees open buffers through its overlay, and is made afresh after a save or
a config change.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from ctxsep.config import FileSettings, SettingsResolver
from ctxsep.fixes import FileState, Fix, FixRun, ProjectIndex, build_index, compute_fixes
from ctxsep.fixes.apply import apply_rounds
from ctxsep.model import Edit, Finding
from ctxsep.runner import display_path
from ctxsep.server.convert import LINE_BREAK

if TYPE_CHECKING:
    from ctxsep.server.app import CtxsepServer

logger = logging.getLogger(__name__)
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.ctxsep"
KINDS = (types.CodeActionKind.QuickFix, FIX_ALL)
_T = TypeVar("_T")


class Positions:
    """Character offsets of one text as LSP positions in the client's units."""

    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.text = text
        self.codec = codec
        self.starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]

    def position(self, offset: int) -> types.Position:
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return types.Position(line=line, character=self.codec.client_num_units(self.text[start:offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))


class PerDocument(dict[str, tuple[tuple[object, ...], _T]]):
    """One result per document, kept until its key (the document version
    and what the result depends on) changes: editors ask on every cursor move."""

    def get_or_compute(self, uri: str, key: tuple[object, ...], compute: Callable[[], _T]) -> _T:
        cached = self.get(uri)
        if cached is not None and cached[0] == key:
            return cached[1]
        value = compute()
        self[uri] = (key, value)
        return value


class FixProvider:
    """The server's fix state: project indexes, and each document's last
    quick fixes and fix-all. Computing runs in a worker thread, one request
    at a time (``lock``), so the event loop keeps answering (libcst takes
    seconds on a long, dense file)."""

    def __init__(self) -> None:
        self._projects: dict[tuple[Path, str], ProjectIndex] = {}
        self.quick: PerDocument[list[Fix]] = PerDocument()
        self.all: PerDocument[dict[Path, tuple[str, str]]] = PerDocument()
        self._stale = False
        self._lock: asyncio.Lock | None = None

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def forget(self) -> None:
        """A config, baseline or vocabulary changed: every index may be wrong."""
        self._projects = {}
        self.quick.clear()
        self.all.clear()

    def saved(self) -> None:
        """A file was written (a save is also when formatters rewrite
        others): build the index afresh when next needed. Building it only
        lists the files (the index reads them lazily), in the worker."""
        self._stale = True

    def closed(self, uri: str) -> None:
        self.quick.pop(uri, None)
        self.all.pop(uri, None)

    def project(self, settings: FileSettings, resolver: SettingsResolver, overlay: dict[Path, str]) -> ProjectIndex:
        """The index for ``settings``' project (built on first use), with the
        open buffers as its overlay. Runs in the worker, under ``lock``."""
        config = settings.config
        root = config.root if config.path is not None else resolver.cwd
        key = (root, config.digest)
        if self._stale:
            self._stale = False
            self._projects = {}
        project = self._projects.get(key)
        if project is None:
            project = self._projects[key] = build_index([str(root)], resolver, config.vocabulary)
        project.overlay = dict(overlay)  # fix-all's trial texts never outlive a request
        return project


def fix_all(
    path: Path,
    source: str,
    settings: FileSettings,
    findings: Sequence[Finding],
    resolver: SettingsResolver,
    project: ProjectIndex,
) -> dict[Path, tuple[str, str]]:
    """What ``ctxsep fix`` (safe fixes) makes of ``path`` with this buffer:
    {file: (text before, text after)} for every file it changes."""
    state = FileState(
        path=path,
        display=display_path(path, resolver.cwd),
        settings=settings,
        original=source.encode("utf-8", "surrogatepass"),
        encoding="utf-8",
        text=source,
        findings=list(findings),
        original_text=source,
    )
    run = FixRun(states={path: state})

    def safe_fixes(file: Path, current: FileState, _round: int) -> list[Fix]:
        return [f for f in compute_fixes(file, current.text, current.settings, current.findings, project) if f.safe]

    apply_rounds(run, [path], safe_fixes, resolver, project)
    return {s.path: (s.original_text, s.text) for s in run.changed}


def minimal_edit(before: str, after: str, codec: PositionCodec) -> types.TextEdit:
    """One edit replacing only the span where ``before`` and ``after`` differ."""
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    return types.TextEdit(
        range=Positions(before, codec).range(prefix, len(before) - suffix),
        new_text=after[prefix : len(after) - suffix],
    )


def _text_edits(edits: Sequence[Edit], text: str, codec: PositionCodec) -> list[types.TextEdit]:
    positions = Positions(text, codec)
    unique = sorted(set(edits), key=lambda e: (e.start, e.end, e.replacement))
    return [types.TextEdit(range=positions.range(e.start, e.end), new_text=e.replacement) for e in unique]


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _kind(kind: types.CodeActionKind | str) -> str:
    return kind.value if isinstance(kind, types.CodeActionKind) else kind


def _wants(only: Sequence[str] | None, kind: types.CodeActionKind | str) -> bool:
    name = _kind(kind)
    return only is None or any(name == k or name.startswith(f"{k}.") for k in only)


async def code_actions(ls: CtxsepServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    """The quick fixes for the findings under ``params.range``, and the
    file's fix-all when asked for by kind or by the user (not on every
    cursor move: an automatic request with no ``only``)."""
    uri = params.text_document.uri
    checked = ls.checked.get(uri)
    document = ls.workspace.text_documents.get(uri)
    if checked is None or document is None or checked.result.settings is None or not checked.pairs:
        return None
    source = checked.source
    if document.source != source:
        return None  # the buffer moved on; its diagnostics (and fixes) follow shortly
    only = [_kind(kind) for kind in params.context.only] if params.context.only else None
    automatic = params.context.trigger_kind == types.CodeActionTriggerKind.Automatic
    under = [(d, f) for d, f in checked.pairs if _overlaps(d.range, params.range)]
    want_quick = _wants(only, types.CodeActionKind.QuickFix) and bool(under)
    want_all = _wants(only, FIX_ALL) and (only is not None or not automatic)
    if not want_quick and not want_all:
        return []
    settings = checked.result.settings
    path = Path(checked.path)
    version = document.version
    resolver = ls.linter.resolver_for(path)
    findings = [finding for _, finding in checked.pairs]
    # The fixes of the findings under the cursor come from their functions'
    # findings (a fix replaces every session read of its function).
    scopes = {finding.scope for _, finding in under}
    near = [finding for finding in findings if finding.scope in scopes]
    fixes: list[Fix] = []
    changed: dict[Path, tuple[str, str]] = {}
    async with ls.fixer.lock:
        project = await asyncio.to_thread(ls.fixer.project, settings, resolver, ls.open_buffers())
        if want_quick:
            near_key: tuple[object, ...] = (version, source, tuple(near))
            fixes = await asyncio.to_thread(
                ls.fixer.quick.get_or_compute,
                uri,
                near_key,
                lambda: compute_fixes(path, source, settings, near, project),
            )
        if want_all:
            all_key: tuple[object, ...] = (version, source)
            changed = await asyncio.to_thread(
                ls.fixer.all.get_or_compute,
                uri,
                all_key,
                lambda: fix_all(path, source, settings, findings, resolver, project),
            )
    if ls.workspace.text_documents.get(uri) is not document or document.version != version:
        return None  # edited meanwhile: these edits would land in the wrong places
    codec = document.position_codec
    actions: list[types.CodeAction] = []
    for fix in fixes:
        action = _quick_fix(fix, checked.pairs, params.range, path, uri, source, project, codec)
        if action is not None:
            actions.append(action)
    if changed:
        edit = types.WorkspaceEdit(
            changes={file.as_uri(): [minimal_edit(before, after, codec)] for file, (before, after) in changed.items()}
        )
        actions.append(types.CodeAction(title="ctxsep: fix all safe fixes", kind=FIX_ALL, edit=edit))
    return actions


def _quick_fix(
    fix: Fix,
    pairs: Sequence[tuple[types.Diagnostic, Finding]],
    cursor: types.Range,
    path: Path,
    uri: str,
    source: str,
    project: ProjectIndex,
    codec: PositionCodec,
) -> types.CodeAction | None:
    fixed = set(fix.fixes)
    diagnostics = [d for d, f in pairs if (f.code, f.line, f.col) in fixed]
    if diagnostics:
        if not any(_overlaps(d.range, cursor) for d in diagnostics):
            return None
    else:  # a fix for what only mypy reports (CTX006): offered where it edits
        here = [e for e in fix.edits if Path(e.path) == path]
        positions = Positions(source, codec) if here else None  # one index of line starts, not one per edit
        if positions is None or not any(_overlaps(positions.range(e.start, e.end), cursor) for e in here):
            return None
    changes: dict[str, list[types.TextEdit]] = {}
    for name in sorted(fix.paths):
        file = Path(name)
        text = source if file == path else project.text(file)
        if text is None:
            return None  # a file it needs cannot be read: not offered
        changes[uri if file == path else file.as_uri()] = _text_edits(
            [e for e in fix.edits if e.path == name], text, codec
        )
    title = fix.title if fix.safe else f"{fix.title} (unsafe: may change behaviour)"
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=diagnostics or None,
        is_preferred=fix.safe,
        edit=types.WorkspaceEdit(changes=changes),
    )


def register(server: CtxsepServer) -> None:
    """Register ``textDocument/codeAction`` on ``server``."""

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=list(KINDS), resolve_provider=False),
    )
    async def code_action(ls: CtxsepServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        try:
            return await code_actions(ls, params)
        except Exception:  # a bug in a fix must not cost the editor its diagnostics
            logger.exception("code actions for %s failed", params.text_document.uri)
            return None


__all__ = ["FIX_ALL", "FixProvider", "code_actions", "fix_all", "minimal_edit", "register"]
