"""The language server: open documents in, diagnostics and hovers out.

State the server keeps to itself (STYLE 18): the open buffers (pygls's
workspace), the last result per document (for hovers and code actions),
the fixes computed per document version and the project indexes
(``actions.FixProvider``), which config files currently carry a problem,
and the stats of the files that could change a result without its buffer
changing.

When it re-checks:

- ``didOpen`` and ``didSave``: at once; ``didChange``: after ``debounceMs``
  of quiet (initialization option, default 30), from the unsaved buffer;
  ``didClose``: its diagnostics are cleared. A client that can pull
  diagnostics (``textDocument/diagnostic``, LSP 3.17) pulls them instead
  (unless its ``pullDiagnostics`` option is false) and is asked to pull
  again (``workspace/diagnostic/refresh``) when the config changes.
- a config, baseline or vocabulary edit: every open document, when a
  watched-file event arrives (registered when the client can) or when the
  poll (``pollIntervalMs``, default 1000; 0 turns it off) sees a config
  candidate or baseline change its stat. Clients without file watching
  (or with watching switched off) still see edits within a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from ctxsep import __version__
from ctxsep.config.loader import CONFIG_FILES
from ctxsep.model import Finding, internal_error
from ctxsep.server import actions
from ctxsep.server.convert import problem_diagnostics, split_lines, to_diagnostic
from ctxsep.server.hover import hover_markdown
from ctxsep.server.lint import ConfigProblem, Linter, LintResult, Stamp, stamp, young_garbage

logger = logging.getLogger(__name__)
PYTHON_SUFFIXES = (".py", ".pyi")
#: every config file name (the vocabulary lives in the config), and JSON (baselines)
WATCH_GLOBS = (*(f"**/{name}" for name in CONFIG_FILES), "**/*.json")


@dataclass(eq=False)  # one per check: compared by identity
class Checked:
    """One document's last result: the diagnostics published, each with its finding."""

    path: str
    result: LintResult
    pairs: list[tuple[types.Diagnostic, Finding]]
    source: str
    version: int | None = None


class CtxsepServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ctxsep", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.linter = Linter()
        self.fixer = actions.FixProvider()
        self.debounce = 0.03
        self.poll_interval = 1.0
        self.checked: dict[str, Checked] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._problems: dict[str, ConfigProblem] = {}  # document uri -> its config problem
        self._published_problems: dict[Path, tuple[str, ...]] = {}
        self._stamps: dict[Path, Stamp] = {}
        self._poller: asyncio.Task[None] | None = None
        self._reported_crash = False
        #: the client pulls diagnostics (textDocument/diagnostic) instead of
        #: being sent them; decided at initialize from its capabilities
        self.pull = False
        self._refresh_support = False

    # -- options ---------------------------------------------------------------------------

    def configure(self, params: types.InitializeParams) -> None:
        folders = [to_fs_path(folder.uri) for folder in params.workspace_folders or ()]
        if not folders and params.root_uri:
            folders = [to_fs_path(params.root_uri)]
        for folder in folders:
            if folder:
                self.linter.add_folder(Path(folder))
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        self.debounce = _milliseconds(options, "debounceMs", self.debounce)
        self.poll_interval = _milliseconds(options, "pollIntervalMs", self.poll_interval)
        text_document = params.capabilities.text_document
        workspace = params.capabilities.workspace
        wants_pull = options.get("pullDiagnostics", True)
        if not isinstance(wants_pull, bool):
            logger.warning("initialization option pullDiagnostics: %r is not true or false; using false", wants_pull)
        self.pull = bool(text_document and text_document.diagnostic) and wants_pull is True
        self._refresh_support = bool(workspace and workspace.diagnostics and workspace.diagnostics.refresh_support)

    def start_watching(self) -> None:
        capabilities = self.client_capabilities.workspace
        watching = capabilities.did_change_watched_files if capabilities else None
        if watching is not None and watching.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCH_GLOBS]
            )
            registration = types.Registration(
                id="ctxsep-config-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
            )
            self.client_register_capability(types.RegistrationParams(registrations=[registration]))
        if self.poll_interval > 0:
            self._poller = asyncio.get_running_loop().create_task(self._poll())

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None

    # -- checking --------------------------------------------------------------------------

    def schedule(self, uri: str) -> None:
        """Check ``uri`` once its buffer has been quiet for the debounce time
        (a pulling client asks when it wants them instead)."""
        if self.pull:
            return
        previous = self._timers.pop(uri, None)
        if previous is not None:
            previous.cancel()
        if self.debounce <= 0:
            self.check(uri)
            return
        self._timers[uri] = asyncio.get_running_loop().call_later(self.debounce, self._fire, uri)

    def _fire(self, uri: str) -> None:
        self._timers.pop(uri, None)
        self.check(uri)

    def check(self, uri: str, force: bool = False) -> None:
        """Check one open document now and, unless the client pulls, publish
        its diagnostics (not when its text is what was last checked and
        nothing around it changed: ``didSave`` after the edits were already
        checked). Never raises."""
        try:
            with young_garbage():  # the check's cyclic garbage is collected once they are sent
                fresh = self._check(uri, force)
                if fresh is not None and not self.pull:
                    self.text_document_publish_diagnostics(
                        types.PublishDiagnosticsParams(
                            uri=uri, diagnostics=[d for d, _ in fresh.pairs], version=fresh.version
                        )
                    )
        except Exception as exc:  # a bug in ctxsep must not take the editor's server down
            logger.exception("checking %s failed", uri)
            if not self._reported_crash:
                self._reported_crash = True
                self.window_show_message(
                    types.ShowMessageParams(type=types.MessageType.Error, message=f"ctxsep: {internal_error(exc)}")
                )

    def pulled(self, uri: str) -> list[types.Diagnostic]:
        """The answer to ``textDocument/diagnostic``: the document's current
        diagnostics, checked now unless its text was already checked. The
        collector stays paused until the answer is sent (``young_garbage``):
        pygls writes a plain handler's answer as soon as it returns, before
        the loop runs the collection scheduled here."""
        later: Callable[[Callable[[], None]], object] | None
        try:
            later = asyncio.get_running_loop().call_soon
        except RuntimeError:  # no loop (a direct call): collect at once
            later = None
        with young_garbage(later):
            return self._pulled(uri)

    def _pulled(self, uri: str) -> list[types.Diagnostic]:
        self.check(uri)
        checked = self.checked.get(uri)
        return [d for d, _ in checked.pairs] if checked is not None else []

    def _check(self, uri: str, force: bool) -> Checked | None:
        """Check ``uri`` and remember the result; None when there was
        nothing to do (not a Python file, or its text already checked)."""
        document = self.workspace.text_documents.get(uri)
        path = _file_path(uri)
        if document is None or path is None:
            return None
        if not (path.endswith(PYTHON_SUFFIXES) or document.language_id == "python"):
            return None
        source = document.source
        last = self.checked.get(uri)
        if last is not None and not force and last.source == source:
            return None
        result = self.linter.lint(Path(path), source)
        lines = split_lines(source)
        codec = document.position_codec
        pairs = [(to_diagnostic(finding, lines, codec), finding) for finding in result.findings]
        checked = self.checked[uri] = Checked(path, result, pairs, source, document.version)
        self._stamps.update(result.watched)
        if result.problem is not None:
            self._problems[uri] = result.problem
        else:
            self._problems.pop(uri, None)
        self._publish_problems()
        return checked

    def close(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.checked.pop(uri, None)
        self.fixer.closed(uri)
        self._problems.pop(uri, None)
        if not self.pull:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self._publish_problems()

    def open_buffers(self) -> dict[Path, str]:
        """The open documents' texts by path (they may differ from the disk)."""
        buffers = {}
        for uri, document in self.workspace.text_documents.items():
            path = _file_path(uri)
            if path is not None:
                buffers[Path(path)] = document.source
        return buffers

    def saved(self, uri: str) -> None:
        if _file_path(uri) is not None:  # a file on disk changed: the fix index is out of date
            self.fixer.saved()
        self.check(uri)

    def check_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.check(uri, force=True)

    # -- config problems -------------------------------------------------------------------

    def _publish_problems(self) -> None:
        """One set of diagnostics per broken config or baseline, however many
        documents it governs, and one message when it breaks; cleared when
        it is fixed (or no open document uses it any more)."""
        current: dict[Path, tuple[str, ...]] = {}
        for problem in self._problems.values():
            current[problem.culprit] = problem.problems
        for culprit in list(self._published_problems):
            if culprit not in current:
                del self._published_problems[culprit]
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=Path(culprit).as_uri(), diagnostics=[])
                )
        for culprit, problems in current.items():
            if self._published_problems.get(culprit) == problems:
                continue
            self._published_problems[culprit] = problems
            diagnostics = problem_diagnostics(ConfigProblem(culprit, problems))
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=culprit.as_uri(), diagnostics=diagnostics)
            )
            first = problems[0] if problems else str(culprit)
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error,
                    message=f"ctxsep cannot check files governed by {culprit}: {first}{more}",
                )
            )

    # -- watching --------------------------------------------------------------------------

    def refresh_if_changed(self, force: bool = False) -> bool:
        """Re-check every open document when a watched file changed (or
        ``force``); True when it did."""
        changed = force or any(stamp(path) != old for path, old in self._stamps.items())
        if not changed:
            return False
        self.linter.forget_configs()
        self.fixer.forget()
        self._stamps.clear()
        self.check_all()
        if self.pull and self._refresh_support:
            self.workspace_diagnostic_refresh(None)  # "pull again": the results changed
        return True

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                self.refresh_if_changed()
            except Exception:
                logger.exception("watching the config failed")

    # -- hover -----------------------------------------------------------------------------

    def hover(self, uri: str, position: types.Position) -> types.Hover | None:
        checked = self.checked.get(uri)
        if checked is None or checked.result.settings is None:
            return None
        hits = [(d, f) for d, f in checked.pairs if _contains(d.range, position)]
        if not hits:
            return None
        text = "\n---\n\n".join(hover_markdown(finding, checked.result.settings) for _, finding in hits)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=hits[0][0].range
        )


def _file_path(uri: str) -> str | None:
    """The file system path of a ``file:`` URI; None for any other scheme (an untitled buffer)."""
    return to_fs_path(uri) if uri.startswith("file:") else None


def _contains(span: types.Range, position: types.Position) -> bool:
    if not span.start.line <= position.line <= span.end.line:
        return False
    if position.line == span.start.line and position.character < span.start.character:
        return False
    return not (position.line == span.end.line and position.character > span.end.character)


def _milliseconds(options: dict[str, Any], key: str, default: float) -> float:
    """Option ``key`` (milliseconds) in seconds; ``default`` when it is absent
    or not a number >= 0 (said on stderr, the editor's log for the server)."""
    value = options.get(key)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value) / 1000
    logger.warning(
        "initialization option %s: %r is not a number of milliseconds >= 0; using %g", key, value, default * 1000
    )
    return default


def create_server() -> CtxsepServer:
    """A server with every feature registered (a new one per process)."""
    server = CtxsepServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: CtxsepServer, params: types.InitializeParams) -> None:
        ls.configure(params)
        if ls.pull:  # registered before pygls computes the capabilities it announces
            ls.feature(
                types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(
                    identifier="ctxsep", inter_file_dependencies=False, workspace_diagnostics=False
                ),
            )(diagnostic)

    def diagnostic(
        ls: CtxsepServer, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport:
        return types.RelatedFullDocumentDiagnosticReport(items=ls.pulled(params.text_document.uri))

    @server.feature(types.INITIALIZED)
    def initialized(ls: CtxsepServer, params: types.InitializedParams) -> None:
        ls.start_watching()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: CtxsepServer, params: None) -> None:
        ls.stop()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CtxsepServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CtxsepServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CtxsepServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CtxsepServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: CtxsepServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.refresh_if_changed()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: CtxsepServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.removed:
            if (path := to_fs_path(folder.uri)) is not None:
                ls.linter.remove_folder(Path(path))
        for folder in params.event.added:
            if (path := to_fs_path(folder.uri)) is not None:
                ls.linter.add_folder(Path(path))
        ls.refresh_if_changed(force=True)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: CtxsepServer, params: types.HoverParams) -> types.Hover | None:
        try:
            return ls.hover(params.text_document.uri, params.position)
        except Exception:  # a hover is never worth an error in the editor
            logger.exception("hover on %s failed", params.text_document.uri)
            return None

    actions.register(server)
    return server


__all__ = ["CtxsepServer", "create_server"]
