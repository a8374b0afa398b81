"""The migration report as one self-contained HTML page.

Inline CSS and inline SVG only: no scripts, no fonts, no images, nothing
fetched — the file can be attached to a CI run or mailed and still render,
with scripts off. Drill-down (directory → files → findings) is plain
``<details>``. Every piece of text that comes from the code base (paths,
module and symbol names, messages) goes through ``html.escape``; the only
computed attribute values are numbers.
"""

from __future__ import annotations

from html import escape

from ctxsep.migration.report import DirectoryRow, Report, ReportFile, SourceInfo
from ctxsep.model import Finding
from ctxsep.output import graph
from ctxsep.output.report import (
    KINDS,
    gate_text,
    percent_text,
    phase_text,
    plural,
    quiet_directories_text,
    symbol,
    totals_gate_text,
)
from ctxsep.output.svg import graph_svg

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 90rem;
       padding: 0 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h1 small { color: #59636e; font-weight: normal; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
.summary { color: #1f2328; font-size: 1.05rem; margin-top: .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid #d1d9e0; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid #1f2328; }
.bar { display: inline-block; width: 6rem; height: .7rem; background: #fde2e1; border-radius: .35rem;
       overflow: hidden; vertical-align: middle; margin-right: .4rem; }
.bar span { display: block; height: 100%; background: #2da44e; }
.bar.none { background: #eaeef2; }
.phase { padding: .05rem .45rem; border-radius: 1rem; font-size: .85em; background: #eaeef2; white-space: nowrap; }
.phase-legacy { background: #fde2e1; } .phase-transitional { background: #fff1c2; }
.phase-migrated { background: #dafbe1; } .phase-final { background: #cfe5ff; }
.ok { color: #1a7f37; } .fail { color: #cf222e; } .muted { color: #59636e; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; }
details > summary { cursor: pointer; } details.dir[open] { min-width: 30rem; } td.pct { white-space: nowrap; }
td details ul { margin: .3rem 0 .3rem .5rem; padding: 0; } td details li { list-style: none; margin: .15rem 0; }
.finding { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .8em; }
.sev-error { color: #cf222e; } .sev-warn { color: #9a6700; } .sev-baselined { color: #59636e; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", sans-serif; fill: #1f2328; }
svg text.tick { fill: #59636e; font-size: 11px; } .graphbox { overflow-x: auto; } .nowrap { white-space: nowrap; }
"""


def title_text(kind: str, root: str, source: SourceInfo | None) -> str:
    """``ctxsep migration report: project @ commit (branch), date``."""
    if source is None:
        return f"ctxsep {kind}: {root}"
    where = f" @ {source.commit[:10]}" if source.commit else ""
    on = f" ({source.branch})" if source.branch else ""
    day = f", {source.date[:10]}" if source.date else ""
    return f"ctxsep {kind}: {source.project}{where}{on}{day}"


def source_line(path: str, source: SourceInfo | None) -> str:
    bits = [f"path {escape(path)}"]
    if source is not None:
        if source.commit:
            bits.append(f"commit <code>{escape(source.commit[:12])}</code>")
            bits.append(f"branch {escape(source.branch)}" if source.branch else "detached HEAD")
        else:
            bits.append("not a git checkout")
        if source.date:
            bits.append(f"committed {escape(source.date)}")
    return f'<p class="muted">{" · ".join(bits)}</p>'


def page(title: str, body: list[str]) -> str:
    text = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    # A file name that is not UTF-8 reaches here as lone surrogates, which a
    # UTF-8 page cannot hold: show them as visible escapes (\udce9).
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if not text.isascii() else text


def bar(value: int | None) -> str:
    if value is None:
        return '<span class="bar none" role="img" aria-label="nothing to migrate"></span>'
    return (
        f'<span class="bar" role="img" aria-label="{value}% migrated"><span style="width:{int(value)}%"></span></span>'
    )


def _gate_cell(row: DirectoryRow) -> str:
    css = "muted" if row.gate_target is None else ("ok" if row.passes_gate else "fail")
    return f'<td class="{css}">{escape(gate_text(row))}</td>'


def own_phase_cell(row: DirectoryRow) -> str:
    errors = row.count("error")
    if row.fails_own_phase:
        why = f"{plural(errors, 'error')} at its own phase ({row.phase.label}): ctxsep check fails"
        return f'<td class="fail nowrap" title="{escape(why)}">✗ fails</td>'
    return f'<td class="ok nowrap" title="no error at its own phase ({row.phase.label})">✓ passes</td>'


def _finding_item(finding: Finding) -> str:
    kind = "baselined" if finding.baselined else finding.severity.label
    return f'<li class="finding sev-{kind}">{finding.line}:{finding.col + 1} [{kind}] {escape(finding.message)}</li>'


def _has_something(file: ReportFile) -> bool:
    usage = file.usage
    return bool(file.findings or file.baselined or usage.legacy_constructor_uses or usage.scoped_factory_uses)


def _file_item(file: ReportFile) -> str:
    findings = sorted((*file.findings, *file.baselined), key=lambda f: f.sort_key)
    name = escape(file.path.rsplit("/", 1)[-1])
    usage = f"{file.usage.legacy_constructor_uses} legacy / {file.usage.scoped_factory_uses} scoped calls"
    if not findings:
        return f"<li>{name} <span class=muted>({usage}; no findings)</span></li>"
    counts = f"{len(file.findings)} shown, {len(file.baselined)} baselined"
    items = "".join(_finding_item(f) for f in findings)
    summary = f"<summary>{name} <span class=muted>({counts}; {usage})</span></summary>"
    return f"<li><details>{summary}<ul>{items}</ul></details></li>"


def _directory_cell(row: DirectoryRow, files: list[ReportFile]) -> str:
    """The directory, opening to its files, each opening to its findings."""
    relevant = [f for f in files if _has_something(f)]
    if not relevant:
        return f"<td>{escape(row.directory)}</td>"
    quiet = len(files) - len(relevant)
    more = f'<li class="muted">{plural(quiet, "more file")}: nothing to report</li>' if quiet else ""
    items = "".join(_file_item(f) for f in relevant)
    return f'<td><details class="dir"><summary>{escape(row.directory)}</summary><ul>{items}{more}</ul></details></td>'


def _row(row: DirectoryRow, files: list[ReportFile]) -> str:
    counts = "".join(f'<td class="num">{row.count(kind)}</td>' for kind in KINDS)
    return (
        f"<tr>{_directory_cell(row, files)}"
        f'<td><span class="phase phase-{row.phase.label}">{escape(phase_text(row))}</span></td>'
        f'<td class="num">{row.files}</td>'
        f'<td class="pct">{bar(row.percent_migrated)}{escape(percent_text(row.percent_migrated))}</td>'
        f'<td class="num">{row.legacy_uses}</td><td class="num">{row.scoped_uses}</td>'
        f"{counts}{own_phase_cell(row)}{_gate_cell(row)}</tr>"
    )


def _failing_text(report: Report) -> str:
    failing = sum(1 for row in report.rows if row.fails_own_phase)
    return f"{failing} failing" if failing else "all pass"


def render_html(report: Report, graph_kind: str | None = None) -> str:
    totals = report.totals
    head = (
        "<tr><th>directory</th><th>phase</th><th class=num>files</th><th>migrated</th>"
        "<th class=num>legacy calls</th><th class=num>scoped calls</th><th class=num>errors</th>"
        "<th class=num>warnings</th><th class=num>baselined</th><th>own phase</th>"
        "<th>next phase (baseline ignored)</th></tr>"
    )
    total_counts = "".join(f'<td class="num">{totals.count(kind)}</td>' for kind in KINDS)
    total_row = (
        f'<tr class="total"><td>total</td><td></td><td class="num">{totals.files}</td>'
        f'<td class="pct">{bar(totals.percent_migrated)}{escape(percent_text(totals.percent_migrated))}</td>'
        f'<td class="num">{totals.legacy_uses}</td><td class="num">{totals.scoped_uses}</td>'
        f"{total_counts}<td>{_failing_text(report)}</td><td>{escape(totals_gate_text(report))}</td></tr>"
    )
    summary = (
        f"{escape(percent_text(totals.percent_migrated))} of context creation migrated · "
        f"{totals.count('error')} errors · {totals.count('warn')} warnings · {totals.count('baselined')} baselined · "
        f"{escape(totals_gate_text(report))} for their next phase"
    )
    by_directory: dict[str, list[ReportFile]] = {}
    for file in report.files:
        by_directory.setdefault(file.directory, []).append(file)
    title = title_text("migration report", report.root, report.source)
    body = [
        f"<h1>{escape(title)}</h1>",
        source_line(report.root, report.source),
        f'<p class="summary">{summary}</p>',
        '<p class="muted">Open a directory to see its files, and a file to see its findings.</p>',
        f"<table><thead>{head}</thead><tbody>",
        *(_row(row, by_directory.get(row.directory, [])) for row in report.rows),
        total_row,
        "</tbody></table>",
    ]
    if report.quiet_directories:
        body.append(f'<p class="muted">{escape(quiet_directories_text(report.quiet_rows))}</p>')
    if any(row.by_rule for row in report.rows):
        body += [
            "<h2>Findings by rule</h2>",
            "<table><thead><tr><th>directory</th><th>rule</th><th class=num>error</th><th class=num>warn</th>"
            "<th class=num>baselined</th></tr></thead><tbody>",
        ]
        for row in report.rows:
            for code, counts in row.by_rule.items():
                cells = "".join(f'<td class="num">{counts[kind]}</td>' for kind in KINDS)
                body.append(
                    f"<tr><td>{escape(row.directory)}</td><td>{escape(code)} {escape(symbol(code))}</td>{cells}</tr>"
                )
        body.append("</tbody></table>")
    body += _graph_section(report, graph_kind)
    return page(title, body)


def _graph_section(report: Report, graph_kind: str | None) -> list[str]:
    edges = report.legacy_edges()
    body = ["<h2>Modules that still depend on legacy symbols</h2>"]
    if not edges:
        return [*body, "<p>None: no module imports or uses a legacy symbol.</p>"]
    body.append(f'<div class="graphbox">{graph_svg(edges)}</div>')
    body.append(
        "<details><summary>The same as a table</summary><table><thead><tr><th>module</th>"
        "<th>legacy symbol</th><th>how</th></tr></thead><tbody>"
    )
    for module, name, kinds in edges:
        body.append(
            f"<tr><td>{escape(module)}</td><td>{escape(name)}</td><td>{escape(graph.edge_label(kinds))}</td></tr>"
        )
    body.append("</tbody></table></details>")
    if graph_kind is not None:
        renderer = "GitHub Markdown or mermaid.live" if graph_kind == "mermaid" else "Graphviz (dot -Tsvg)"
        body.append(
            f"<details><summary>The same as a {escape(graph_kind)} graph (source; render it with "
            f"{escape(renderer)})</summary><pre>{escape(graph.render(report, graph_kind))}</pre></details>"
        )
    return body
