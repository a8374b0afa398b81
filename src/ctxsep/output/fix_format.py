"""A fix as the JSON and SARIF formats show it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from ctxsep.config import relative_posix
from ctxsep.model import Fix


def _path(path: str) -> str:
    return relative_posix(Path(path), Path.cwd())


def fix_json(fix: Fix) -> dict[str, Any]:
    """ruff's shape: applicability, a message, and edits with 1-based
    ``location``/``end_location`` rows and columns."""
    return {
        "applicability": fix.applicability,
        "message": fix.title,
        "edits": [
            {
                "path": _path(edit.path),
                "content": edit.replacement,
                "location": {"row": edit.start_line, "column": edit.start_col + 1},
                "end_location": {"row": edit.end_line, "column": edit.end_col + 1},
            }
            for edit in fix.edits
        ],
    }


def fix_sarif(fix: Fix) -> dict[str, Any]:
    """A SARIF ``fix`` object: one artifactChange per file."""
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        changes.setdefault(_path(edit.path), []).append(
            {
                "deletedRegion": {
                    "startLine": edit.start_line,
                    "startColumn": edit.start_col + 1,
                    "endLine": edit.end_line,
                    "endColumn": edit.end_col + 1,
                },
                "insertedContent": {"text": edit.replacement},
            }
        )
    return {
        "description": {"text": f"{fix.title} ({fix.applicability})"},
        "artifactChanges": [
            {"artifactLocation": {"uri": quote(path, safe="/")}, "replacements": replacements}
            for path, replacements in changes.items()
        ],
    }
