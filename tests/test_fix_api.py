"""The Python API the language server uses (documented at the top of
``ctxsep.fixes``): fixes for an unsaved buffer, applied one at a time."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fixprojects import ROUTE_AFTER, ROUTE_BEFORE, project

from ctxsep.config import SettingsResolver
from ctxsep.engine import check_file
from ctxsep.fixes import SAFE, apply_edits, build_index, compute_fixes


def test_fixes_for_an_unsaved_buffer(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": "# saved text: nothing to fix\n"})
    path = root / "app/routes/message.py"
    buffer = textwrap.dedent(ROUTE_BEFORE).lstrip("\n")
    resolver = SettingsResolver(cwd=root)
    settings = resolver.for_path(path)
    shown = list(check_file(path, resolver, source=buffer).findings)
    assert {f.code for f in shown} == {"CTX001", "CTX002"}
    index = build_index([str(root)], resolver, settings.vocabulary)
    fixes = compute_fixes(path, buffer, settings, shown, index)
    assert [(f.code, f.applicability) for f in fixes] == [("CTX002", SAFE)]
    (fix,) = fixes
    assert {code for code, _, _ in fix.fixes} == {"CTX001", "CTX002"}
    assert all(edit.path == str(path) for edit in fix.edits)
    lines = buffer.splitlines(keepends=True)
    for edit in fix.edits:  # line/column ranges agree with the offsets
        start = sum(len(line) for line in lines[: edit.start_line - 1]) + edit.start_col
        assert start == edit.start
    assert apply_edits(buffer, fix.edits) == textwrap.dedent(ROUTE_AFTER).lstrip("\n")
    assert path.read_text() == "# saved text: nothing to fix\n"  # never writes
    # without the project index, a fix needing it (the dual-pattern call) is not offered
    assert compute_fixes(path, buffer, settings, shown) == []
