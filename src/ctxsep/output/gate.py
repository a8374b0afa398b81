"""Rendering the promotion gate: per file, per rule, then the verdict."""

from __future__ import annotations

import json
from collections import Counter

from ctxsep.migration.gate import GateResult
from ctxsep.output.json_format import finding_dict
from ctxsep.rules import RULES_BY_CODE


def _counts(counter: Counter[str]) -> str:
    parts = []
    for label, word in (("error", "error"), ("warn", "warning")):
        if counter[label]:
            parts.append(f"{counter[label]} {word}{'s' if counter[label] != 1 else ''}")
    return ", ".join(parts)


def _symbol(code: str) -> str:
    rule = RULES_BY_CODE.get(code)
    return rule.symbol if rule is not None else "file-skipped"


def render_text(gate: GateResult) -> str:
    out = [f"ctxsep gate {gate.target} --to {gate.phase.label} (baseline ignored)", ""]
    for file in gate.files:
        if not file.findings:
            continue
        if file.kept_by is not None:
            move = f"stays {file.target.label} (key {file.kept_by!r} is more specific)"
        elif file.phase == file.target:
            move = f"already {file.phase.label}"
        else:
            move = f"{file.phase.label} -> {file.target.label}"
        out.append(f"{file.path}  {move}")
        by_code: dict[str, list[str]] = {}
        tally: dict[str, Counter[str]] = {}
        for finding in file.findings:
            tally.setdefault(finding.code, Counter())[finding.severity.label] += 1
            by_code.setdefault(finding.code, []).append(
                f"    {finding.line}:{finding.col + 1} {finding.severity.label}: {finding.message}"
            )
        for code in sorted(by_code):
            out.append(f"  {code} {_symbol(code)}: {_counts(tally[code])}")
            out.extend(by_code[code])
    by_rule = gate.by_rule()
    if by_rule:
        out += ["", "by rule:"]
        out += [f"  {code} {_symbol(code):<28} {_counts(counts)}" for code, counts in by_rule.items()]
        out.append("")
    affected = sum(1 for f in gate.files if f.findings)
    where = f"in {affected} of {len(gate.files)} file{'s' if len(gate.files) != 1 else ''}"
    if gate.passes:
        extra = f" ({gate.warnings} warning{'s' if gate.warnings != 1 else ''} {where})" if gate.warnings else ""
        out.append(f"PASS: promoting {gate.target} to {gate.phase.label} surfaces no errors{extra}.")
    else:
        out.append(
            f"FAIL: promoting {gate.target} to {gate.phase.label} would surface "
            f"{gate.errors} error{'s' if gate.errors != 1 else ''} and "
            f"{gate.warnings} warning{'s' if gate.warnings != 1 else ''} {where}."
        )
    return "\n".join(out) + "\n"


def render_json(gate: GateResult) -> str:
    document = {
        "path": gate.target,
        "to": gate.phase.label,
        "passes": gate.passes,
        "errors": gate.errors,
        "warnings": gate.warnings,
        "by_rule": {code: {"error": c["error"], "warn": c["warn"]} for code, c in gate.by_rule().items()},
        "files": [
            {
                "path": file.path,
                "phase": file.phase.label,
                "phase_after": file.target.label,
                "kept_by": file.kept_by,
                "findings": [finding_dict(f) for f in file.findings],
            }
            for file in gate.files
            if file.findings
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
