"""``ctxsep check``'s fix marks: the fix offered for each shown finding.

``check`` must stay fast, so it marks what one file can show: the
route-handler, dual-pattern-call and cleanup fixes, on files whose flagged
lines could take them. The session-parameter fix (unsafe, and it needs every
call site in the project) is left to ``ctxsep fix --unsafe-fixes --diff``.
"""

from __future__ import annotations

import re

from ctxsep import atomic
from ctxsep.config import SettingsResolver
from ctxsep.engine import SkipFile, decode_source
from ctxsep.fixes import registry
from ctxsep.fixes.apply import project_index
from ctxsep.fixes.base import FixProvider
from ctxsep.fixes.compute import compute_fixes
from ctxsep.fixes.session_param import SessionParameterFix
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import SKIPPED_CODE, Finding
from ctxsep.runner import RunResult


def marked() -> tuple[FixProvider, ...]:
    """The fixes ``check`` marks."""
    return tuple(p for p in registry.PROVIDERS if not isinstance(p, SessionParameterFix))


#: a legacy constructor call the route-handler fix could take: ``name = f(``
_BOUND_CALL = re.compile(r"^\s*\w+\s*=\s*\w+\s*\(")


def _could_fix(finding: Finding, lines: list[str]) -> bool:
    if finding.code == "CTX007":
        return True
    if finding.code != "CTX002" or not 0 < finding.line <= len(lines):
        return False
    return bool(_BOUND_CALL.match(lines[finding.line - 1]))


def attach_fixes(run: RunResult, paths: list[str], resolver: SettingsResolver) -> None:
    """Fill ``run.fixes`` for the shown findings (never baselined ones)."""
    todo = [
        (file, result)
        for file, result in zip(run.files, run.results, strict=True)
        if not result.skipped and any(f.code in ("CTX002", "CTX007") for f in result.findings)
    ]
    project: ProjectIndex | None = None
    for file, result in todo:
        try:
            text = decode_source(atomic.read_source(file))
        except (OSError, SkipFile):
            continue
        lines = text.splitlines()
        if not any(_could_fix(f, lines) for f in result.findings):
            continue
        if project is None:  # lazy: the index reads files only when a fix asks it something
            project = project_index(paths, resolver)
        findings = [f for f in result.findings if f.code != SKIPPED_CODE]
        settings = resolver.for_path(file)
        for fix in compute_fixes(file, text, settings, findings, project, providers=marked()):
            for code, line, col in fix.fixes:
                key = (result.path, line, col, code)
                current = run.fixes.get(key)
                if current is None or (fix.safe and not current.safe):
                    run.fixes[key] = fix
