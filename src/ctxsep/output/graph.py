"""Which modules still depend on legacy symbols, as mermaid or DOT text.

Nodes are modules (dotted, from their path) and the legacy names they import
or use (qualified as the rules resolve them); each edge says how.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ctxsep.output.escape import escape

if TYPE_CHECKING:  # `ctxsep report` imports it; `check` (which imports this module's formats) does not need it
    from ctxsep.migration.report import Report

GRAPH_FORMATS = ("mermaid", "dot")


def edge_label(kinds: Counter[str]) -> str:
    parts = []
    if kinds["imports"]:
        parts.append("imports")
    if kinds["uses"]:
        parts.append(f"{kinds['uses']} use{'s' if kinds['uses'] != 1 else ''}")
    return ", ".join(parts)


def render(report: Report, kind: str) -> str:
    return render_dot(report) if kind == "dot" else render_mermaid(report)


def _mermaid_label(text: str) -> str:
    return escape(text).replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def render_mermaid(report: Report) -> str:
    edges = report.legacy_edges()
    modules = sorted({module for module, _, _ in edges})
    symbols = sorted({symbol for _, symbol, _ in edges})
    ids = {name: f"m{i}" for i, name in enumerate(modules, 1)}
    ids.update({name: f"s{i}" for i, name in enumerate(symbols, 1)})
    lines = ["graph LR"]
    lines += [f'  {ids[m]}["{_mermaid_label(m)}"]' for m in modules]
    lines += [f'  {ids[s]}(["{_mermaid_label(s)}"]):::legacy' for s in symbols]
    lines += [f"  {ids[m]} -->|{edge_label(k)}| {ids[s]}" for m, s, k in edges]
    lines.append("  classDef legacy fill:#fde2e1,stroke:#c0392b")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    return '"' + escape(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def render_dot(report: Report) -> str:
    edges = report.legacy_edges()
    lines = ["digraph legacy_dependencies {", "  rankdir=LR;", "  node [shape=box];"]
    for symbol in sorted({symbol for _, symbol, _ in edges}):
        lines.append(f"  {_dot_string(symbol)} [shape=ellipse, color=firebrick];")
    for module, symbol, kinds in edges:
        lines.append(f"  {_dot_string(module)} -> {_dot_string(symbol)} [label={_dot_string(edge_label(kinds))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
