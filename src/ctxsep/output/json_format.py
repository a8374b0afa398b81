"""The JSON format of SPEC §6: ``{"findings": [...], "summary": {...}}`` with
paths relative to the cwd using ``/`` and 1-based line and column."""

from __future__ import annotations

import json
from typing import Any

from ctxsep.model import Finding
from ctxsep.output.fix_format import fix_json
from ctxsep.runner import RunResult


def finding_dict(finding: Finding) -> dict[str, Any]:
    result: dict[str, Any] = {
        "path": finding.path,
        "line": finding.line,
        "column": finding.col + 1,
        "code": finding.code,
        "symbol": finding.symbol,
        "severity": finding.severity.label,
        "message": finding.message,
        "phase": finding.phase.label if finding.phase is not None else None,
    }
    if finding.baselined:
        result["baselined"] = True
    return result


def _with_fix(run: RunResult, finding: Finding) -> dict[str, Any]:
    result = finding_dict(finding)
    fix = run.fix_for(finding)
    if fix is not None:
        result["fix"] = fix_json(fix)
    return result


def render(run: RunResult, quiet: bool = False) -> str:
    document = {
        "findings": [] if quiet else [_with_fix(run, f) for f in run.shown_findings()],
        "summary": run.summary(),
    }
    return json.dumps(document, indent=2) + "\n"
