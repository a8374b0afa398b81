"""The migration report as Markdown or JSON (HTML: ``report_html``).

Every format shows the same numbers: per directory its phase, legacy
constructor uses vs scoped factory uses and the share migrated, findings per
rule split into error / warn / baselined, and whether the directory's files
would pass the gate to its next phase; then a totals row.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ctxsep.migration.report import DirectoryRow, Report, SourceInfo
from ctxsep.output import graph
from ctxsep.output.escape import escape
from ctxsep.rules import RULES_BY_CODE

KINDS = ("error", "warn", "baselined")


def symbol(code: str) -> str:
    rule = RULES_BY_CODE.get(code)
    return rule.symbol if rule is not None else "file-skipped"


def phase_text(row: DirectoryRow) -> str:
    others = ", ".join(f"{n} {phase.label}" for phase, n in sorted(row.other_phases.items()))
    return f"{row.phase.label} (files: {others})" if others else row.phase.label


def percent_text(value: int | None) -> str:
    return "n/a" if value is None else f"{value}%"


def gate_text(row: DirectoryRow) -> str:
    if row.gate_target is None:
        return "n/a (final)"
    if row.passes_gate:
        return f"ready for {row.gate_target.label}"
    return f"{plural(row.gate_errors, 'error')} before {row.gate_target.label}"


def totals_gate_text(report: Report) -> str:
    passed, gated = report.gates_passed
    return f"{passed} of {gated} ready"


# -- Markdown -----------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_cell(text: str) -> str:
    """Text that stays literal inside a Markdown table cell."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return escape(escaped.replace("<", "&lt;").replace(">", "&gt;"))  # control characters: visible escapes


def render_md(report: Report, graph_kind: str | None = None) -> str:
    totals = report.totals
    out = [
        f"# ctxsep migration report: {md_cell(report.root)}",
        "",
        "| directory | phase | files | legacy calls | scoped calls | migrated | errors | warnings | baselined "
        "| next phase (baseline ignored) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report.rows:
        out.append(
            f"| {md_cell(row.directory)} | {phase_text(row)} | {row.files} | {row.legacy_uses} | {row.scoped_uses} "
            f"| {percent_text(row.percent_migrated)} | {row.count('error')} | {row.count('warn')} "
            f"| {row.count('baselined')} | {gate_text(row)} |"
        )
    out.append(
        f"| **total** | | {totals.files} | {totals.legacy_uses} | {totals.scoped_uses} "
        f"| {percent_text(totals.percent_migrated)} | {totals.count('error')} | {totals.count('warn')} "
        f"| {totals.count('baselined')} | {totals_gate_text(report)} |"
    )
    if report.quiet_directories:
        out += ["", md_cell(quiet_directories_text(report.quiet_rows))]
    if any(row.by_rule for row in report.rows):
        out += [
            "",
            "## Findings by rule",
            "",
            "| directory | rule | error | warn | baselined |",
            "|---|---|---:|---:|---:|",
        ]
        for row in report.rows:
            for code, counts in row.by_rule.items():
                cells = " | ".join(str(counts[kind]) for kind in KINDS)
                out.append(f"| {md_cell(row.directory)} | {code} {symbol(code)} | {cells} |")
    if graph_kind is not None:
        out += ["", "## Modules that still depend on legacy symbols", ""]
        if report.legacy_edges():
            out += [f"```{graph_kind}", graph.render(report, graph_kind).rstrip("\n"), "```"]
        else:
            out.append("None: no module imports or uses a legacy symbol.")
    return "\n".join(out) + "\n"


# -- JSON ---------------------------------------------------------------------------


def row_json(row: DirectoryRow) -> dict[str, Any]:
    return {
        "files": row.files,
        "legacy_calls": row.legacy_uses,
        "scoped_calls": row.scoped_uses,
        "percent_migrated": row.percent_migrated,
        "errors": row.count("error"),
        "warnings": row.count("warn"),
        "baselined": row.count("baselined"),
        "by_rule": {code: {kind: counts[kind] for kind in KINDS} for code, counts in row.by_rule.items()},
    }


#: Bumped when a field changes meaning or goes away (adding one does not);
#: docs/report.md describes every field, ``report.schema.json`` checks them.
SCHEMA_VERSION = 1


def source_json(source: SourceInfo | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"project": source.project, "commit": source.commit, "branch": source.branch, "date": source.date}


def report_document(report: Report, graph_kind: str | None = None) -> dict[str, Any]:
    """The report as JSON data (``render_json``; each point of the history)."""
    passed, gated = report.gates_passed
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "report",
        "source": source_json(report.source),
        "path": report.root,
        "directories": [
            {
                "directory": row.directory,
                "phase": row.phase.label,
                "other_file_phases": {phase.label: n for phase, n in sorted(row.other_phases.items())},
                **row_json(row),
                "fails_own_phase": row.fails_own_phase,
                "gate": {
                    "to": row.gate_target.label if row.gate_target else None,
                    "passes": row.passes_gate,
                    "errors": row.gate_errors,
                    "warnings": row.gate_warnings,
                },
            }
            for row in report.rows
        ],
        "totals": {
            **row_json(report.totals),
            "gates_passed": passed,
            "gates": gated,
            "directories_per_phase": report.directories_per_phase(),
        },
        "quiet_directories": report.quiet_directories,
        "clean_directories": [
            {"directory": row.directory, "phase": row.phase.label, "files": row.files} for row in report.quiet_rows
        ],
    }
    if graph_kind is not None:
        document["graph"] = {
            "format": graph_kind,
            "edges": [
                {"module": module, "symbol": name, "imports": kinds["imports"], "uses": kinds["uses"]}
                for module, name, kinds in report.legacy_edges()
            ],
            "source": graph.render(report, graph_kind),
        }
    return document


def render_json(report: Report, graph_kind: str | None = None) -> str:
    return json.dumps(report_document(report, graph_kind), indent=2, ensure_ascii=False) + "\n"


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, an ``s`` added unless the count is one."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def quiet_directories_text(rows: list[DirectoryRow]) -> str:
    """The line under the table for directories with nothing to show (they
    are counted in the totals): each named with its phase and files."""
    if len(rows) == 1:
        head = "1 more directory has nothing to migrate or report"
    else:
        head = f"{len(rows)} more directories have nothing to migrate or report"
    named = "; ".join(f"{row.directory} ({row.phase.label}, {plural(row.files, 'file')})" for row in rows)
    return f"{head} (counted in the totals): {named}."
