"""Rendering the promotion gate: per file, per rule, then the verdict.

``text`` groups by file and rule; ``concise`` is one line per finding;
``json`` and ``github`` as ``ctxsep check`` prints them. ``-q`` keeps only
the verdict (``json``: no files, the counts kept). Paths and messages are
escaped (:mod:`ctxsep.output.escape`).
"""

from __future__ import annotations

import json
from collections import Counter

from ctxsep.migration.gate import GateResult
from ctxsep.model import Finding
from ctxsep.output.escape import escape, join_lines
from ctxsep.output.github import annotation
from ctxsep.output.json_format import finding_dict
from ctxsep.output.style import PLAIN, Style
from ctxsep.output.text import render_findings
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


def render_text(gate: GateResult, quiet: bool = False) -> str:
    if quiet:
        return join_lines([verdict(gate)])
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
    out.append(verdict(gate))
    return join_lines(out)


def verdict(gate: GateResult) -> str:
    """The last line: PASS or FAIL, with the counts, and whether the gate
    promotes PATH, moves it to a looser phase, or finds it there already."""
    affected = sum(1 for f in gate.files if f.findings)
    where = f"in {affected} of {len(gate.files)} file{'s' if len(gate.files) != 1 else ''}"
    counts = (
        f"{gate.errors} error{'s' if gate.errors != 1 else ''} and "
        f"{gate.warnings} warning{'s' if gate.warnings != 1 else ''} {where}"
    )
    warned = f" ({gate.warnings} warning{'s' if gate.warnings != 1 else ''} {where})" if gate.warnings else ""
    now = {f.phase for f in gate.files if f.kept_by is None} or {f.phase for f in gate.files}
    if now == {gate.phase}:
        if gate.passes:
            return f"PASS: {gate.target} is already {gate.phase.label} and shows no errors{warned}."
        return f"FAIL: {gate.target} is already {gate.phase.label} and shows {counts}."
    if all(phase < gate.phase for phase in now):
        action = f"promoting {gate.target} to {gate.phase.label}"
    else:  # a demotion, or files at several phases: say where from
        action = f"moving {gate.target} to {gate.phase.label} (from {', '.join(p.label for p in sorted(now))})"
    if gate.passes:
        return f"PASS: {action} surfaces no errors{warned}."
    return f"FAIL: {action} would surface {counts}."


def _findings(gate: GateResult) -> list[Finding]:
    return sorted((f for file in gate.files for f in file.findings), key=lambda f: f.sort_key)


def render_concise(gate: GateResult, quiet: bool = False, style: Style = PLAIN, snippets: bool = False) -> str:
    """One line per finding the promotion would surface (with its source line
    when ``snippets``), then the verdict."""
    shown = "" if quiet else render_findings(_findings(gate), style, snippets)
    return shown + style.paint(escape(verdict(gate)), "bold") + "\n"


def render_github(gate: GateResult, quiet: bool = False) -> str:
    lines = [] if quiet else [annotation(f) for f in _findings(gate)]
    lines.append(verdict(gate))
    return join_lines(lines)


def render_json(gate: GateResult, quiet: bool = False) -> str:
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
            if file.findings and not quiet
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
