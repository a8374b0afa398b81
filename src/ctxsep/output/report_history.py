"""``report --history`` as Markdown or JSON (HTML: ``report_history_html``).

Each sampled point carries exactly the document ``ctxsep report --format
json`` prints for a checkout of that commit (its ``source`` left null: the
point names its commit), or the problems that kept it from being reported.
"""

from __future__ import annotations

import json
from typing import Any

from ctxsep.migration.history import History, HistoryPoint
from ctxsep.migration.projection import TOO_FEW, Projection, Trend
from ctxsep.migration.report import SourceInfo
from ctxsep.output.report import SCHEMA_VERSION, md_cell, percent_text, plural, report_document, source_json


def trend_json(value: Trend) -> dict[str, Any]:
    return {
        "now": value.now,
        "per_week": value.per_week,
        "zero_on": value.zero_on.isoformat() if value.zero_on else None,
        "status": value.status,
    }


def point_json(point: HistoryPoint) -> dict[str, Any]:
    return {
        "commit": point.commit.sha,
        "date": point.commit.iso_date,
        "subject": point.commit.subject,
        "report": report_document(point.report) if point.report is not None else None,
        "problems": list(point.problems),
        "checked_files": point.checked,
        "reused_files": point.reused,
    }


def projection_json(projection: Projection) -> dict[str, Any]:
    return {
        "weeks": projection.weeks,
        "since": projection.since,
        "until": projection.until,
        "legacy_calls": trend_json(projection.legacy_calls),
        "directories": [
            {
                "directory": outlook.directory,
                "phase": outlook.phase.label,
                "next_phase": outlook.target.label if outlook.target else None,
                "gate_errors": trend_json(outlook.gate_errors),
            }
            for outlook in projection.directories
        ],
    }


def history_document(history: History, projection: Projection, source: SourceInfo | None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "history",
        "source": source_json(source),
        "path": history.path,
        "sampling": history.sampling,
        "commits_walked": history.commits_walked,
        "points": [point_json(point) for point in history.points],
        "projection": projection_json(projection),
    }


def render_history_json(history: History, projection: Projection, source: SourceInfo | None) -> str:
    return json.dumps(history_document(history, projection, source), indent=2, ensure_ascii=False) + "\n"


def outlook_text(trend: Trend, target: str | None) -> str:
    """A directory's projection in words."""
    if target is None:
        return "n/a (final)"
    if trend.status == "done":
        return f"ready for {target} now"
    if trend.status == "on":
        return f"ready for {target} by {trend.text}"
    return status_text(trend)


def status_text(trend: Trend) -> str:
    return "too few samples to project" if trend.status == TOO_FEW else trend.status


def pace_text(trend: Trend) -> str:
    if trend.per_week is None:
        return "n/a"
    return "±0/week" if trend.per_week == 0 else f"{trend.per_week:+g}/week"


def legacy_headline(projection: Projection) -> str:
    legacy = projection.legacy_calls
    if projection.until is None:
        return "No sampled commit could be reported."
    if legacy.status == "done":
        return "No legacy constructor calls are left."
    if legacy.status == "on":
        return (
            f"At the pace of the last {projection.weeks} weeks ({pace_text(legacy)}), the {legacy.now} legacy "
            f"constructor calls left reach zero by {legacy.text}."
        )
    return f"{legacy.now} legacy constructor calls left: {status_text(legacy)} (last {projection.weeks} weeks)."


def render_history_md(history: History, projection: Projection, source: SourceInfo | None) -> str:
    title = source.project if source is not None else history.path
    out = [
        f"# ctxsep migration history: {md_cell(title)}",
        "",
        f"{plural(len(history.points), 'commit')} sampled ({history.sampling}) of "
        f"{plural(history.commits_walked, 'first-parent commit')}.",
        "",
        legacy_headline(projection),
        "",
        "| date | commit | legacy calls | scoped calls | migrated | errors | warnings | baselined "
        "| ready for next phase | directories legacy / transitional / migrated / final | checked / reused files |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for point in history.points:
        day, short = point.commit.day, point.commit.sha[:10]
        if point.report is None:
            problem = md_cell(point.problems[0] if point.problems else "not reported")
            more = f" (+{len(point.problems) - 1} more)" if len(point.problems) > 1 else ""
            out.append(f"| {day} | {short} | not reported: {problem}{more} | | | | | | | | |")
            continue
        totals = point.report.totals
        passed, gated = point.report.gates_passed
        out.append(
            f"| {day} | {short} | {totals.legacy_uses} | {totals.scoped_uses} "
            f"| {percent_text(totals.percent_migrated)} | {totals.count('error')} | {totals.count('warn')} "
            f"| {totals.count('baselined')} | {passed} of {gated} "
            f"| {' / '.join(str(n) for n in point.report.directories_per_phase().values())} "
            f"| {point.checked} / {point.reused} |"
        )
    if projection.directories:
        out += [
            "",
            f"## Next gate per directory, at the pace of the last {projection.weeks} weeks",
            "",
            "| directory | phase | errors before next phase | pace | projection |",
            "|---|---|---:|---:|---|",
        ]
        for outlook in projection.directories:
            target = outlook.target.label if outlook.target else None
            out.append(
                f"| {md_cell(outlook.directory)} | {outlook.phase.label} | {outlook.gate_errors.now} "
                f"| {pace_text(outlook.gate_errors)} | {outlook_text(outlook.gate_errors, target)} |"
            )
    return "\n".join(out) + "\n"
