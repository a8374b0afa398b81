"""The server's check frees its own garbage and leaves the collector as it
found it (``lint.young_garbage``): a check of a real buffer, in process.

The engine's tree and scopes hold reference cycles; the server pauses the
automatic collector during a check (so they are not promoted into the old
generation, which only a full collection over the whole server heap frees)
and collects the youngest generation after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pygls")
from ctxsep.server.lint import Linter, young_garbage

SOURCE = """\
from app.context import create_user_execution_context


async def get_user(user_id: str, db):
    ctx = create_user_execution_context(user_id=user_id, db_session=db)
    return ctx


class Service:
    def run(self, ctx):
        ctx.db_session = None
        return [ctx for _ in range(3)]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.ctxsep]\ndefault-phase = "migrated"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "routes.py").write_text(SOURCE)
    return tmp_path


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_check_leaves_no_cyclic_garbage_and_the_collector_running(project: Path, collector: None) -> None:
    linter = Linter([project])
    path = project / "app" / "routes.py"
    linter.lint(path, SOURCE)  # settings, baseline and caches settle
    gc.enable()
    gc.collect()
    edited = SOURCE * 60  # ~800 lines: unpaused, the collector would run many times during the check
    runs: list[tuple[int, int]] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            runs.append((info["generation"], info["collected"]))

    gc.callbacks.append(record)
    try:
        result = linter.lint(path, edited)
    finally:
        gc.callbacks.remove(record)
    assert gc.isenabled()
    assert len([f for f in result.findings if f.code == "CTX001"]) == 60
    # one collection, of the youngest generation, after the check: it frees the tree's and scopes' cycles
    assert len(runs) == 1 and runs[0][0] == 0 and runs[0][1] > 1000, runs
    assert gc.collect() == 0  # nothing of the check's was promoted to wait for a full collection


def test_the_pause_restores_the_collector_when_the_body_raises(collector: None) -> None:
    gc.enable()
    with pytest.raises(RuntimeError), young_garbage():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_or_already_paused_leaves_the_collector_to_its_owner(collector: None) -> None:
    gc.enable()
    with young_garbage():
        with young_garbage():
            pass
        assert not gc.isenabled()  # the inner one did not resume it early
    assert gc.isenabled()
    gc.disable()
    with young_garbage():
        pass
    assert not gc.isenabled()  # a caller that runs without the collector keeps it that way


def test_a_pull_resumes_the_collector_once_the_answer_is_out(project: Path, collector: None) -> None:
    import asyncio

    from lsprotocol import types

    from ctxsep.server.app import create_server

    server = create_server()
    uri = (project / "app" / "routes.py").as_uri()
    params = types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=project.as_uri())
    next(server.protocol.lsp_initialize(params))  # pygls sets up the workspace up to the server's own handler
    server.configure(params)
    server.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=SOURCE))
    server.pull = True
    gc.enable()

    async def pull() -> None:
        diagnostics = server.pulled(uri)
        assert {d.code for d in diagnostics} >= {"CTX001"}
        assert not gc.isenabled()  # still paused while pygls writes the answer
        await asyncio.sleep(0)
        assert gc.isenabled()

    asyncio.run(pull())
    server.checked.clear()
    assert server.pulled(uri) and gc.isenabled()  # no loop: collected at once
