"""Findings and config problems as LSP diagnostics.

Positions: the engine reports ``ast``'s column, a UTF-8 byte offset into
the line; LSP wants the client's code units (UTF-16 unless negotiated
otherwise). Lines are split the way Python and LSP both split them
(``\\n``, ``\\r\\n``, ``\\r``), not with ``str.splitlines``, which also breaks
at form feeds and other separators that Python's tokenizer does not.
A finding has a start only; the range covers the name or word there (the
``db_session`` of ``db_session=db``, ``async def name`` for a function), so the squiggle
sits on what the message names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from ctxsep.model import CONFIG_ERROR_CODE, SKIPPED_CODE, Finding, Severity
from ctxsep.output.sarif import DOCS_URI  # one home for the docs' address (SARIF's helpUri too)
from ctxsep.server.lint import ConfigProblem
from ctxsep.textsafe import char_column

SOURCE = "ctxsep"
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"[\w.]+")
_DEFINITION = re.compile(r"(?:async\s+)?(?:def|class)\s+\w+")


def split_lines(text: str) -> list[str]:
    """Lines without their endings, as Python and LSP number them."""
    return LINE_BREAK.split(text)


def rule_href(code: str) -> str:
    return f"{DOCS_URI}/rules/{code}.md" if code != SKIPPED_CODE else f"{DOCS_URI}/cli.md"


def finding_range(lines: Sequence[str], line: int, byte_col: int, codec: PositionCodec) -> types.Range:
    """The range of the word at ``line`` (1-based) and UTF-8 ``byte_col``."""
    index = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[index] if lines else ""
    ascii_line = text.isascii()  # most lines: bytes, characters and code units agree
    start = char_column(text, byte_col)
    word = _DEFINITION.match(text, start) or _WORD.match(text, start)
    end = word.end() if word else min(start + 1, len(text))
    if not ascii_line:
        start, end = codec.client_num_units(text[:start]), codec.client_num_units(text[:end])
    return types.Range(start=types.Position(line=index, character=start), end=types.Position(line=index, character=end))


def to_diagnostic(finding: Finding, lines: Sequence[str], codec: PositionCodec) -> types.Diagnostic:
    if finding.code == SKIPPED_CODE:
        # A buffer mid-edit often does not parse: say so quietly, the way
        # the editor's own Python support already shows the syntax error.
        severity = types.DiagnosticSeverity.Information
    elif finding.severity is Severity.ERROR:
        severity = types.DiagnosticSeverity.Error
    else:
        severity = types.DiagnosticSeverity.Warning
    return types.Diagnostic(
        range=finding_range(lines, finding.line, finding.col, codec),
        message=finding.message,
        severity=severity,
        code=finding.code,
        code_description=types.CodeDescription(href=rule_href(finding.code)),
        source=SOURCE,
        data={
            "symbol": finding.symbol,
            "severity": finding.severity.label,
            "phase": finding.phase.label if finding.phase is not None else None,
            "scope": finding.scope,
            "fingerprint": finding.fingerprint,
        },
    )


# -- config problems ---------------------------------------------------------------------

_TABLE_KEY = re.compile(r": (?:\[(?P<table>[^\]]*)\]|top level) '(?P<key>[^']*)'")
_LINE_NUMBER = re.compile(r"\bline (\d+)")


def problem_line(problem: str, config_lines: Sequence[str]) -> int:
    """0-based line of the key a config problem names (its table header when
    the key cannot be found; 0 when neither can)."""
    numbered = _LINE_NUMBER.search(problem)
    if numbered:
        return max(int(numbered.group(1)) - 1, 0)
    named = _TABLE_KEY.search(problem)
    if named is None:
        return 0
    table, key = named.group("table"), named.group("key")
    start = 0
    if table:
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(re.escape(p) for p in table.split(".")) + r"\s*\]")
        start = next((i for i, text in enumerate(config_lines) if header.match(text)), -1)
        if start < 0:
            return 0
    if key:
        assignment = re.compile(
            r"^\s*(?:\"" + re.escape(key) + r"\"|'" + re.escape(key) + r"'|" + re.escape(key) + r")\s*="
        )
        for index in range(start, len(config_lines)):
            if index > start and table and config_lines[index].lstrip().startswith("["):
                break
            if assignment.match(config_lines[index]):
                return index
    return start


def problem_diagnostics(problem: ConfigProblem) -> list[types.Diagnostic]:
    """One Error per problem on the config (or baseline) file, at its key."""
    try:
        lines = split_lines(problem.culprit.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        lines = []
    diagnostics = []
    for text in problem.problems:
        index = problem_line(text, lines)
        length = len(lines[index]) if index < len(lines) else 0
        diagnostics.append(
            types.Diagnostic(
                range=types.Range(
                    start=types.Position(line=index, character=0), end=types.Position(line=index, character=length)
                ),
                message=f"ctxsep config error: {_without_path(text, problem.culprit)}",
                severity=types.DiagnosticSeverity.Error,
                code=CONFIG_ERROR_CODE,
                code_description=types.CodeDescription(href=f"{DOCS_URI}/configuration.md"),
                source=SOURCE,
            )
        )
    return diagnostics


def _without_path(text: str, culprit: Path) -> str:
    """The problem without its leading file name: the diagnostic sits in that file."""
    prefix = f"{culprit}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


__all__ = [
    "LINE_BREAK",
    "finding_range",
    "problem_diagnostics",
    "problem_line",
    "rule_href",
    "split_lines",
    "to_diagnostic",
]
