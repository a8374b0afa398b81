"""``report --compare OLD.json``: what got better and what got worse.

Both sides are report documents (``report_document``), so an old report
saved by CI compares with today's tree. For each number a direction is
better: fewer legacy calls, errors, warnings and baselined findings; more
scoped calls; more directories ready for their next phase; a stricter phase.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ctxsep.migration.report import Report
from ctxsep.model import PHASE_NAMES, CtxsepError
from ctxsep.output.report import SCHEMA_VERSION, md_cell, report_document

#: (field, label, True when a larger value is better)
_TOTAL_FIELDS = (
    ("legacy_calls", "legacy calls", False),
    ("scoped_calls", "scoped calls", True),
    ("errors", "errors", False),
    ("warnings", "warnings", False),
    ("baselined", "baselined", False),
    ("gates_passed", "directories ready for their next phase", True),
)
_DIRECTORY_FIELDS = (*_TOTAL_FIELDS[:5], ("gate_errors", "errors before the next phase", False))


def load_previous(path: Path) -> dict[str, Any]:
    """An earlier ``report --format json``; a clear error for anything else."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CtxsepError(f"{path}: cannot read the earlier report: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CtxsepError(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(document, dict) or document.get("kind", "report") != "report":
        raise CtxsepError(f"{path}: not the output of `ctxsep report --format json`")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise CtxsepError(
            f"{path}: 'schema_version' is {version!r}; this ctxsep compares reports of schema version "
            f"{SCHEMA_VERSION} (make the old report again with this version)"
        )
    if not isinstance(document.get("directories"), list) or not isinstance(document.get("totals"), dict):
        raise CtxsepError(f"{path}: 'directories' and 'totals' are missing: not a complete report")
    return document


@dataclass(frozen=True)
class Change:
    where: str  # a directory, or "total"
    what: str
    old: Any
    new: Any
    better: bool

    @property
    def text(self) -> str:
        return f"{self.where}: {self.what} {self.old} → {self.new}"


def _number(table: dict[str, Any], name: str) -> int:
    if name == "gate_errors":
        gate = table.get("gate")
        value = gate.get("errors") if isinstance(gate, dict) else 0
    else:
        value = table.get(name, 0)
    return value if isinstance(value, int) else 0


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    found: list[Change] = []
    for name, label, more_is_better in _TOTAL_FIELDS:
        before, after = _number(old["totals"], name), _number(new["totals"], name)
        if before != after:
            found.append(Change("total", label, before, after, (after > before) == more_is_better))
    old_dirs = {d.get("directory"): d for d in old["directories"] if isinstance(d, dict)}
    new_dirs = {d["directory"]: d for d in new["directories"]}
    for directory in sorted(set(old_dirs) | set(new_dirs), key=str):
        before_row, after_row = old_dirs.get(directory), new_dirs.get(directory)
        where = str(directory)
        if before_row is None or after_row is None:
            row = after_row or before_row or {}
            debt = _number(row, "errors") + _number(row, "warnings") + _number(row, "legacy_calls")
            status = "new in the report" if before_row is None else "no longer in the report"
            # A directory leaving the report has nothing left to migrate; one arriving with debt is worse.
            found.append(
                Change(where, status, "", f"{debt} errors/warnings/legacy calls", before_row is not None or not debt)
            )
            continue
        old_phase, new_phase = before_row.get("phase"), after_row.get("phase")
        if old_phase != new_phase and old_phase in PHASE_NAMES and new_phase in PHASE_NAMES:
            promoted = PHASE_NAMES.index(new_phase) > PHASE_NAMES.index(old_phase)
            found.append(Change(where, "phase", old_phase, new_phase, promoted))
        for name, label, more_is_better in _DIRECTORY_FIELDS:
            before, after = _number(before_row, name), _number(after_row, name)
            if before != after:
                found.append(Change(where, label, before, after, (after > before) == more_is_better))
    return found


def render_compare(old: dict[str, Any], report: Report, fmt: str) -> str:
    new = report_document(report)
    found = changes(old, new)
    better = [c for c in found if c.better]
    worse = [c for c in found if not c.better]
    if fmt == "json":
        document = {
            "schema_version": SCHEMA_VERSION,
            "kind": "compare",
            "old": old.get("source"),
            "new": new["source"],
            "better": [_change_json(c) for c in better],
            "worse": [_change_json(c) for c in worse],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt != "md":
        raise CtxsepError("--compare prints Markdown or JSON (--format md|json)")
    out = [f"# ctxsep: changes since {md_cell(_source_text(old.get('source')))}", ""]
    if not found:
        return "\n".join([*out, "Nothing changed."]) + "\n"
    for title, items in (("Better", better), ("Worse", worse)):
        out += [f"## {title} ({len(items)})", ""]
        out += [f"- {md_cell(c.text)}" for c in items] or ["- nothing"]
        out.append("")
    return "\n".join(out)


def _change_json(change: Change) -> dict[str, Any]:
    return {"where": change.where, "what": change.what, "old": change.old, "new": change.new}


def _source_text(source: object) -> str:
    if not isinstance(source, dict):
        return "the earlier report"
    commit = source.get("commit")
    date = source.get("date")
    parts = [str(source.get("project") or "the earlier report")]
    if isinstance(commit, str):
        parts.append(commit[:10])
    if isinstance(date, str):
        parts.append(date[:10])
    return " ".join(parts)
