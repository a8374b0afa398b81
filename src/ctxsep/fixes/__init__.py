"""Fixes (SPEC §11): the edits ``ctxsep fix`` makes, with libcst.

Stable API (used by the CLI, ``check``'s ``[*]`` marks, SARIF and the
language server's code actions)::

    from ctxsep.fixes import compute_fixes, apply_edits, build_index

    project = build_index([root], resolver, settings.vocabulary)   # once per workspace
    fixes = compute_fixes(path, source, settings, shown_findings, project)
    for fix in fixes:
        fix.code           # "CTX002": the finding the fix is offered for
        fix.applicability  # "safe" | "unsafe"
        fix.title          # one line for a menu
        fix.edits          # tuple[Edit]: path (absolute), start/end (character
                           # offsets), start_line/start_col/end_line/end_col
                           # (1-based lines, 0-based character columns), replacement
        fix.fixes          # ((code, line, col), ...) of the findings it removes
    new_source = apply_edits(source, [e for e in fix.edits if e.path == path])

``compute_fixes`` takes the file's *shown* findings (``engine.check_file``'s
``FileResult.findings``: not baselined, not suppressed, not off) and the
current text (an unsaved buffer is fine); it never writes. ``project`` may
be omitted (then fixes that need the project — dual-pattern calls, call
sites — are not offered). Edits of one fix never overlap; edits of two fixes
may, so apply one fix at a time (or use :func:`choose`). A fix may edit
other files than ``path`` (a new parameter and its call sites): apply all of
its edits or none.

``run_fixes`` + ``write`` is the whole ``ctxsep fix`` pipeline: compute,
choose, apply in memory, verify (compiles, fixed findings gone, nothing
new), loop to a fixed point, then write every changed file atomically.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ctxsep.model import SAFE, UNSAFE, Edit, Fix

if TYPE_CHECKING:
    from ctxsep.fixes.apply import FileState, FixRun, project_index, run_fixes, write
    from ctxsep.fixes.compute import compute_fixes
    from ctxsep.fixes.edits import apply_edits, choose
    from ctxsep.inventory.project import ProjectIndex, build_index

#: Where each name of the API lives. They are imported on first use: libcst
#: costs ~0.2 s to import, and ``check`` (which imports ``fixes.marks`` for
#: its ``[*]`` marks) must not pay it when every mark is remembered.
_LAZY = {
    "FileState": "ctxsep.fixes.apply",
    "FixRun": "ctxsep.fixes.apply",
    "project_index": "ctxsep.fixes.apply",
    "run_fixes": "ctxsep.fixes.apply",
    "write": "ctxsep.fixes.apply",
    "compute_fixes": "ctxsep.fixes.compute",
    "apply_edits": "ctxsep.fixes.edits",
    "choose": "ctxsep.fixes.edits",
    "ProjectIndex": "ctxsep.inventory.project",
    "build_index": "ctxsep.inventory.project",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "SAFE",
    "UNSAFE",
    "Edit",
    "FileState",
    "Fix",
    "FixRun",
    "ProjectIndex",
    "apply_edits",
    "build_index",
    "choose",
    "compute_fixes",
    "project_index",
    "run_fixes",
    "write",
]
