"""``path:line:col: severity: CODE message``, flake8's shape plus severity."""

from __future__ import annotations

from ctxsep.model import Finding
from ctxsep.runner import RunResult


def line_for(finding: Finding, fixable: bool = False) -> str:
    suffix = " (baselined)" if finding.baselined else ""
    message = finding.message
    if fixable:  # ruff's mark of a finding `ctxsep fix` fixes
        code, _, rest = message.partition(" ")
        message = f"{code} [*] {rest}"
    return f"{finding.path}:{finding.line}:{finding.col + 1}: {finding.severity.label}: {message}{suffix}"


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
    if not fixable:
        return ""
    safe, unsafe = fixable["safe"], fixable["unsafe"]
    if not safe:
        return f" {unsafe} fixable with `ctxsep fix --unsafe-fixes`."
    more = f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else ""
    return f" [*] {safe} fixable with `ctxsep fix`{more}."


def render(run: RunResult, quiet: bool = False) -> str:
    lines = [] if quiet else [line_for(f, _safe_fix(run, f)) for f in run.shown_findings()]
    lines.append(summary(run))
    return "\n".join(lines) + "\n"


def _safe_fix(run: RunResult, finding: Finding) -> bool:
    fix = run.fix_for(finding)
    return fix is not None and fix.safe and not finding.baselined
