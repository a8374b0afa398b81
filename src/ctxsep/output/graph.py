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


# -- drawn as SVG (the HTML report) -------------------------------------------------

#: more modules than this are summed up in one line under the drawing
SVG_MAX_MODULES = 60
_ROW_H, _CHAR_W, _PAD = 26, 7.0, 10


def render_svg(report: Report) -> str:
    """The module → legacy symbol graph, laid out in two layers: modules on
    the left (each placed by the average row of the symbols it depends on, so
    edges cross little), legacy symbols on the right (most used first).
    Edge width grows with the number of uses; each edge's tooltip says how."""
    from html import escape

    edges = report.legacy_edges()
    weight: Counter[str] = Counter()
    module_weight: Counter[str] = Counter()
    for module, symbol, kinds in edges:
        weight[symbol] += kinds["uses"] + kinds["imports"]
        module_weight[module] += kinds["uses"] + kinds["imports"]
    symbols = sorted(weight, key=lambda s: (-weight[s], s))
    shown = {m for m, _ in sorted(module_weight.items(), key=lambda kv: (-kv[1], kv[0]))[:SVG_MAX_MODULES]}
    row_of = {symbol: i for i, symbol in enumerate(symbols)}
    targets: dict[str, list[int]] = {}
    for module, symbol, _ in edges:
        if module in shown:
            targets.setdefault(module, []).append(row_of[symbol])
    modules = sorted(targets, key=lambda m: (sum(targets[m]) / len(targets[m]), m))
    left_w = max((len(m) for m in modules), default=10) * _CHAR_W + 2 * _PAD
    right_w = max((len(s) for s in symbols), default=10) * _CHAR_W + 2 * _PAD
    gap = 220
    rows = max(len(modules), len(symbols), 1)
    height = rows * _ROW_H + 2 * _PAD
    width = int(left_w + gap + right_w + 2 * _PAD)
    # symbols spread over the same height as the modules
    sym_step = (rows * _ROW_H) / max(len(symbols), 1)
    mod_step = (rows * _ROW_H) / max(len(modules), 1)
    mod_y = {m: _PAD + mod_step * (i + 0.5) for i, m in enumerate(modules)}
    sym_y = {s: _PAD + sym_step * (i + 0.5) for i, s in enumerate(symbols)}
    x1, x2 = _PAD + left_w, _PAD + left_w + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {width} {int(height)}" '
        f'width="{width}" height="{int(height)}" role="img" '
        f'aria-label="{len(modules)} modules depending on {len(symbols)} legacy symbols">'
        "<title>Modules that still depend on legacy symbols</title>"
    ]
    for module, symbol, kinds in edges:
        if module not in mod_y:
            continue
        ya, yb = mod_y[module], sym_y[symbol]
        stroke = min(1 + kinds["uses"] * 0.5, 6)
        parts.append(
            f'<path d="M{x1:.1f},{ya:.1f} C{x1 + gap / 2:.1f},{ya:.1f} {x2 - gap / 2:.1f},{yb:.1f} {x2:.1f},{yb:.1f}" '
            f'fill="none" stroke="#c0392b" stroke-opacity="0.45" stroke-width="{stroke:.1f}">'
            f"<title>{escape(module)} → {escape(symbol)}: {escape(edge_label(kinds))}</title></path>"
        )
    for module, cy in mod_y.items():
        parts.append(
            f'<rect x="{_PAD}" y="{cy - 10:.1f}" width="{left_w:.1f}" height="20" rx="4" fill="#f6f8fa" '
            f'stroke="#8c959f"/><text x="{_PAD + left_w - _PAD / 2:.1f}" y="{cy + 4:.1f}" text-anchor="end" '
            f'class="node">{escape(module)}</text>'
        )
    for symbol, cy in sym_y.items():
        parts.append(
            f'<rect x="{x2:.1f}" y="{cy - 11:.1f}" width="{right_w:.1f}" height="22" rx="11" fill="#fde2e1" '
            f'stroke="#c0392b"/><text x="{x2 + _PAD:.1f}" y="{cy + 4:.1f}" class="node">{escape(symbol)}</text>'
        )
    parts.append("</svg>")
    hidden = len(module_weight) - len(modules)
    note = (
        f"<p class=muted>and {hidden} more modules with fewer uses (all of them are in the table)</p>" if hidden else ""
    )
    return "".join(parts) + note
