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

from ctxsep.atomic import read_regular
from ctxsep.migration.report import Report
from ctxsep.model import PHASE_NAMES, CtxsepError
from ctxsep.output.report import SCHEMA_VERSION, md_cell, plural, report_document

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
#: an earlier report larger than this is not one (a report lists directories, not findings)
MAX_REPORT_BYTES = 256 * 1024 * 1024


def load_previous(path: Path) -> dict[str, Any]:
    """An earlier ``report --format json``; a clear error for anything else."""
    try:
        document = json.loads(read_regular(path, MAX_REPORT_BYTES).decode("utf-8"))  # never a FIFO or device
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
    what: str  # empty: ``old`` and ``new`` say it all
    old: Any
    new: Any
    better: bool
    note: str = ""  # e.g. how many of the findings moved into the baseline

    @property
    def text(self) -> str:
        what = f" {self.what}" if self.what else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.where}:{what} {self.old} → {self.new}{note}"


@dataclass(frozen=True)
class Moved:
    """Findings that left the errors/warnings because the baseline grew: neither fixed nor new."""

    where: str
    errors: int
    warnings: int

    @property
    def text(self) -> str:
        parts = [plural(n, noun) for n, noun in ((self.errors, "error"), (self.warnings, "warning")) if n]
        return f"{self.where}: {' and '.join(parts)} moved into the baseline"


def _number(table: dict[str, Any], name: str) -> int:
    if name == "gate_errors":
        gate = table.get("gate")
        value = gate.get("errors") if isinstance(gate, dict) else 0
    else:
        value = table.get(name, 0)
    return value if isinstance(value, int) else 0


def _moved(where: str, before: dict[str, Any], after: dict[str, Any]) -> Moved:
    """As many of the errors (then warnings) that went away as the baseline grew by."""
    grown = max(0, _number(after, "baselined") - _number(before, "baselined"))
    errors = min(max(0, _number(before, "errors") - _number(after, "errors")), grown)
    warnings = min(max(0, _number(before, "warnings") - _number(after, "warnings")), grown - errors)
    return Moved(where, errors, warnings)


def _field_changes(
    where: str, fields: tuple[tuple[str, str, bool], ...], before_row: dict[str, Any], after_row: dict[str, Any]
) -> tuple[list[Change], Moved]:
    """The numbers that moved, findings moved into the baseline set apart:
    they count as neither better nor worse."""
    moved = _moved(where, before_row, after_row)
    shift = {"errors": -moved.errors, "warnings": -moved.warnings, "baselined": moved.errors + moved.warnings}
    found = []
    for name, label, more_is_better in fields:
        before, after = _number(before_row, name), _number(after_row, name)
        expected = before + shift.get(name, 0)  # what it would be had nothing but the baseline changed
        if after == expected:
            continue
        note = "" if expected == before else f"besides {abs(expected - before)} moved into the baseline"
        found.append(Change(where, label, before, after, (after > expected) == more_is_better, note))
    return found, moved


def _debt(row: dict[str, Any]) -> int:
    return _number(row, "errors") + _number(row, "warnings") + _number(row, "legacy_calls")


def _debt_text(row: dict[str, Any]) -> str:
    return f"{_debt(row)} errors/warnings/legacy calls"


def _clean(document: dict[str, Any]) -> set[str]:
    listed = document.get("clean_directories")
    if not isinstance(listed, list):
        return set()
    return {str(d.get("directory")) for d in listed if isinstance(d, dict)}


def compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[Change], list[Moved]]:
    found, moved = _field_changes("total", _TOTAL_FIELDS, old["totals"], new["totals"])
    all_moved = [moved]
    old_dirs = {d.get("directory"): d for d in old["directories"] if isinstance(d, dict)}
    new_dirs = {d["directory"]: d for d in new["directories"]}
    old_clean, new_clean = _clean(old), _clean(new)
    for directory in sorted(set(old_dirs) | set(new_dirs), key=str):
        before_row, after_row = old_dirs.get(directory), new_dirs.get(directory)
        where = str(directory)
        if after_row is None and before_row is not None:
            # Finished (checked, nothing left to report) or no longer checked at all.
            gone = "none (clean)" if where in new_clean else "none (no longer checked)"
            found.append(Change(where, "", _debt_text(before_row), gone, True))
            continue
        if before_row is None and after_row is not None:
            was = "none (clean)" if where in old_clean else "not checked before"
            found.append(Change(where, "", was, _debt_text(after_row), not _debt(after_row)))
            continue
        assert before_row is not None and after_row is not None
        old_phase, new_phase = before_row.get("phase"), after_row.get("phase")
        if old_phase != new_phase and old_phase in PHASE_NAMES and new_phase in PHASE_NAMES:
            promoted = PHASE_NAMES.index(new_phase) > PHASE_NAMES.index(old_phase)
            found.append(Change(where, "phase", old_phase, new_phase, promoted))
        more, moved = _field_changes(where, _DIRECTORY_FIELDS, before_row, after_row)
        found += more
        all_moved.append(moved)
    return found, [m for m in all_moved if m.errors or m.warnings]


def render_compare(old: dict[str, Any], report: Report, fmt: str) -> str:
    new = report_document(report)
    found, moved = compare(old, new)
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
            "moved_to_baseline": [{"where": m.where, "errors": m.errors, "warnings": m.warnings} for m in moved],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt != "md":
        raise CtxsepError("--compare prints Markdown or JSON (--format md|json)")
    out = [f"# ctxsep: changes since {md_cell(_source_text(old.get('source')))}", ""]
    if not found and not moved:
        return "\n".join([*out, "Nothing changed."]) + "\n"
    for title, items in (("Better", better), ("Worse", worse)):
        out += [f"## {title} ({len(items)})", ""]
        out += [f"- {md_cell(c.text)}" for c in items] or ["- nothing"]
        out.append("")
    if moved:
        out += [f"## Moved into the baseline ({len(moved)})", "", "Neither fixed nor new: the baseline grew.", ""]
        out += [f"- {md_cell(m.text)}" for m in moved]
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
