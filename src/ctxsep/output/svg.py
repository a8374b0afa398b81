"""Small inline SVG charts for the HTML reports: a line chart over time and
sparklines. No script, no font, nothing fetched: text uses the page's own
font stack, and every value in an attribute is a number we computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape


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
