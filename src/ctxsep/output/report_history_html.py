"""``report --history`` as one self-contained HTML page: the burn-down
chart, a sparkline per directory, the projection, and every sampled point.
Inline CSS and SVG only (see ``report_html``)."""

from __future__ import annotations

from html import escape

from ctxsep.migration.history import History, HistoryPoint
from ctxsep.migration.projection import Projection
from ctxsep.migration.report import DirectoryRow, SourceInfo
from ctxsep.output.report import percent_text, plural
from ctxsep.output.report_history import legacy_headline, outlook_text, pace_text
from ctxsep.output.report_html import own_phase_cell, page, source_line, title_text
from ctxsep.output.svg import Series, line_chart, sparkline


def _counts(row: DirectoryRow | None) -> tuple[int, int]:
    """(legacy calls, findings: error + warn + baselined) of a directory (None: not reported then)."""
    if row is None:
        return 0, 0
    return row.legacy_uses, row.count("error") + row.count("warn") + row.count("baselined")


def burn_down(points: list[HistoryPoint], projection: Projection) -> str:
    reported = [(p.commit.date, p.report) for p in points if p.report is not None]
    times = [at for at, _ in reported]
    totals = [report.totals for _, report in reported]
    series = [
        Series("legacy calls", "#cf222e", [t.legacy_uses for t in totals]),
        Series("scoped calls", "#1a7f37", [t.scoped_uses for t in totals]),
        Series("errors", "#8250df", [t.count("error") for t in totals]),
        Series("warnings", "#bf8700", [t.count("warn") for t in totals]),
        Series("baselined", "#6e7781", [t.count("baselined") for t in totals]),
    ]
    legacy = projection.legacy_calls
    line = (times[-1], legacy.now, legacy.zero_on) if legacy.status == "on" and legacy.zero_on is not None else None
    return line_chart(times, series, "Legacy calls, scoped calls and findings per sampled commit", projection=line)


def _point_row(point: HistoryPoint) -> str:
    day = f'<span class="nowrap">{escape(point.commit.day)}</span>'
    commit = f"<code>{escape(point.commit.sha[:10])}</code>"
    subject = escape(point.commit.subject)
    if point.report is None:
        problems = "<br>".join(escape(p) for p in point.problems)
        problem_cell = f'<td colspan="8" class="fail">not reported: {problems}</td>'
        return f"<tr><td>{day}</td><td>{commit}</td><td>{subject}</td>{problem_cell}</tr>"
    totals = point.report.totals
    passed, gated = point.report.gates_passed
    cells = [
        totals.legacy_uses,
        totals.scoped_uses,
        percent_text(totals.percent_migrated),
        totals.count("error"),
        totals.count("warn"),
        totals.count("baselined"),
        f"{passed} of {gated}",
    ]
    numbers = "".join(f'<td class="num">{escape(str(c))}</td>' for c in cells)
    reuse = f"<td class=num>{point.checked} / {point.reused}</td>"
    return f"<tr><td>{day}</td><td>{commit}</td><td>{subject}</td>{numbers}{reuse}</tr>"


def render_history_html(history: History, projection: Projection, source: SourceInfo | None) -> str:
    title = title_text("migration history", history.path, source)
    reported = history.reported
    broken = len(history.points) - len(reported)
    body = [
        f"<h1>{escape(title)}</h1>",
        source_line(history.path, source),
        f'<p class="summary">{escape(legacy_headline(projection))}</p>',
        f'<p class="muted">{plural(len(history.points), "commit")} sampled ({escape(history.sampling)}) of '
        f"{plural(history.commits_walked, 'first-parent commit')}"
        + (f"; {broken} could not be reported (see the table)" if broken else "")
        + ".</p>",
    ]
    if reported:
        body += _charts(history, projection)
    body += _points_table(history)
    return page(title, body)


def _charts(history: History, projection: Projection) -> list[str]:
    """The burn-down and the directories' sparklines and projections."""
    reported = history.reported
    body = ["<h2>Burn-down</h2>", f'<div class="graphbox">{burn_down(history.points, projection)}</div>']
    body += [
        f"<h2>Directories, and their next gate at the pace of the last {projection.weeks} weeks</h2>",
        "<table><thead><tr><th>directory</th><th>phase</th><th>own phase (newest)</th><th>legacy calls over time</th>"
        "<th>findings over time</th><th class=num>errors before next phase</th><th class=num>pace</th>"
        "<th>projection</th></tr></thead><tbody>",
    ]
    outlooks = {o.directory: o for o in projection.directories}
    newest_report = reported[-1].report
    newest = {row.directory for row in newest_report.rows} if newest_report is not None else set()
    # each point's rows by directory, once: not a search of every row per directory and point
    by_point = [{row.directory: row for row in point.report.rows} for point in reported if point.report is not None]
    rows = {directory: row for point_rows in by_point for directory, row in point_rows.items()}
    for row in (rows[directory] for directory in sorted(rows)):
        legacy_series, finding_series = [], []
        for point_rows in by_point:
            legacy, findings = _counts(point_rows.get(row.directory))
            legacy_series.append(legacy)
            finding_series.append(findings)
        outlook = outlooks.get(row.directory)
        target = row.gate_target.label if row.gate_target else None
        trend_cells = (
            f'<td class="num">{outlook.gate_errors.now}</td>'
            f'<td class="num">{escape(pace_text(outlook.gate_errors))}</td>'
            f"<td>{escape(outlook_text(outlook.gate_errors, target))}</td>"
            if outlook is not None
            else '<td></td><td></td><td class="muted">nothing left to report</td>'
        )
        body.append(
            f"<tr><td>{escape(row.directory)}</td>"
            f'<td><span class="phase phase-{row.phase.label}">{row.phase.label}</span></td>'
            f"{own_phase_cell(row) if row.directory in newest else '<td></td>'}"
            f"<td class=nowrap>{sparkline(legacy_series, 'legacy calls', colour='#cf222e')} {legacy_series[-1]}</td>"
            f"<td class=nowrap>{sparkline(finding_series, 'findings', colour='#8250df')} {finding_series[-1]}</td>"
            f"{trend_cells}</tr>"
        )
    body.append("</tbody></table>")
    return body


def _points_table(history: History) -> list[str]:
    return [
        "<h2>Sampled commits</h2>",
        "<details open><summary>Every sampled commit, oldest first</summary>",
        "<table><thead><tr><th>date</th><th>commit</th><th>subject</th><th class=num>legacy calls</th>"
        "<th class=num>scoped calls</th><th class=num>migrated</th><th class=num>errors</th>"
        "<th class=num>warnings</th><th class=num>baselined</th><th class=num>ready</th>"
        "<th class=num>checked / reused files</th></tr></thead><tbody>",
        *(_point_row(point) for point in history.points),
        "</tbody></table></details>",
    ]
