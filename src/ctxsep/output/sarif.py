"""SARIF 2.1.0 for code-scanning services (GitHub code scanning and others).

One run; the driver lists every rule with its documentation as help text.
Each result carries its rule, level, location, a stable fingerprint (rule,
path, enclosing scope and flagged source — the baseline's key — plus an
occurrence number) and its ``baselineState``: ``new``, or ``unchanged`` for
a finding the baseline records. Recorded findings are always included, with
an external suppression, so code scanning shows them as suppressed instead
of forgetting them; ``--quiet`` does not apply.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from ctxsep import __version__
from ctxsep.config.schema import DEFAULT_PHASE
from ctxsep.model import SKIPPED_CODE, SKIPPED_SYMBOL, Finding, Severity
from ctxsep.output.fix_format import fix_sarif
from ctxsep.rules import ALL_RULES
from ctxsep.runner import RunResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
DOCS_URI = "https://github.com/ctxsep/ctxsep/blob/main/docs"
_LEVELS = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.OFF: "none"}


def rule_descriptors() -> list[dict[str, Any]]:
    descriptors = []
    for rule in ALL_RULES:
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.symbol,
                "shortDescription": {"text": rule.summary[0].upper() + rule.summary[1:] + "."},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "helpUri": f"{DOCS_URI}/rules/{rule.code}.md",
                "defaultConfiguration": {"level": _LEVELS[rule.severity(DEFAULT_PHASE)]},
                "properties": {"severityByPhase": {phase.label: sev.label for phase, sev in rule.defaults.items()}},
            }
        )
    descriptors.append(
        {
            "id": SKIPPED_CODE,
            "name": SKIPPED_SYMBOL,
            "shortDescription": {"text": "A file ctxsep could not check (syntax error, undecodable, unreadable)."},
            "help": {"text": "Fix the file so Python can parse it; ctxsep reports the reason in the message."},
            "helpUri": f"{DOCS_URI}/cli.md",
            "defaultConfiguration": {"level": "error"},
        }
    )
    return descriptors


def _result(finding: Finding, index: dict[str, int], occurrence: int) -> dict[str, Any]:
    identity = "\0".join((finding.path, finding.code, finding.scope, finding.fingerprint))
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(finding.path, safe="/")},
                    "region": {"startLine": finding.line, "startColumn": finding.col + 1},
                }
            }
        ],
        "partialFingerprints": {"ctxsep/v1": f"{digest}:{occurrence}"},
        "baselineState": "unchanged" if finding.baselined else "new",
        "properties": {
            "symbol": finding.symbol,
            "scope": finding.scope,
            "phase": finding.phase.label if finding.phase is not None else None,
        },
    }
    if finding.baselined:
        result["suppressions"] = [{"kind": "external", "justification": "recorded in the ctxsep baseline"}]
    return result


def render(run: RunResult, quiet: bool = False) -> str:
    descriptors = rule_descriptors()
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    findings = sorted([*run.findings(), *run.baselined()], key=lambda f: f.sort_key)
    seen: dict[tuple[str, str, str, str], int] = {}
    results = []
    for finding in findings:
        key = (finding.path, finding.code, finding.scope, finding.fingerprint)
        seen[key] = seen.get(key, 0) + 1
        results.append(_result(finding, index, seen[key]))
        fix = run.fix_for(finding)
        if fix is not None:
            results[-1]["fixes"] = [fix_sarif(fix)]
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ctxsep",
                        "version": __version__,
                        "informationUri": "https://github.com/ctxsep/ctxsep",
                        "rules": descriptors,
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
