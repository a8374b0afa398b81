"""When will it be done? A straight line through the recent samples.

The pace is the least-squares slope of a count against time over the
sampled points of the last N weeks (default 4) before the newest point;
the count reaches zero ``count / -slope`` days after the newest point. A
flat or rising count is "not at this pace". A slope needs at least
``MIN_SAMPLES`` points spanning at least ``MIN_SPAN`` (commits minutes apart
say nothing about a pace per week): with fewer the trend is "too few
samples". A projected date is always after the newest sample's day: a
count above zero is never "done by" the day it was counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ctxsep.migration.history import History
from ctxsep.migration.report import DirectoryRow
from ctxsep.model import Phase

DEFAULT_WEEKS = 4
#: the fewest sampled points, and the shortest time between the first and the
#: last of them, that a pace is computed from
MIN_SAMPLES = 3
MIN_SPAN = timedelta(days=1)
TOO_FEW = "too few samples"  # shown as "too few samples to project"
#: a date further out than this is not a date anyone plans by
_HORIZON_DAYS = 3650


@dataclass(frozen=True)
class Trend:
    now: int
    per_week: float | None  # change per week (negative: going down); None: too few samples
    zero_on: date | None  # when the count reaches zero at this pace
    status: str  # "done", "on", "not at this pace", TOO_FEW

    @property
    def text(self) -> str:
        if self.status == "on" and self.zero_on is not None:
            return self.zero_on.isoformat()
        return self.status


def trend(series: list[tuple[datetime, int]], weeks: int) -> Trend:
    """The trend of ``series`` (oldest first) over its last ``weeks`` weeks."""
    if not series:
        return Trend(0, None, None, TOO_FEW)
    last_at, now = series[-1]
    start = last_at - timedelta(weeks=weeks)
    window = [(at, value) for at, value in series if at >= start]
    enough = len(window) >= MIN_SAMPLES and window[-1][0] - window[0][0] >= MIN_SPAN
    slope = _slope_per_day(window) if enough else None
    per_week = None if slope is None else round(slope * 7, 2)
    if now == 0:
        return Trend(now, per_week, None, "done")
    if slope is None:
        return Trend(now, None, None, TOO_FEW)
    if slope >= 0:
        return Trend(now, per_week, None, "not at this pace")
    days = now / -slope
    if days > _HORIZON_DAYS:
        return Trend(now, per_week, None, "not at this pace")
    # Counts are whole: the last one goes some day after the newest sample,
    # never on (or before) the day that still counted ``now``.
    zero_on = max((last_at + timedelta(days=days)).date(), last_at.date() + timedelta(days=1))
    return Trend(now, per_week, zero_on, "on")


def _slope_per_day(window: list[tuple[datetime, int]]) -> float | None:
    if len(window) < 2:
        return None
    origin = window[0][0]
    xs = [(at - origin).total_seconds() / 86400 for at, _ in window]
    ys = [float(value) for _, value in window]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


@dataclass(frozen=True)
class DirectoryOutlook:
    directory: str
    phase: Phase
    target: Phase | None  # its next phase (None: final)
    gate_errors: Trend  # errors standing between it and ``target``, at the same target


@dataclass(frozen=True)
class Projection:
    weeks: int
    since: str | None  # the oldest point in the window (ISO date)
    until: str | None  # the newest point
    legacy_calls: Trend
    directories: list[DirectoryOutlook]


def project(history: History, weeks: int = DEFAULT_WEEKS) -> Projection:
    points = [(p.commit.date, p.report) for p in history.points if p.report is not None]
    if not points:
        return Projection(weeks, None, None, trend([], weeks), [])
    last_at, latest = points[-1]
    start = last_at - timedelta(weeks=weeks)
    in_window = [at for at, _ in points if at >= start]
    legacy = trend([(at, report.totals.legacy_uses) for at, report in points], weeks)
    # each point's rows by directory, once: not a search of every row per directory and point
    rows_at: list[tuple[datetime, dict[str, DirectoryRow]]] = [
        (at, {r.directory: r for r in report.rows}) for at, report in points
    ]
    outlooks = []
    for row in latest.rows:
        series: list[tuple[datetime, int]] = []
        for at, rows in rows_at:
            earlier = rows.get(row.directory)
            if earlier is None:  # nothing to report there then
                series.append((at, 0))
            elif earlier.gate_target == row.gate_target:  # the same gate: comparable counts
                series.append((at, earlier.gate_errors))
        outlooks.append(DirectoryOutlook(row.directory, row.phase, row.gate_target, trend(series, weeks)))
    return Projection(weeks, in_window[0].date().isoformat(), last_at.date().isoformat(), legacy, outlooks)
