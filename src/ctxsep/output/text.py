"""``path:line:col: severity: CODE message``, flake8's shape plus severity."""

from __future__ import annotations

from ctxsep.model import Finding
from ctxsep.runner import RunResult


def line_for(finding: Finding) -> str:
    suffix = " (baselined)" if finding.baselined else ""
    return f"{finding.path}:{finding.line}:{finding.col + 1}: {finding.severity.label}: {finding.message}{suffix}"


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
    return f"ctxsep: {', '.join(parts)} in {s['files']} file{'s' if s['files'] != 1 else ''} checked."


def render(run: RunResult, quiet: bool = False) -> str:
    lines = [] if quiet else [line_for(f) for f in run.shown_findings()]
    lines.append(summary(run))
    return "\n".join(lines) + "\n"
