"""The text formats of ``ctxsep check``.

``concise``: one line per finding, flake8's shape plus severity::

    path:line:col: severity: CODE message

``text`` (the default): that line, then the source line with a caret under
the finding, as ruff shows it. Colour (see :mod:`ctxsep.output.style`) only
on a terminal. Every path, message and source line is escaped
(:mod:`ctxsep.output.escape`), so a hostile file name stays one line.

``fixable`` puts ruff's ``[*]`` between the code and the message
(``CTX002 [*] call of …``) for a finding ``ctxsep fix`` can fix; callers
that know (``render_findings(..., fixable=...)``) say so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ctxsep.atomic import read_regular
from ctxsep.model import SKIPPED_CODE, Finding
from ctxsep.output.escape import escape, escape_source_line
from ctxsep.output.style import PLAIN, Style
from ctxsep.runner import RunResult
from ctxsep.textsafe import char_column

#: a snippet is read from files up to this size (a file already checked)
_MAX_SNIPPET_BYTES = 8 * 1024 * 1024
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def line_for(finding: Finding, fixable: bool = False, style: Style = PLAIN) -> str:
    code, _, text = finding.message.partition(" ")
    if code != finding.code:  # a message that does not start with its code
        code, text = finding.code, finding.message
    where = style.paint(escape(finding.path), "bold") + style.paint(f":{finding.line}:{finding.col + 1}:", "cyan")
    severity = style.severity(f"{finding.severity.label}:", finding.severity.label)
    suffix = style.paint(" (baselined)", "dim") if finding.baselined else ""
    shown_code = style.severity(code, "baselined" if finding.baselined else finding.severity.label)
    marker = "[*] " if fixable else ""  # ruff's mark of a finding `ctxsep fix` fixes
    return f"{where} {severity} {shown_code} {marker}{escape(text)}{suffix}"


def summary(run: RunResult) -> str:
    s = run.summary()
    parts = [
        f"{s['errors']} error{'s' if s['errors'] != 1 else ''}",
        f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''}",
    ]
    if s["baselined"]:
        parts.append(f"{s['baselined']} baselined")
    if s["skipped"]:
        parts.append(f"{s['skipped']} file{'s' if s['skipped'] != 1 else ''} skipped")
    line = f"ctxsep: {', '.join(parts)} in {s['files']} file{'s' if s['files'] != 1 else ''} checked."
    return line + fixable_note(s.get("fixable"))


def fixable_note(fixable: dict[str, int] | None) -> str:
    """`` 3 fixable with `ctxsep fix` [*] (1 more with `--unsafe-fixes`).`` or ''."""
    if not fixable or not (fixable["safe"] or fixable["unsafe"]):
        return ""
    safe, unsafe = fixable["safe"], fixable["unsafe"]
    if not safe:
        return f" {unsafe} fixable with `ctxsep fix --unsafe-fixes`."
    more = f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else ""
    return f" [*] {safe} fixable with `ctxsep fix`{more}."


def render_concise(run: RunResult, quiet: bool = False) -> str:
    """One line per finding, then the summary; never coloured."""
    return render(run, quiet, snippets=False)


def render(run: RunResult, quiet: bool = False, style: Style = PLAIN, snippets: bool = True) -> str:
    """Findings (with their source lines unless ``snippets`` is false), then the summary."""
    paths = {result.path: path for result, path in zip(run.results, run.files, strict=False)}
    fixable = lambda finding: _safe_fix(run, finding)  # noqa: E731
    shown = "" if quiet else render_findings(run.shown_findings(), style, snippets, paths, fixable)
    return shown + style.paint(escape(summary(run)), "bold") + "\n"


def render_findings(
    findings: Iterable[Finding],
    style: Style = PLAIN,
    snippets: bool = True,
    paths: Mapping[str, Path] | None = None,
    fixable: Callable[[Finding], bool] | None = None,
) -> str:
    """One line per finding, each followed by its snippet when ``snippets``.
    ``paths`` maps a displayed path to the file; by default the displayed
    path is read (it is relative to the cwd). ``fixable`` says which
    findings get the ``[*]`` mark."""
    sources = _SourceLines(paths or {})
    out = []
    for finding in findings:
        out.append(line_for(finding, fixable is not None and fixable(finding), style) + "\n")
        if snippets and finding.code != SKIPPED_CODE:
            out.extend(line + "\n" for line in snippet(finding, sources.line(finding), style))
    return "".join(out)


def snippet(finding: Finding, source_line: str | None, style: Style = PLAIN) -> list[str]:
    """The gutter, the source line and a caret line; empty without a source line."""
    if source_line is None:
        return []
    raw = source_line.rstrip("\r\n")
    start = char_column(raw, finding.col)
    name = _NAME.match(raw, start)
    width = max(1, _display_width(escape_source_line(raw[start : name.end()]))) if name else 1
    indent = _display_width(escape_source_line(raw[:start]))
    number = str(finding.line)
    gutter = style.paint(" " * len(number) + " |", "blue")
    label = "baselined" if finding.baselined else finding.severity.label
    carets = style.severity("^" * width + " " + finding.code, label)
    return [
        gutter,
        style.paint(f"{number} |", "blue") + " " + escape_source_line(raw),
        f"{gutter} {' ' * indent}{carets}",
        gutter,
    ]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _SourceLines:
    """The lines of each file with findings, read once, only if a regular file."""

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self._paths = paths
        self._lines: dict[str, list[str] | None] = {}

    def line(self, finding: Finding) -> str | None:
        if finding.path not in self._lines:
            self._lines[finding.path] = _read_lines(self._paths.get(finding.path, Path(finding.path)))
        lines = self._lines[finding.path]
        if lines is None or not 1 <= finding.line <= len(lines):
            return None
        return lines[finding.line - 1]


def _read_lines(path: Path) -> list[str] | None:
    from ctxsep.engine import SkipFile, decode_source

    try:
        data = read_regular(path, _MAX_SNIPPET_BYTES)  # never a FIFO swapped in since the check
        text = decode_source(data)
    except (OSError, SkipFile):
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # Python's line breaks only


def _safe_fix(run: RunResult, finding: Finding) -> bool:
    """A finding ``ctxsep fix`` fixes gets ruff's ``[*]``."""
    fix = run.fix_for(finding)
    return fix is not None and fix.safe and not finding.baselined


__all__ = ["line_for", "render", "render_concise", "render_findings", "snippet", "summary"]
