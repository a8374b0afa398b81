"""``ctxsep server``'s code actions, end to end: the edits a real server
process offers, applied the way an editor applies them, give exactly the
text ``ctxsep fix`` writes for the same project."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")
from fixprojects import ROUTE_AFTER, ROUTE_BEFORE, ctxsep, project, snapshot
from lsp_client import LspClient
from test_fix_session_param import make as session_project

FAST = {"debounceMs": 0, "pollIntervalMs": 0}
_LINE = re.compile(r"\r\n|\r|\n")


def offset(text: str, position: dict[str, int]) -> int:
    """An LSP position (UTF-16 units) as an offset into ``text``."""
    starts = [0, *(m.end() for m in _LINE.finditer(text))]
    start = starts[position["line"]] if position["line"] < len(starts) else len(text)
    units = 0
    index = start
    while units < position["character"] and index < len(text) and text[index] not in "\r\n":
        units += 2 if ord(text[index]) > 0xFFFF else 1
        index += 1
    return index


def apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply one document's TextEdits as an editor does (all against the original)."""
    spans = sorted(
        ((offset(text, e["range"]["start"]), offset(text, e["range"]["end"]), e["newText"]) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def apply_workspace_edit(edit: dict[str, Any], buffers: dict[str, str]) -> dict[str, str]:
    """{uri: new text} for every document the edit changes (texts from
    ``buffers``, else from disk)."""
    out = {}
    for uri, edits in edit["changes"].items():
        text = buffers.get(uri)
        if text is None:
            text = Path(uri.removeprefix("file://")).read_text(encoding="utf-8")
        out[uri] = apply(text, edits)
    return out


def code_actions(
    lsp: LspClient,
    path: Path,
    rng: dict[str, Any],
    diagnostics: list[dict],
    only: list[str] | None = None,
    automatic: bool = False,
) -> list[dict[str, Any]]:
    context: dict[str, Any] = {"diagnostics": diagnostics, "triggerKind": 2 if automatic else 1}
    if only is not None:
        context["only"] = only
    return lsp.request(
        "textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": rng, "context": context}
    )


def fixed_copy(root: Path, tmp_path: Path, *args: str) -> Path:
    """The project after a real ``ctxsep fix`` (on a copy)."""
    copy = tmp_path / "fixed"
    shutil.copytree(root, copy)
    code, _, err = ctxsep(copy, "fix", *args, ".")
    assert code == 0, err
    return copy


def new_dir(path: Path) -> Path:
    path.mkdir()
    return path


def test_fix_all_equals_ctxsep_fix(tmp_path: Path) -> None:
    root = project(new_dir(tmp_path / "p"), {"message.py": ROUTE_BEFORE})
    route = root / "app/routes/message.py"
    expected = (fixed_copy(root, tmp_path) / "app/routes/message.py").read_text(encoding="utf-8")
    assert expected != route.read_text(encoding="utf-8")
    with LspClient([root], initialization_options=FAST) as lsp:
        assert lsp.initialize_result["capabilities"]["codeActionProvider"]["codeActionKinds"] == [
            "quickfix",
            "source.fixAll.ctxsep",
        ]
        text = route.read_text(encoding="utf-8")
        diagnostics = lsp.open(route)
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": text.count("\n"), "character": 0}}
        (action,) = code_actions(lsp, route, whole, [], only=["source.fixAll"])
        assert action["kind"] == "source.fixAll.ctxsep"
        assert list(action["edit"]["changes"]) == [route.as_uri()]
        after = apply_workspace_edit(action["edit"], {route.as_uri(): text})[route.as_uri()]
        assert after == expected
        # the document as ROUTE_AFTER: ctxsep fix's own acceptance text
        assert after.lstrip("\n") == ROUTE_AFTER.lstrip("\n")
        assert sorted(d["code"] for d in diagnostics) == ["CTX001", "CTX002"]
        assert snapshot(root)["app/routes/message.py"] == text.encode()  # the server never writes


def test_quick_fix_under_the_cursor_on_an_unsaved_buffer(tmp_path: Path) -> None:
    root = project(new_dir(tmp_path / "p"), {"message.py": "x = 1\n"})
    route = root / "app/routes/message.py"
    with LspClient([root], initialization_options=FAST) as lsp:
        assert lsp.open(route) == []
        # the legacy route exists only in the editor's buffer
        diagnostics = lsp.change(route, ROUTE_BEFORE, version=2)
        ctx002 = next(d for d in diagnostics if d["code"] == "CTX002")
        # the lightbulb's automatic request gets the quick fix, not the (costly) fix-all
        automatic = code_actions(lsp, route, ctx002["range"], [ctx002], automatic=True)
        assert [a["kind"] for a in automatic] == ["quickfix"]
        actions = code_actions(lsp, route, ctx002["range"], [ctx002])
        assert sorted(a["kind"] for a in actions) == ["quickfix", "source.fixAll.ctxsep"]  # asked by the user
        quick = [a for a in actions if a["kind"] == "quickfix"]
        assert len(quick) == 1
        assert quick[0]["title"].startswith(
            "Replace the legacy constructor with `await get_request_scoped_user_context"
        )
        assert quick[0]["isPreferred"] is True
        assert {d["code"] for d in quick[0]["diagnostics"]} >= {"CTX002"}
        after = apply_workspace_edit(quick[0]["edit"], {route.as_uri(): ROUTE_BEFORE})[route.as_uri()]
        assert after == ROUTE_AFTER
        # nothing to fix on the docstring line
        top = {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}}
        assert [a for a in code_actions(lsp, route, top, []) if a["kind"] == "quickfix"] == []


def test_unsafe_multi_file_fix_is_labelled_and_one_workspace_edit(tmp_path: Path) -> None:
    root = session_project(new_dir(tmp_path / "p"))
    profiles = root / "app/profiles.py"
    expected = fixed_copy(root, tmp_path, "--unsafe-fixes")
    with LspClient([root], initialization_options=FAST) as lsp:
        diagnostics = lsp.open(profiles)
        ctx005 = next(d for d in diagnostics if d["code"] == "CTX005")
        quick = [a for a in code_actions(lsp, profiles, ctx005["range"], [ctx005]) if a["kind"] == "quickfix"]
        assert len(quick) == 1
        action = quick[0]
        assert action["title"].endswith("(unsafe: may change behaviour)")
        assert action["isPreferred"] is False
        changes = apply_workspace_edit(action["edit"], {})
        names = {Path(uri.removeprefix("file://")).relative_to(root).as_posix() for uri in changes}
        assert names == {"app/profiles.py", "app/routes.py", "app/legacy/old.py"}
        for uri, text in changes.items():
            name = Path(uri.removeprefix("file://")).relative_to(root)
            assert text == (expected / name).read_text(encoding="utf-8"), name
        # unsafe fixes are not in fix-all, as `ctxsep fix` without --unsafe-fixes
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 0}}
        assert code_actions(lsp, profiles, whole, [], only=["source.fixAll.ctxsep"]) == []
