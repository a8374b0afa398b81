"""Edits as text: sort, drop overlaps, apply."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ctxsep.model import Edit, Fix


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.path != b.path:
        return False
    if a.start == a.end and b.start == b.end:
        return a.start == b.start and a.replacement != b.replacement
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def choose(fixes: Iterable[Fix]) -> list[Fix]:
    """The fixes, in order, that share no edited text with an earlier one
    (the rest wait for the next round, when they are computed afresh)."""
    chosen: list[Fix] = []
    taken: list[Edit] = []
    for fix in fixes:
        if any(_overlaps(edit, other) for edit in fix.edits for other in taken):
            continue
        chosen.append(fix)
        taken.extend(fix.edits)
    return chosen


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """``source`` with non-overlapping ``edits`` applied (identical
    insertions at one place count once)."""
    unique = sorted(set(edits), key=lambda e: (e.start, e.end, e.replacement))
    parts: list[str] = []
    position = 0
    for edit in unique:
        if edit.start < position:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        parts.append(source[position : edit.start])
        parts.append(edit.replacement)
        position = edit.end
    parts.append(source[position:])
    return "".join(parts)
