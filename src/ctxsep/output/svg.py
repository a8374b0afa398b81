"""Small inline SVG charts for the HTML reports: a line chart over time and
sparklines. No script, no font, nothing fetched: text uses the page's own
font stack, and every value in an attribute is a number we computed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape

from ctxsep.output.graph import edge_label


@dataclass(frozen=True)
class Series:
    label: str
    colour: str  # a literal colour from this module's callers, never user text
    values: list[int]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_top(value: int) -> int:
    """A round axis maximum at or above ``value``."""
    if value <= 4:
        return max(value, 1)
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def line_chart(
    times: list[datetime],
    series: list[Series],
    title: str,
    projection: tuple[datetime, int, date] | None = None,
    width: int = 860,
    height: int = 300,
) -> str:
    """Lines of ``series`` over ``times`` (oldest first). ``projection``
    (from, value, zero on) draws a dashed line down to zero."""
    left, right, top, bottom = 56, 150, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    start = times[0]
    end = times[-1]
    if projection is not None:
        end = max(end, datetime.combine(projection[2], datetime.min.time(), tzinfo=end.tzinfo))
    span = max((end - start).total_seconds(), 1.0)
    y_max = _nice_top(max([max(s.values, default=0) for s in series] + [1]))

    def x(at: datetime) -> float:
        return left + plot_w * (at - start).total_seconds() / span

    def y(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d1d9e0"/>',
    ]
    for i in range(5):
        value = y_max * i / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_fmt(y(value))}" y2="{_fmt(y(value))}" stroke="#eaeef2"/>'
            f'<text x="{left - 6}" y="{_fmt(y(value) + 4)}" text-anchor="end" class="tick">{_fmt(value)}</text>'
        )
    ticks = _date_ticks(start, end)
    for at, label in zip(ticks, tick_labels(ticks), strict=True):
        parts.append(
            f'<text x="{_fmt(x(at))}" y="{height - bottom + 18}" text-anchor="middle" class="tick">{label}</text>'
        )
    for n, line in enumerate(series):
        points = " ".join(f"{_fmt(x(at))},{_fmt(y(v))}" for at, v in zip(times, line.values, strict=True))
        parts.append(f'<polyline fill="none" stroke="{line.colour}" stroke-width="2" points="{points}"/>')
        for at, value in zip(times, line.values, strict=True):
            parts.append(
                f'<circle cx="{_fmt(x(at))}" cy="{_fmt(y(value))}" r="2.5" fill="{line.colour}">'
                f"<title>{_minute(at)}: {value} {escape(line.label)}</title></circle>"
            )
        legend_y = top + 14 + 20 * n
        parts.append(
            f'<line x1="{width - right + 14}" x2="{width - right + 34}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{line.colour}" stroke-width="3"/><text x="{width - right + 40}" y="{legend_y}" class="legend">'
            f"{escape(line.label)}</text>"
        )
    if projection is not None:
        at, value, zero_on = projection
        zero_at = datetime.combine(zero_on, datetime.min.time(), tzinfo=at.tzinfo)
        parts.append(
            f'<line x1="{_fmt(x(at))}" y1="{_fmt(y(value))}" x2="{_fmt(x(zero_at))}" y2="{_fmt(y(0))}" '
            f'stroke="{series[0].colour}" stroke-width="2" stroke-dasharray="6 4">'
            f"<title>at the recent pace: zero by {zero_on.isoformat()}</title></line>"
        )
        legend_y = top + 14 + 20 * len(series)
        parts.append(
            f'<line x1="{width - right + 14}" x2="{width - right + 34}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{series[0].colour}" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{width - right + 40}" y="{legend_y}" class="legend">projection</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _minute(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def tick_labels(ticks: list[datetime]) -> list[str]:
    """A date per tick; the UTC time too when two ticks fall on one day
    (samples minutes apart would otherwise all read the same date)."""
    days = [at.astimezone(UTC).date().isoformat() for at in ticks]
    if len(set(days)) == len(days):
        return days
    return [at.astimezone(UTC).strftime("%m-%d %H:%M") for at in ticks]


def _date_ticks(start: datetime, end: datetime, count: int = 5) -> list[datetime]:
    if end <= start:
        return [start]
    step = (end - start) / (count - 1)
    return [start + step * i for i in range(count)]


def sparkline(values: list[int], label: str, width: int = 120, height: int = 24, colour: str = "#cf222e") -> str:
    """A tiny line of ``values`` (oldest first), its last value marked."""
    top = max(values, default=0) or 1
    n = max(len(values) - 1, 1)

    def point(i: int, v: int) -> tuple[float, float]:
        return 2 + (width - 4) * i / n, 2 + (height - 4) * (1 - v / top)

    coords = [point(i, v) for i, v in enumerate(values)] or [(2.0, float(height - 2))]
    path = " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in coords)
    last_x, last_y = coords[-1]
    text = f"{label}: " + ", ".join(str(v) for v in values)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="spark" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(text)}"><title>{escape(text)}</title>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>'
        f'<circle cx="{_fmt(last_x)}" cy="{_fmt(last_y)}" r="2" fill="{colour}"/></svg>'
    )


# -- the module → legacy symbol graph (``report --format html``) ------------------------

#: more modules than this are summed up in one line under the drawing
SVG_MAX_MODULES = 60
_ROW_H, _CHAR_W, _PAD = 26, 7.0, 10


def graph_svg(edges: list[tuple[str, str, Counter[str]]]) -> str:
    """The module → legacy symbol graph of ``edges`` (``Report.legacy_edges()``),
    laid out in two layers: modules on the left (each placed by the average
    row of the symbols it depends on, so edges cross little), legacy symbols
    on the right (most used first). Edge width grows with the number of
    uses; each edge's tooltip says how."""
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
