"""The checker: runs the engine on each module and reports through pylint.

A raw-file checker: once per module, before pylint's AST walk, it hands the
bytes pylint holds (``node.stream()``: the file, or the text given on stdin
with ``--from-stdin``) and the module's real path (for config discovery from
the module's own directory) to ``ctxsep.engine.check_file``, then adds
CTX006 where astroid can see it. Each finding becomes the rule's E or W
message (see :mod:`pylint_ctxsep.messages`). Nothing here decides what is a
finding.

Checker state is a per-run config cache and the config problems already
reported, all plain picklable data: under ``-j`` pylint pickles the linter
with dill and re-registers the plugin in every worker.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pylint.checkers import BaseRawFileChecker
from pylint.interfaces import HIGH, INFERENCE, Confidence
from pylint.lint import parallel

from ctxsep.baseline.typed import record_checked, recording
from ctxsep.config import SettingsResolver
from ctxsep.engine import check_file
from ctxsep.model import CONFIG_ERROR_CODE, SKIPPED_CODE, ConfigError, Finding, Severity, internal_error
from ctxsep.rules import RULES_BY_CODE, Rule
from pylint_ctxsep.dual_pattern import RULE as DUAL_PATTERN_RULE
from pylint_ctxsep.dual_pattern import dual_pattern_findings
from pylint_ctxsep.messages import (
    CONFIG_ERROR_MSGID,
    SKIPPED_MSGID,
    build_messages,
    error_msgid,
    warning_msgid,
)

if TYPE_CHECKING:
    from astroid import nodes
    from pylint.lint import PyLinter

#: (module name, file, config problems) first met while checking that module
ConfigProblems = tuple[str, str, tuple[str, ...]]


class CtxsepChecker(BaseRawFileChecker):
    name = "ctxsep"
    msgs = build_messages()
    options = (
        (
            "ctxsep-config",
            {
                "default": "",
                "type": "path",
                "metavar": "<file>",
                "help": "ctxsep config file (ctxsep.toml or pyproject.toml) to use for every "
                "module, instead of discovering one from each module's own directory.",
            },
        ),
    )

    def __init__(self, linter: PyLinter) -> None:
        super().__init__(linter)
        self._resolvers: dict[str, SettingsResolver] = {}
        self._reported_problems: set[str] = set()
        self._module_problems: list[ConfigProblems] = []  # this module's, for get_map_data

    def open(self) -> None:
        self._module_problems = []

    def process_module(self, node: nodes.Module) -> None:
        self._module_problems = []
        if not node.file:
            return
        try:
            self._check(node, node.file)
        except ConfigError as exc:
            self._config_problems(node, exc.problems)
        except Exception as exc:  # a ctxsep bug must not become pylint's F0002 "astroid-error"
            reason = internal_error(exc)
            self.add_message(SKIPPED_MSGID, line=1, args=(f"{SKIPPED_CODE} file not checked: {reason}",))

    def _check(self, node: nodes.Module, path: str) -> None:
        # The bytes pylint parsed: the file, or the text given on stdin.
        stream = node.stream()
        if stream is None:  # astroid has no source for it
            return
        with stream:
            source: bytes = stream.read()
        resolver = self._resolver()
        path = self._placed(path, resolver)
        result = check_file(path, resolver, source=source, display_path=path)
        for finding in result.findings:
            self._report(finding, HIGH)
        if result.skipped is None and self._wanted(DUAL_PATTERN_RULE.code):
            settings = resolver.for_path(path)
            if settings.severities[DUAL_PATTERN_RULE.code] is not Severity.OFF:
                try:
                    if recording():  # CTXSEP_RECORD: for `ctxsep baseline ... --typed`
                        record_checked("pylint", os.path.abspath(path))
                    severity = settings.severities[DUAL_PATTERN_RULE.code]
                    shown = dual_pattern_findings(
                        node, source, settings, path, partial(self._shown_by_pylint, DUAL_PATTERN_RULE, severity)
                    )
                except Exception as exc:  # the AST rules' findings above stand
                    reason = internal_error(exc)
                    message = f"{SKIPPED_CODE} {DUAL_PATTERN_RULE.code} not checked: {reason}"
                    self.add_message(SKIPPED_MSGID, line=1, args=(message,))
                    return
                for finding in shown:
                    self._report(finding, INFERENCE)

    def _placed(self, path: str, resolver: SettingsResolver) -> str:
        """With ``--from-stdin``, pylint makes the given name absolute against
        its cwd; a relative name is relative to the project instead (an editor
        may run pylint from anywhere): see ``SettingsResolver.place_display_name``."""
        if not getattr(self.linter.config, "from_stdin", False) or os.path.exists(path):
            return path
        rel = os.path.relpath(path, resolver.cwd)
        return path if rel.startswith("..") else resolver.place_display_name(rel)

    def _resolver(self) -> SettingsResolver:
        """One resolver per explicit config (pylint may swap ``linter.config``
        per directory); it re-reads a config file when it changes on disk."""
        explicit = str(self.linter.config.ctxsep_config or "")
        if explicit not in self._resolvers:
            self._resolvers[explicit] = SettingsResolver(explicit=Path(explicit) if explicit else None)
        return self._resolvers[explicit]

    def _wanted(self, code: str) -> bool:
        """Whether either message of a rule is enabled at all (skip the work if not)."""
        rule = RULES_BY_CODE[code]
        return self.linter.is_message_enabled(error_msgid(rule)) or self.linter.is_message_enabled(warning_msgid(rule))

    def _shown_by_pylint(self, rule: Rule, severity: Severity, line: int) -> bool:
        """Whether pylint's own switches and pragmas let a finding of ``rule``
        on ``line`` through (what ``_report`` would show, the baseline aside)."""
        msgid = error_msgid(rule) if severity is Severity.ERROR else warning_msgid(rule)
        return self.linter.is_message_enabled(error_msgid(rule), line) and self.linter.is_message_enabled(msgid, line)

    def _report(self, finding: Finding, confidence: Confidence) -> None:
        rule = RULES_BY_CODE.get(finding.code)
        if rule is None:  # CTX900: the engine could not check the file
            self.add_message(SKIPPED_MSGID, line=finding.line, args=(finding.message,))
            return
        error = error_msgid(rule)
        if finding.severity is Severity.ERROR:
            msgid = error
        elif self.linter.is_message_enabled(error, finding.line):
            msgid = warning_msgid(rule)
        else:
            # The rule's symbol is disabled here: it silences warnings too. Tell
            # pylint the pragma was used, so useless-suppression stays accurate.
            self.linter.add_ignored_message(error, finding.line, confidence=confidence)
            return
        self.add_message(
            msgid,
            line=finding.line,
            col_offset=finding.col,
            args=(finding.message,),
            confidence=confidence,
        )

    # -- config errors: once per run ----------------------------------------------

    def _config_problems(self, node: nodes.Module, problems: list[str]) -> None:
        fresh = tuple(p for p in problems if p not in self._reported_problems)
        self._reported_problems.update(fresh)
        if not fresh:
            return
        if _in_parallel_worker(self.linter):
            # Each worker would report it once; the parent reports it once in all.
            self._module_problems.append((node.name, node.file or node.name, fresh))
        else:
            self._add_config_messages(fresh)

    def _add_config_messages(self, problems: tuple[str, ...]) -> None:
        for problem in problems:
            self.add_message(
                CONFIG_ERROR_MSGID,
                line=1,
                args=(f"{CONFIG_ERROR_CODE} ctxsep config error: {problem}",),
            )

    def get_map_data(self) -> list[ConfigProblems] | None:
        return self._module_problems or None

    def reduce_map_data(self, linter: PyLinter, data: list[Any]) -> None:
        """In the parent of a ``-j`` run: report each problem once, on the
        first module that met it."""
        seen: set[str] = set()
        for chunk in data:
            for modname, filepath, problems in chunk:
                fresh = tuple(p for p in problems if p not in seen)
                seen.update(fresh)
                if fresh:
                    linter.set_current_module(modname, filepath)
                    self._add_config_messages(fresh)


def _in_parallel_worker(linter: PyLinter) -> bool:
    """True inside a ``-j N`` worker, whose messages the parent merges.

    pylint keeps the worker's linter in ``pylint.lint.parallel._worker_linter``.
    Should that private name ever go away this returns False, and a broken
    config is reported once per worker instead of once per run — never lost.
    """
    return getattr(parallel, "_worker_linter", None) is linter
