"""From a case the hooks found to a mypy error or note.

The checks hand over the rule, the message fields (built with the rule's own
helpers) and a position; the :class:`Reporter` adds the file's settings, the
source text, the enclosing scope, and asks the engine's
:class:`~ctxsep.typed_findings.FileGate` whether and how to show it:
``error`` becomes ``api.fail``, ``warn`` a note, both with the rule's
``ctx-<symbol>`` code. A broken config or baseline becomes one
``ctx-config-error`` per problem per run; a bug in ctxsep one
``ctx-file-skipped`` per file and kind of failure — never an exception
inside mypy.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mypy.nodes import Context, FuncDef, TypeInfo

from ctxsep.baseline.typed import recording
from ctxsep.config import FileSettings, SettingsResolver
from ctxsep.engine import FileResult
from ctxsep.model import CONFIG_ERROR_CODE, SKIPPED_CODE, ConfigError, Severity
from ctxsep.rules import RULES_BY_CODE
from ctxsep.rules.base import segment_text
from ctxsep.typed_findings import FileGate, TypedCase
from mypy_ctxsep.codes import CODES, CONFIG_ERROR, SKIPPED
from mypy_ctxsep.source import SourceText, read_text, real_path

if TYPE_CHECKING:
    from ctxsep.cache import ResultCache


@dataclass(frozen=True, slots=True)
class Span:
    """A position as mypy gives it (its columns, its parser)."""

    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    @classmethod
    def of(cls, node: Context) -> Span:
        return cls(node.line, node.column, node.end_line, node.end_column)


@dataclass
class _File:
    source: SourceText  # what mypy checks: the file, or an editor's shadow file
    gate: FileGate


class Reporter:
    """One per plugin instance, reading each module once (the daemon makes a
    new instance, which resets this one, for every ``dmypy run``)."""

    def __init__(self, resolver: SettingsResolver) -> None:
        self.resolver = resolver
        self._files: dict[str, _File] = {}
        self._settings: dict[str, FileSettings] = {}
        self._reported_problems: set[str] = set()
        #: problem -> times reported without mypy keeping it (a speculative
        #: check, or the user silenced ctx-config-error): bounded retries
        self._unrecorded: dict[str, int] = {}
        self._reported_failures: set[tuple[str, str]] = set()
        self._results: ResultCache | None = None

    # -- what applies to a file ------------------------------------------------------

    @staticmethod
    def muted(api: Any) -> bool:
        """Whether mypy drops every error reported in the module being
        analysed — a module followed with ``follow_imports = silent``, one
        with ``ignore_errors`` or ``# mypy: ignore-errors`` (mypy's
        ``Errors.ignored_files``, the test its ``add_error_info`` makes) —
        so the hooks can skip describing cases no one will see. Not while
        recording (``CTXSEP_RECORD``): what is recorded stays as it was."""
        errors = _errors(api)
        ignored = getattr(errors, "ignored_files", None)
        return isinstance(ignored, set) and getattr(errors, "file", None) in ignored and not recording()

    def settings(self, path: str) -> FileSettings:
        """Raises ConfigError (a BaselineError too) for a broken config."""
        settings = self._settings.get(path)
        if settings is None:
            settings = self._settings[path] = self.resolver.for_path(os.path.abspath(path))
        return settings

    def enabled(self, api: Any, code: str) -> bool:
        """Whether ``code`` can be reported in the module being checked: a
        cheap test before the work of describing a case. A broken config
        answers True, so the case reaches :meth:`report`, which reports the
        config problem instead."""
        try:
            return self.settings(api.path).severities.get(code, Severity.OFF) is not Severity.OFF
        except ConfigError:
            return True

    def wanted(self, api: Any, code: str, where: Span, *, converted: bool = False) -> bool:
        """Whether a case of ``code`` at ``where`` would be shown, the
        baseline aside (severity, suppression, the overlap with the AST
        engine): asked before describing a case, which costs source text."""
        state = self._file(api)
        if state is None:
            return True  # a broken config: report() says so
        line, column = where.line, where.column
        if not converted:
            line, column, _, _ = state.source.ast_span(where.line, where.column, where.end_line, where.end_column)
        return state.gate.shows(code, line, column, checker_scope(api)[1])

    def _file(self, api: Any) -> _File | None:
        """The module's settings, text and gate, read once per run: files do
        not change during a run, and the daemon makes a new plugin instance
        (which resets this one) for every ``dmypy run``."""
        path = api.path
        cached = self._files.get(path)
        if cached is not None:
            return cached
        real = real_path(path, api.options)
        try:
            settings = self.settings(path)
        except ConfigError as exc:
            self._config_problems(api, exc.problems)
            return None
        text = read_text(real) or ""
        source = SourceText(text, bool(getattr(api.options, "native_parser", False)))
        absolute = os.path.abspath(path)
        known = None if real != path else partial(self._cached_result, absolute, settings, path)
        gate = FileGate(absolute, settings, text, path, known_result=known, via="mypy")
        self._files[path] = _File(source, gate)
        return self._files[path]

    def _cached_result(self, path: str, settings: FileSettings, display: str) -> FileResult | None:
        """``ctxsep check``'s cached result for the file as it is on disk
        (valid for its stat, config and ctxsep version), if there is one: the
        overlap with the AST engine is then a lookup. Read only; a cache that
        cannot be read is no cache."""
        try:
            if self._results is None:
                from ctxsep.cache import ResultCache  # only when a case needs the overlap: not at start-up

                self._results = ResultCache(Path.cwd())
            return self._results.lookup(Path(path), settings, display)[0]
        except Exception:
            return None

    def source(self, api: Any) -> SourceText | None:
        state = self._file(api)
        return state.source if state is not None else None

    def text(self, api: Any, node: Context) -> str:
        """A node's source, as the AST rules would name it (``ast.unparse``)."""
        source = self.source(api)
        if source is None:
            return "<expression>"
        line, start, end_line, end = source.ast_span(node.line, node.column, node.end_line, node.end_column)
        return segment_text(source.segment(line, start, end_line, end)) or "<expression>"

    # -- reporting ----------------------------------------------------------------------

    def report(
        self,
        api: Any,
        code: str,
        fields: dict[str, str],
        where: Span,
        *,
        scope: tuple[str, int | None] | None = None,
        anchor: str | None = None,
        converted: bool = False,
    ) -> None:
        """Report ``code`` with ``fields`` at ``where`` (mypy's position, or
        ``ast``'s when ``converted``); ``scope`` for hooks without a checker
        scope (class hooks run during semantic analysis)."""
        state = self._file(api)
        if state is None:
            return
        source = state.source
        line, column, end_line, end_column = where.line, where.column, where.end_line, where.end_column
        if not converted:
            line, column, end_line, end_column = source.ast_span(line, column, end_line, end_column)
        scope_name, function_line = scope if scope is not None else checker_scope(api)
        rule = RULES_BY_CODE[code]
        case = TypedCase(
            code=code,
            line=line,
            col=column,
            message=rule.format_message(**fields),
            scope=scope_name,
            segment=source.segment(line, column, end_line, end_column),
            anchor=anchor,
            function_line=function_line,
        )
        try:
            finding = state.gate.admit(case, recordable=not _silenced_by_mypy(api, line, code))
        except ConfigError as exc:  # the baseline is broken
            self._config_problems(api, exc.problems)
            return
        if finding is None:
            return
        context = Context(line, column)
        context.end_line, context.end_column = end_line, end_column
        if finding.severity is Severity.ERROR:
            api.fail(finding.message, context, code=CODES[code])
        else:
            api.msg.note(finding.message, context, code=CODES[code])

    def _config_problems(self, api: Any, problems: list[str]) -> None:
        for problem in problems:
            if problem in self._reported_problems:
                continue
            message = f"{CONFIG_ERROR_CODE} ctxsep config error: {problem}"
            api.fail(message, Context(1, 0), code=CONFIG_ERROR)
            tries = self._unrecorded[problem] = self._unrecorded.get(problem, 0) + 1
            if tries >= _MAX_TRIES or _recorded(api, message):
                self._reported_problems.add(problem)

    def failure(self, api: Any, where: Context | None, what: str, exc: BaseException) -> None:
        """A bug in ctxsep while checking ``what``: one error per file and
        kind of failure, never an exception inside mypy."""
        reason = f"{type(exc).__name__}: {exc}"
        path = str(getattr(api, "path", "?"))
        if (path, reason) in self._reported_failures:
            return
        message = f"{SKIPPED_CODE} ctxsep could not check {what}: internal error: {reason} (please report it)"
        try:
            api.fail(message, where if where is not None else Context(1, 0), code=SKIPPED)
        except Exception:  # the API itself failed: say it where a user can see it
            print(f"{path}: {message}", file=sys.stderr)
            self._reported_failures.add((path, reason))
            return
        if _recorded(api, message):
            self._reported_failures.add((path, reason))


#: Reports of one config problem before giving up on mypy keeping one (it
#: never will where the user disabled ``ctx-config-error`` or the module).
_MAX_TRIES = 100


def _silenced_by_mypy(api: Any, line: int, code: str) -> bool:
    """Whether mypy will not show ``code`` at ``line`` whatever ctxsep says:
    a ``# type: ignore`` that covers it, a disabled error code, or a module
    whose errors are ignored. Only asked while recording (``CTXSEP_RECORD``).
    The ignore comments are mypy's own parse of them
    (``Errors.ignored_lines``: line -> codes, none meaning all), read like
    ``_recorded`` reads ``error_info_map``; where that cannot be read the
    finding is recorded, as a finding mypy shows."""
    if not recording():
        return False
    options = getattr(api, "options", None)
    error_code = CODES[code]
    if getattr(options, "ignore_errors", False) or error_code in (getattr(options, "disabled_error_codes", None) or ()):
        return True
    errors = _errors(api)
    file = getattr(errors, "file", None)
    if file in (getattr(errors, "ignored_files", None) or ()):
        return True
    ignored = getattr(errors, "ignored_lines", None)
    codes = ignored.get(file, {}).get(line) if isinstance(ignored, dict) else None
    return codes is not None and (not codes or error_code.code in codes)


def _errors(api: Any) -> Any:
    """mypy's ``Errors`` behind a checker (``api.msg.errors``) or semantic analyser (``api.errors``)."""
    return getattr(getattr(api, "msg", None), "errors", None) or getattr(api, "errors", None)


def _recorded(api: Any, message: str) -> bool:
    """Whether mypy kept the error just reported. While mypy checks an
    expression speculatively (an ``await``, an overload, a lambda in a
    context) its ``ErrorWatcher`` throws reported errors away, and the same
    hook fires again for the real check: a once-per-run error must wait for
    that. ``Errors.error_info_map`` (file -> recorded errors) has been
    mypy's store for years; where it cannot be read, the error counts as
    shown, as it always was."""
    errors = _errors(api)
    recorded = getattr(errors, "error_info_map", None)
    if not isinstance(recorded, dict):
        return True
    return any(getattr(info, "message", None) == message for info in recorded.get(getattr(errors, "file", None), ()))


def checker_scope(api: Any) -> tuple[str, int | None]:
    """(enclosing classes and functions as the engine names them, the
    ``def`` line of the innermost function) from the type checker's scope."""
    stack = getattr(getattr(api, "scope", None), "stack", None) or ()
    names = []
    function_line = None
    for item in stack:
        if isinstance(item, TypeInfo):
            names.append(item.name)
        elif isinstance(item, FuncDef):  # lambdas are FuncItems too: not a named scope
            names.append(item.name)
            function_line = item.line
    return ".".join(names) or "<module>", function_line
