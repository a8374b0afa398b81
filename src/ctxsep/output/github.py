"""GitHub Actions workflow commands: one annotation per finding.

``::error file=…,line=…,col=…,title=…::message`` (``::warning`` for warn
findings, ``::notice`` for baselined ones shown with ``--show-baselined``),
then the summary as a plain log line. Values are escaped as the runner
expects (``%``, CR and LF everywhere; ``:`` and ``,`` inside properties);
every other control character is made a visible escape
(:mod:`ctxsep.output.escape`). A file named ``"x\\n::add-mask::…"`` stays
one annotation and never becomes a workflow command of its own.
"""

from __future__ import annotations

from ctxsep.model import Finding, Severity
from ctxsep.output.escape import escape, join_lines
from ctxsep.output.text import summary
from ctxsep.runner import RunResult


def _data(text: str) -> str:
    return escape(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    command = "notice" if finding.baselined else ("error" if finding.severity is Severity.ERROR else "warning")
    title = f"{finding.code} {finding.symbol}" + (" (baselined)" if finding.baselined else "")
    properties = ",".join(
        (
            f"file={_property(finding.path)}",
            f"line={finding.line}",
            f"col={finding.col + 1}",
            f"title={_property(title)}",
        )
    )
    return f"::{command} {properties}::{_data(finding.message)}"


def render(run: RunResult, quiet: bool = False) -> str:
    lines = [] if quiet else [annotation(f) for f in run.shown_findings()]
    lines.append(summary(run))
    return join_lines(lines)
