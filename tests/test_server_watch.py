"""``ctxsep server`` and the files around the buffer: config, baseline and
vocabulary edits without a restart, broken configs, multi-root workspaces.
Real server processes over stdio, real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
from lsp_client import LspClient
from test_server import FAST, PYPROJECT, ROUTE, as_rows, check_json, ctxsep, make_project

WATCHING = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}


def codes(diagnostics: list[dict]) -> list[tuple[str, int]]:
    return sorted((d["code"], d["severity"]) for d in diagnostics)


def changed(lsp: LspClient, *paths: Path) -> None:
    """What an editor's file watcher sends (2 = Changed)."""
    lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": p.as_uri(), "type": 2} for p in paths]})


def test_config_baseline_and_vocabulary_edits_apply_without_restart(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/routes/users.py": ROUTE})
    path = root / "app/routes/users.py"
    pyproject = root / "pyproject.toml"
    with LspClient([root], initialization_options=FAST, capabilities=WATCHING) as lsp:
        assert codes(lsp.open(path)) == [("CTX001", 1), ("CTX002", 1), ("CTX003", 1), ("CTX005", 1)]
        # the server asked (before those diagnostics) to be told about config and baseline files
        (registration,) = [r for r in lsp.server_requests if r["method"] == "client/registerCapability"]
        watchers = registration["params"]["registrations"][0]["registerOptions"]["watchers"]
        assert {"**/pyproject.toml", "**/ctxsep.toml"} <= {w["globPattern"] for w in watchers}

        # phase map: the routes become legacy
        mark = lsp.mark()
        pyproject.write_text(PYPROJECT + '"app/routes" = "legacy"\n', encoding="utf-8")
        changed(lsp, pyproject)
        assert codes(lsp.diagnostics(path.as_uri(), mark)) == [("CTX003", 2)]

        # vocabulary: a second legacy constructor name (in the final phase, where CTX002 is an error)
        mark = lsp.mark()
        pyproject.write_text(
            PYPROJECT
            + '"app/routes" = "final"\n\n[tool.ctxsep.names]\nextend-legacy-constructors = ["make_legacy_context"]\n',
            encoding="utf-8",
        )
        changed(lsp, pyproject)
        before = codes(lsp.diagnostics(path.as_uri(), mark))
        assert ("CTX007", 1) in before  # final: the import of legacy names is reported
        mark = lsp.mark()
        lsp.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": path.as_uri(), "version": 2},
                "contentChanges": [{"text": ROUTE + "\nx = make_legacy_context()\n"}],
            },
        )
        after = codes(lsp.diagnostics(path.as_uri(), mark))
        assert after.count(("CTX002", 1)) == before.count(("CTX002", 1)) + 1

        # baseline: recording the file's debt (on disk) hides it in the editor
        path.write_text(ROUTE + "\nx = make_legacy_context()\n", encoding="utf-8")
        assert ctxsep("baseline", "create", cwd=root).returncode == 0
        mark = lsp.mark()
        changed(lsp, root / "ctxsep-baseline.json")
        assert lsp.diagnostics(path.as_uri(), mark) == []


def test_edits_seen_by_polling_when_the_client_does_not_watch(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/routes/users.py": ROUTE})
    path = root / "app/routes/users.py"
    with LspClient([root], initialization_options={"debounceMs": 0, "pollIntervalMs": 100}) as lsp:
        assert len(lsp.open(path)) == 4
        assert not [r for r in lsp.server_requests if r["method"] == "client/registerCapability"]
        # a new, nearer config appears: no event, the poll notices
        mark = lsp.mark()
        (root / "app/routes/ctxsep.toml").write_text('default-phase = "legacy"\n', encoding="utf-8")
        assert codes(lsp.diagnostics(path.as_uri(), mark, timeout=10)) == [("CTX003", 2)]


def test_config_error_is_shown_once_on_the_config_file_and_fixed_without_restart(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/routes/users.py": ROUTE, "app/routes/other.py": ROUTE})
    pyproject = root / "pyproject.toml"
    pyproject.write_text(PYPROJECT + '"app/routes" = "migratd"\n', encoding="utf-8")
    with LspClient([root], initialization_options=FAST) as lsp:
        mark = lsp.mark()
        assert lsp.open(root / "app/routes/users.py") == []
        assert lsp.open(root / "app/routes/other.py") == []
        on_config = lsp.diagnostics(pyproject.as_uri(), mark)
        assert len(on_config) == 1
        problem = on_config[0]
        assert problem["severity"] == 1 and problem["code"] == "CTX901"
        assert "[tool.ctxsep.phases] 'app/routes'" in problem["message"]
        assert "did you mean 'migrated'" in problem["message"]
        key_line = pyproject.read_text(encoding="utf-8").splitlines().index('"app/routes" = "migratd"')
        assert problem["range"]["start"]["line"] == key_line  # on the key, not the top of the file
        messages = [m for m in lsp.notifications[mark:] if m["method"] == "window/showMessage"]
        assert len(messages) == 1  # once, not once per document
        assert messages[0]["params"]["type"] == 1 and "migratd" in messages[0]["params"]["message"]
        config_publishes = [
            m
            for m in lsp.notifications[mark:]
            if m["method"] == "textDocument/publishDiagnostics" and m["params"]["uri"] == pyproject.as_uri()
        ]
        assert len(config_publishes) == 1

        mark = lsp.mark()
        pyproject.write_text(PYPROJECT + '"app/routes" = "migrated"\n', encoding="utf-8")
        changed(lsp, pyproject)
        assert lsp.diagnostics(pyproject.as_uri(), mark) == []  # cleared
        assert len(lsp.diagnostics((root / "app/routes/users.py").as_uri(), mark)) == 4
        assert lsp.shutdown() == 0


def test_multi_root_workspace_each_root_has_its_own_config(tmp_path: Path) -> None:
    legacy_root = make_project(
        tmp_path / "old", {"svc/users.py": ROUTE}, pyproject='[tool.ctxsep]\ndefault-phase = "legacy"\n'
    )
    final_root = make_project(
        tmp_path / "new",
        {"svc/users.py": ROUTE, "gen/users.py": ROUTE},
        pyproject='[tool.ctxsep]\ndefault-phase = "final"\nexclude = ["gen/"]\n',
    )
    bare_root = tmp_path / "bare"  # no config at all: the built-in default, migrated
    (bare_root / "svc").mkdir(parents=True)
    (bare_root / ".git").mkdir()
    (bare_root / "svc/users.py").write_text(ROUTE, encoding="utf-8")
    (bare_root / "svc/other.py").write_text(ROUTE, encoding="utf-8")
    # without a config, `ctxsep check` run in the folder uses the folder's baseline
    assert ctxsep("baseline", "create", "svc/other.py", cwd=bare_root).returncode == 0
    with LspClient([legacy_root, final_root, bare_root], cwd=tmp_path, initialization_options=FAST) as lsp:
        assert codes(lsp.open(legacy_root / "svc/users.py")) == [("CTX003", 2)]
        final = codes(lsp.open(final_root / "svc/users.py"))
        assert ("CTX007", 1) in final and ("CTX002", 1) in final
        assert lsp.open(final_root / "gen/users.py") == []  # excluded, as `ctxsep check` excludes it
        bare = codes(lsp.open(bare_root / "svc/users.py"))
        assert bare == [("CTX001", 1), ("CTX002", 1), ("CTX003", 1), ("CTX005", 1)]
        other = bare_root / "svc/other.py"
        assert lsp.open(other) == []  # hidden by the folder's baseline
        # the folder leaves the workspace: its files are checked as from their own directory
        mark = lsp.mark()
        lsp.notify(
            "workspace/didChangeWorkspaceFolders",
            {"event": {"added": [], "removed": [{"uri": bare_root.as_uri(), "name": "bare"}]}},
        )
        assert len(lsp.diagnostics(other.as_uri(), mark)) == 4
        hover = lsp.hover(legacy_root / "svc/users.py", 8, 0)["contents"]["value"]
        assert f"config: `{legacy_root / 'pyproject.toml'}`" in hover and "phase: **legacy**" in hover


def test_server_without_pygls_says_what_to_install(tmp_path: Path) -> None:
    blocked = "import sys; sys.modules['pygls'] = None; from ctxsep.cli import main; sys.exit(main(['server']))"
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "pip install 'ctxsep[server]'" in done.stderr and "Traceback" not in done.stderr


def test_a_client_that_pulls_gets_the_same_diagnostics_and_is_asked_to_pull_again(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"app/routes/users.py": ROUTE, "legacy/users.py": ROUTE})
    path = root / "app/routes/users.py"
    pulling = {
        "textDocument": {"diagnostic": {"dynamicRegistration": False}},
        "workspace": {"diagnostics": {"refreshSupport": True}},
    }
    with LspClient([root], initialization_options=FAST, capabilities=pulling) as lsp:
        assert lsp.initialize_result["capabilities"]["diagnosticProvider"]["identifier"] == "ctxsep"
        lsp.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": path.as_uri(), "languageId": "python", "version": 1, "text": ROUTE}},
        )

        def pull() -> list[dict]:
            report = lsp.request("textDocument/diagnostic", {"textDocument": {"uri": path.as_uri()}})
            assert report["kind"] == "full"
            return list(report["items"])

        pulled = pull()
        assert as_rows("app/routes/users.py", pulled) == check_json(root, "app/routes/users.py")
        requests = len(lsp.server_requests)
        pyproject = root / "pyproject.toml"
        pyproject.write_text(PYPROJECT + '"app/routes" = "legacy"\n', encoding="utf-8")
        changed(lsp, pyproject)
        lsp.wait_for_request("workspace/diagnostic/refresh", requests)
        assert codes(pull()) == [("CTX003", 2)]
        # nothing was pushed for the document: a pulling client would show it twice
        assert not [
            m
            for m in lsp.notifications
            if m["method"] == "textDocument/publishDiagnostics" and m["params"]["uri"] == path.as_uri()
        ]
