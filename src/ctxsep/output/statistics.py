"""``ctxsep check --statistics``: how many findings per rule, as ruff prints it.

Text: one row per code, most frequent first (then by code), tab-separated
as ruff does::

    12\tCTX002\tlegacy-context-constructor
     3\tCTX003\tmissing-db-parameter

then the usual summary line. JSON: a list of ``{"code", "symbol", "count",
"errors", "warnings"}``. Baselined findings are not counted (they are in
the summary), like every other number ``check`` prints.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ctxsep.model import Severity
from ctxsep.output.escape import escape
from ctxsep.output.style import PLAIN, Style
from ctxsep.output.text import summary
from ctxsep.runner import RunResult


def rows(run: RunResult) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    symbols: dict[str, str] = {}
    for finding in run.findings():
        counts[finding.code] += 1
        errors[finding.code] += finding.severity is Severity.ERROR
        symbols[finding.code] = finding.symbol
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    return [
        {
            "code": code,
            "symbol": symbols[code],
            "count": counts[code],
            "errors": errors[code],
            "warnings": counts[code] - errors[code],
        }
        for code in ordered
    ]


def render_text(run: RunResult, style: Style = PLAIN) -> str:
    table = rows(run)
    width = max((len(str(row["count"])) for row in table), default=1)
    out = [
        f"{row['count']:>{width}}\t{style.paint(row['code'], 'boldred' if row['errors'] else 'yellow')}\t"
        f"{escape(row['symbol'])}"
        for row in table
    ]
    out.append(style.paint(summary(run), "bold"))
    return "".join(line + "\n" for line in out)


def render_json(run: RunResult) -> str:
    return json.dumps(rows(run), indent=2) + "\n"


__all__ = ["render_json", "render_text", "rows"]
