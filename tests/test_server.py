"""``ctxsep server`` end to end: the real server process, spoken to over stdio.

Each test builds a real project (a git repo with a pyproject.toml and a
phase map), starts ``python -m ctxsep server`` and reads what an editor
would see. "Same as the CLI" is checked against a real ``ctxsep check
--format json`` subprocess on the same files and config.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pygls")
from lsp_client import LspClient
from support import write_tree

FAST = {"debounceMs": 0, "pollIntervalMs": 0}
SEVERITY = {1: "error", 2: "warn", 3: "info"}

PYPROJECT = """\
[tool.ctxsep]
default-phase = "migrated"

[tool.ctxsep.phases]
"legacy" = "legacy"
"app/services" = "transitional"
"""

ROUTE = """\
from app.context import create_user_execution_context, RequestScopedContext


async def get_user(user_id: str, db):
    ctx = create_user_execution_context(user_id=user_id, thread_id="t", db_session=db)
    return ctx.db_session


async def process(context: RequestScopedContext):
    return context.db_session
"""

CLEAN = """\
from app.context import get_request_scoped_user_context


async def get_user(user_id: str, db):
    context = await get_request_scoped_user_context(user_id=user_id, thread_id="t")
    return context, db
"""


def make_project(root: Path, files: dict[str, str] | None = None, pyproject: str = PYPROJECT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return write_tree(root, {"pyproject.toml": pyproject, **(files or {})})  # a git root: discovery stops there


def ctxsep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ctxsep", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "CTXSEP_NO_CACHE": "1"},
        check=False,
    )


def check_json(root: Path, *paths: str) -> list[tuple[str, int, int, str, str, str]]:
    done = ctxsep("check", "--format", "json", *paths, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    return sorted(
        (f["path"], f["line"], f["column"], f["code"], f["severity"], f["message"])
        for f in json.loads(done.stdout)["findings"]
    )


def as_rows(rel: str, diagnostics: list[dict]) -> list[tuple[str, int, int, str, str, str]]:
    return sorted(
        (
            rel,
            d["range"]["start"]["line"] + 1,
            d["range"]["start"]["character"] + 1,
            d["code"],
            SEVERITY[d["severity"]],
            d["message"],
        )
        for d in diagnostics
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture
def project(workspace: Path, request: pytest.FixtureRequest) -> Path:
    return make_project(
        workspace / request.node.name,
        {
            "app/routes/users.py": ROUTE,
            "app/services/users.py": ROUTE,
            "legacy/users.py": ROUTE,
            "app/routes/clean.py": CLEAN,
        },
    )


@pytest.fixture(scope="module")
def client(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    """One server for the tests that only open their own project's files."""
    # It runs from an unrelated directory whose config says `final`: the
    # phase must come from each document's path, never from the cwd.
    elsewhere = make_project(tmp_path_factory.mktemp("elsewhere"), pyproject='[tool.ctxsep]\ndefault-phase = "final"\n')
    with LspClient([workspace], cwd=elsewhere, initialization_options=FAST) as lsp:
        yield lsp


def test_diagnostics_equal_check_json_with_baseline_and_suppression(project: Path, client: LspClient) -> None:
    # Record today's debt, then add a new finding and a suppressed one: the
    # baseline hides the old findings and the comment hides its line, in
    # the server exactly as in `ctxsep check`.
    assert ctxsep("baseline", "create", cwd=project).returncode == 0
    route = project / "app/routes/users.py"
    route.write_text(
        ROUTE
        + "\n\nasync def more(db):\n"
        + '    a = create_user_execution_context(user_id="u", thread_id="t")\n'
        + '    b = create_user_execution_context(user_id="u", thread_id="t")  # ctxsep: ignore[CTX002]\n'
        + "    return a, b\n",
        encoding="utf-8",
    )
    expected = check_json(project, "app/routes/users.py", "app/services/users.py", "legacy/users.py")
    assert [row[3] for row in expected] == ["CTX002"], expected  # the baseline and the comment did hide
    got = []
    for rel in ("app/routes/users.py", "app/services/users.py", "legacy/users.py"):
        got += as_rows(rel, client.open(project / rel))
    assert sorted(got) == expected


def test_diagnostics_equal_check_json_per_phase(project: Path, client: LspClient) -> None:
    files = ("app/routes/users.py", "app/services/users.py", "legacy/users.py", "app/routes/clean.py")
    expected = check_json(project, *files)
    assert {row[0] for row in expected} == set(files[:3])
    for rel in files:
        assert as_rows(rel, client.open(project / rel)) == [row for row in expected if row[0] == rel], rel


def test_legacy_directory_gets_only_what_legacy_allows(project: Path, client: LspClient) -> None:
    legacy = client.open(project / "legacy/users.py")
    migrated = client.open(project / "app/routes/users.py")
    assert [(d["code"], d["severity"]) for d in legacy] == [("CTX003", 2)]  # warn; CTX001/2/5 are off
    assert sorted(d["code"] for d in migrated) == ["CTX001", "CTX002", "CTX003", "CTX005"]
    assert {d["severity"] for d in migrated} == {1}
    ctx003 = next(d for d in migrated if d["code"] == "CTX003")
    assert ctx003["codeDescription"]["href"].endswith("/docs/rules/CTX003.md")
    assert ctx003["source"] == "ctxsep"
    assert ctx003["range"] == {"start": {"line": 8, "character": 0}, "end": {"line": 8, "character": 17}}


def test_unsaved_edit_is_linted_and_close_clears(project: Path, client: LspClient) -> None:
    path = project / "app/routes/clean.py"
    assert client.open(path) == []
    edited = CLEAN + "\n\ndef legacy_again(db):\n    return create_user_execution_context(user_id='u', db_session=db)\n"
    diagnostics = client.change(path, edited, version=2)
    assert sorted((d["code"], d["range"]["start"]["line"]) for d in diagnostics) == [("CTX001", 9), ("CTX002", 9)]
    assert path.read_text(encoding="utf-8") == CLEAN  # linted from the buffer, not the disk
    # as editors send edits: incremental ranges (here: drop the session keyword)
    line = edited.splitlines()[9]
    start = line.index(", db_session=db")
    mark = client.mark()
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": path.as_uri(), "version": 3},
            "contentChanges": [
                {
                    "range": {
                        "start": {"line": 9, "character": start},
                        "end": {"line": 9, "character": start + len(", db_session=db")},
                    },
                    "text": "",
                }
            ],
        },
    )
    assert [d["code"] for d in client.diagnostics(path.as_uri(), mark)] == ["CTX002"]
    mark = client.mark()
    client.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
    assert client.diagnostics(path.as_uri(), mark) == []


def test_debounced_changes_are_linted_once_with_the_last_text_and_shutdown_is_clean(project: Path) -> None:
    path = project / "app/routes/clean.py"
    with LspClient([project], initialization_options={"debounceMs": 600, "pollIntervalMs": 50}) as lsp:
        assert lsp.open(path) == []
        mark = lsp.mark()
        for version in range(2, 6):  # typing: four changes inside the quiet time
            text = CLEAN + "\nx = create_user_execution_context\n" * (version - 1)
            lsp.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": path.as_uri(), "version": version}, "contentChanges": [{"text": text}]},
            )
        message = lsp.wait_for("textDocument/publishDiagnostics", mark, path.as_uri())
        assert message["params"]["version"] == 5
        assert len(message["params"]["diagnostics"]) == 4
        published = [m for m in lsp.notifications[mark:] if m["method"] == "textDocument/publishDiagnostics"]
        assert len(published) == 1
        # and a clean shutdown: exit status 0, nothing on stderr
        assert lsp.shutdown() == 0
        assert lsp.process.stderr is not None
        assert lsp.process.stderr.read() == b""


def test_hover_names_rule_phase_key_and_config(project: Path, client: LspClient) -> None:
    path = project / "app/services/users.py"
    diagnostics = client.open(path)
    ctx002 = next(d for d in diagnostics if d["code"] == "CTX002")
    start = ctx002["range"]["start"]
    hover = client.hover(path, start["line"], start["character"] + 3)
    text = hover["contents"]["value"]
    assert hover["contents"]["kind"] == "markdown"
    assert "**CTX002** `legacy-context-constructor`: warn in phase transitional" in text
    assert f"config: `{project / 'pyproject.toml'}`" in text
    assert "phase: **transitional**, from the key `'app/services'` in [tool.ctxsep.phases]" in text
    assert "CTX002 is **warn** here: the default for transitional" in text
    assert "### What it does" in text  # the rule's page
    assert "Tested examples" not in text and "](../" not in text  # without its examples; links absolute
    assert client.hover(path, 0, 0) is None  # no finding there


def test_hover_names_a_severity_override(workspace: Path, client: LspClient) -> None:
    root = make_project(
        workspace / "override",
        {"app/routes/users.py": ROUTE},
        pyproject=PYPROJECT + '\n[tool.ctxsep.severity.migrated]\nCTX005 = "warn"\n',
    )
    path = root / "app/routes/users.py"
    ctx005 = next(d for d in client.open(path) if d["code"] == "CTX005")
    assert ctx005["severity"] == 2
    start = ctx005["range"]["start"]
    text = client.hover(path, start["line"], start["character"])["contents"]["value"]
    assert "CTX005 is **warn** here: [tool.ctxsep.severity.migrated] overrides the default error" in text
    assert "phase: **migrated**, from the config's `default-phase`" in text


def test_invalid_toml_is_shown_at_its_line(workspace: Path, client: LspClient) -> None:
    broken = '[tool.ctxsep]\ndefault-phase = "legacy"\nbaseline = \n'
    root = make_project(workspace / "bad-toml", {"app/users.py": ROUTE}, pyproject=broken)
    mark = client.mark()
    assert client.open(root / "app/users.py") == []
    (problem,) = client.diagnostics((root / "pyproject.toml").as_uri(), mark)
    assert problem["message"].startswith("ctxsep config error: invalid TOML")
    assert problem["range"]["start"]["line"] == 2


def test_broken_baseline_is_shown_on_the_baseline_file(workspace: Path, client: LspClient) -> None:
    root = make_project(
        workspace / "broken-baseline", {"app/routes/users.py": ROUTE, "ctxsep-baseline.json": "{\n  not json\n"}
    )
    mark = client.mark()
    assert client.open(root / "app/routes/users.py") == []
    (problem,) = client.diagnostics((root / "ctxsep-baseline.json").as_uri(), mark)
    assert "not valid JSON" in problem["message"]
    assert problem["range"]["start"]["line"] == 1


def test_syntax_error_is_one_not_checked_diagnostic(project: Path, client: LspClient) -> None:
    path = project / "app/routes/clean.py"
    client.open(path)
    broken = client.change(path, "x = create_user_execution_context(\ndef (:\n", version=2)
    assert len(broken) == 1
    assert broken[0]["code"] == "CTX900"
    assert "not checked" in broken[0]["message"] and "syntax error" in broken[0]["message"]
    # the server is still there, and checks the repaired buffer
    repaired = client.change(path, "x = create_user_execution_context\n", version=3)
    assert [d["code"] for d in repaired] == ["CTX002"]


def test_non_ascii_columns_are_utf16(project: Path, client: LspClient) -> None:
    path = project / "app/routes/emoji.py"
    text = 'label = "😋é"; x = create_user_execution_context\n'
    path.write_text(text, encoding="utf-8")
    (diagnostic,) = client.open(path, text)
    # 18 characters before the name; "😋" is 2 UTF-16 units (4 bytes), "é" one (2 bytes)
    assert diagnostic["range"]["start"] == {"line": 0, "character": 19}
    assert check_json(project, "app/routes/emoji.py")[0][2] == 23  # the CLI's 1-based byte column


def test_bad_initialization_options_are_named_on_stderr_and_the_defaults_apply(project: Path) -> None:
    path = project / "app/routes/users.py"
    bad = {"debounceMs": "fast", "pollIntervalMs": -5, "pullDiagnostics": "yes"}
    with LspClient([project], initialization_options=bad) as lsp:
        assert len(lsp.open(path)) == 4  # the server works, with the defaults
        assert lsp.shutdown() == 0
        assert lsp.process.stderr is not None
        stderr = lsp.process.stderr.read().decode()
    assert "initialization option debounceMs: 'fast' is not a number of milliseconds >= 0; using 30" in stderr
    assert "initialization option pollIntervalMs: -5 is not a number of milliseconds >= 0; using 1000" in stderr
    assert "initialization option pullDiagnostics: 'yes' is not true or false; using false" in stderr
    assert "Traceback" not in stderr
