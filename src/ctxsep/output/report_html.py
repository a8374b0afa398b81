"""The migration report as one self-contained HTML page.

Inline CSS only: no scripts, no fonts, no images, nothing fetched — the file
can be attached to a CI run or mailed and still render. Every piece of text
that comes from the code base (paths, module and symbol names) goes through
``html.escape``; the only computed attribute values are integers.
"""

from __future__ import annotations

from html import escape

from ctxsep.migration.report import DirectoryRow, Report
from ctxsep.output import graph
from ctxsep.output.report import (
    KINDS,
    gate_text,
    percent_text,
    phase_text,
    quiet_directories_text,
    symbol,
    totals_gate_text,
)

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h1 small { color: #59636e; font-weight: normal; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
.summary { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid #d1d9e0; text-align: left; vertical-align: middle; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid #1f2328; }
.bar { display: inline-block; width: 8rem; height: .7rem; background: #fde2e1; border-radius: .35rem;
       overflow: hidden; vertical-align: middle; margin-right: .4rem; }
.bar span { display: block; height: 100%; background: #2da44e; }
.bar.none { background: #eaeef2; }
.phase { padding: .05rem .45rem; border-radius: 1rem; font-size: .85em; background: #eaeef2; }
.phase-legacy { background: #fde2e1; } .phase-transitional { background: #fff1c2; }
.phase-migrated { background: #dafbe1; } .phase-final { background: #cfe5ff; }
.ok { color: #1a7f37; } .fail { color: #cf222e; } .muted { color: #59636e; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; }
"""


def _bar(value: int | None) -> str:
    if value is None:
        return '<span class="bar none" role="img" aria-label="nothing to migrate"></span>'
    return (
        f'<span class="bar" role="img" aria-label="{value}% migrated"><span style="width:{int(value)}%"></span></span>'
    )


def _gate_cell(row: DirectoryRow) -> str:
    css = "muted" if row.gate_target is None else ("ok" if row.passes_gate else "fail")
    return f'<td class="{css}">{escape(gate_text(row))}</td>'


def _row(row: DirectoryRow) -> str:
    counts = "".join(f'<td class="num">{row.count(kind)}</td>' for kind in KINDS)
    return (
        f"<tr><td>{escape(row.directory)}</td>"
        f'<td><span class="phase phase-{row.phase.label}">{escape(phase_text(row))}</span></td>'
        f'<td class="num">{row.files}</td>'
        f"<td>{_bar(row.percent_migrated)}{escape(percent_text(row.percent_migrated))}</td>"
        f'<td class="num">{row.legacy_uses}</td><td class="num">{row.scoped_uses}</td>'
        f"{counts}{_gate_cell(row)}</tr>"
    )


def render_html(report: Report, graph_kind: str | None = None) -> str:
    totals = report.totals
    head = (
        "<tr><th>directory</th><th>phase</th><th class=num>files</th><th>migrated</th>"
        "<th class=num>legacy calls</th><th class=num>scoped calls</th><th class=num>errors</th>"
        "<th class=num>warnings</th><th class=num>baselined</th><th>next phase (baseline ignored)</th></tr>"
    )
    total_counts = "".join(f'<td class="num">{totals.count(kind)}</td>' for kind in KINDS)
    total_row = (
        f'<tr class="total"><td>total</td><td></td><td class="num">{totals.files}</td>'
        f"<td>{_bar(totals.percent_migrated)}{escape(percent_text(totals.percent_migrated))}</td>"
        f'<td class="num">{totals.legacy_uses}</td><td class="num">{totals.scoped_uses}</td>'
        f"{total_counts}<td>{escape(totals_gate_text(report))}</td></tr>"
    )
    summary = (
        f"{escape(percent_text(totals.percent_migrated))} of context creation migrated · "
        f"{totals.count('error')} errors · {totals.count('warn')} warnings · {totals.count('baselined')} baselined · "
        f"{escape(totals_gate_text(report))} for their next phase"
    )
    body = [
        f"<h1>ctxsep migration report <small>{escape(report.root)}</small></h1>",
        f'<p class="summary">{summary}</p>',
        f"<table><thead>{head}</thead><tbody>",
        *(_row(row) for row in report.rows),
        total_row,
        "</tbody></table>",
    ]
    if report.quiet_directories:
        body.append(f'<p class="muted">{quiet_directories_text(report.quiet_directories)}</p>')
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
    if graph_kind is not None:
        body.append("<h2>Modules that still depend on legacy symbols</h2>")
        edges = report.legacy_edges()
        if edges:
            body.append("<table><thead><tr><th>module</th><th>legacy symbol</th><th>how</th></tr></thead><tbody>")
            for module, name, kinds in edges:
                body.append(
                    f"<tr><td>{escape(module)}</td><td>{escape(name)}</td><td>{escape(graph.edge_label(kinds))}</td></tr>"
                )
            body.append("</tbody></table>")
            # A self-contained page runs no script: the graph comes as its source.
            renderer = "GitHub Markdown or mermaid.live" if graph_kind == "mermaid" else "Graphviz (dot -Tsvg)"
            body.append(
                f"<details><summary>The same as a {escape(graph_kind)} graph (source; render it with "
                f"{escape(renderer)})</summary><pre>{escape(graph.render(report, graph_kind))}</pre></details>"
            )
        else:
            body.append("<p>None: no module imports or uses a legacy symbol.</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>ctxsep migration report: {escape(report.root)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
