"""The mypy plugin's switches: phases, mypy's and ctxsep's suppression, the
baseline, broken configs, exit codes — each through a real mypy run."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import mypy.version
import pytest
from mypy_project import CALL_LINES, CALLS, check, found, project
from support import MypyMessage, assert_mypy_ok, mypy_run, parse_mypy, run

from ctxsep.atomic import write_atomic
from ctxsep.baseline import Entry, dumps
from ctxsep.engine import fingerprint
from ctxsep.model import Phase

pytestmark = pytest.mark.slow


def test_the_phase_decides_note_error_or_nothing(tmp_path: Path) -> None:
    """The same code in three directories of different phases."""
    files = {f"app/{zone}/__init__.py": "" for zone in ("old", "bridge", "new")}
    files |= {f"app/{zone}/calls.py": CALLS for zone in ("old", "bridge", "new")}
    root = project(tmp_path, files, phases={"app/old": "legacy", "app/bridge": "transitional", "app/new": "migrated"})
    messages = check(root)
    ctx006, ctx002, ctx004 = CALL_LINES["CTX006"], CALL_LINES["CTX002"], CALL_LINES["CTX004"]
    assert found(messages, "app/old/calls.py") == [(ctx006, "CTX006", "note")]  # CTX002/CTX004 are off
    assert found(messages, "app/bridge/calls.py") == [
        (ctx006, "CTX006", "error"),
        (ctx002, "CTX002", "note"),
        (ctx004, "CTX004", "note"),
    ]
    assert found(messages, "app/new/calls.py") == [
        (ctx006, "CTX006", "error"),
        (ctx002, "CTX002", "error"),
        (ctx004, "CTX004", "error"),
    ]


def test_severity_overrides_apply(tmp_path: Path) -> None:
    extra = '[tool.ctxsep.severity.migrated]\nCTX006 = "warn"\nCTX004 = "off"\n'
    root = project(tmp_path, {"app/calls.py": CALLS}, extra=extra)
    assert found(check(root)) == [(CALL_LINES["CTX006"], "CTX006", "note"), (CALL_LINES["CTX002"], "CTX002", "error")]


def test_notes_alone_let_mypy_pass(tmp_path: Path) -> None:
    """Text output (mypy's JSON output exits 1 on any message, notes too)."""
    root = project(tmp_path, {"app/calls.py": CALLS}, default="legacy")
    proc = run([sys.executable, "-m", "mypy", "--no-incremental", f"--cache-dir={os.devnull}", "app"], root)
    assert proc.returncode == 0, proc.stdout
    assert "app/calls.py:5: note: CTX006 'process' called with a RequestScopedContext and no 'db'" in proc.stdout
    assert proc.stdout.rstrip().endswith("Success: no issues found in 5 source files")


SUPPRESSED = """
    from app.services import make_ctx, process, scoped


    def handler() -> None:
        process(scoped("u"))  # type: ignore[ctx-dual-pattern-call]
        make_ctx("u")  # ctxsep: ignore[CTX002]
        make_ctx("v")  # ctxsep: ignore[legacy-context-constructor]
        scoped("u").tags.append("x")  # ctxsep: ignore
        process(scoped("w"))  # type: ignore[misc]
        make_ctx("w")  # type: ignore
"""


def test_mypy_and_ctxsep_suppression_comments(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/calls.py": SUPPRESSED})
    messages = check(root)
    assert found(messages) == [(9, "CTX006", "error")], "[misc] does not cover a ctxsep code"
    unused = [m for m in messages if m.code == "unused-ignore"]
    assert [m.line for m in unused] == [9], "only the wrong code is an unused ignore"


MYPY_VERSION = tuple(int(part) for part in mypy.version.__version__.split("+")[0].split(".")[:2])


@pytest.mark.skipif(
    MYPY_VERSION < (1, 19), reason="mypy < 1.19 validates error codes before loading plugins (python/mypy#19719)"
)
def test_disable_error_code(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/calls.py": CALLS})
    disabled = ("--disable-error-code", "ctx-dual-pattern-call", "--disable-error-code", "ctx-context-mutation")
    messages = check(root, *disabled)
    assert found(messages) == [(CALL_LINES["CTX002"], "CTX002", "error")]
    # notes too (a transitional phase makes CTX002 a note)
    root2 = project(tmp_path / "t", {"app/calls.py": CALLS}, default="transitional")
    assert (CALL_LINES["CTX002"], "CTX002", "note") in found(check(root2))
    assert not [m for m in check(root2, "--disable-error-code", "ctx-legacy-context-constructor") if m.rule == "CTX002"]


def test_inline_disable_error_code_works_on_every_supported_mypy(tmp_path: Path) -> None:
    inline = '# mypy: disable-error-code="ctx-dual-pattern-call"\n' + textwrap.dedent(CALLS)
    root = project(tmp_path, {"app/calls.py": inline})
    assert [code for _, code, _ in found(check(root))] == ["CTX002", "CTX004"]


def test_an_unknown_ctx_code_is_mypys_usage_error(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/calls.py": CALLS})
    proc = mypy_run(["app"], root, "--disable-error-code", "ctx-no-such-rule")
    assert proc.returncode == 2 and "ctx-no-such-rule" in proc.stderr


# -- the baseline ----------------------------------------------------------------------


def _record(root: Path, entries: list[Entry]) -> None:
    write_atomic(root / "ctxsep-baseline.json", dumps(entries))


def test_the_baseline_hides_type_only_findings_until_promotion(tmp_path: Path) -> None:
    """An entry with the engine's identity (path, code, enclosing scope,
    fingerprint of the flagged source) hides the mypy plugin's finding, also
    after its line moved; promoting the directory un-hides it."""
    root = project(tmp_path, {"app/calls.py": CALLS}, phases={"app": "migrated"})
    entry = Entry("app/calls.py", "CTX002", "handler", fingerprint("make_ctx('u')"), 1, Phase.MIGRATED)
    _record(root, [entry])
    assert [code for _, code, _ in found(check(root))] == ["CTX006", "CTX004"]
    moved = "\n# a comment above\n\n" + textwrap.dedent(CALLS)
    (root / "app/calls.py").write_text(moved, encoding="utf-8")
    assert [code for _, code, _ in found(check(root))] == ["CTX006", "CTX004"]
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('"app" = "migrated"', '"app" = "final"'), encoding="utf-8"
    )
    assert "CTX002" in [code for _, code, _ in found(check(root))]


def test_a_baselined_ast_finding_is_not_resurfaced_by_mypy(tmp_path: Path) -> None:
    """A legacy constructor called by name is the AST engine's finding; once
    baselined (``ctxsep baseline create``) no front end shows it, mypy included."""
    from support import ctxsep_cli

    by_name = """
        from app.context import create_user_execution_context


        def handler() -> None:
            create_user_execution_context("u")
    """
    root = project(tmp_path, {"app/calls.py": by_name})
    code, out, err = ctxsep_cli(root, "baseline", "create")
    assert code == 0, out + err
    assert json.loads((root / "ctxsep-baseline.json").read_text())["entries"]
    assert found(check(root)) == []


# -- broken config ----------------------------------------------------------------------


def test_a_broken_config_is_one_error_per_problem(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/calls.py": CALLS, "app/more.py": CALLS}, phases={"app": "transitionl"})
    messages = check(root)
    config_errors = [m for m in messages if m.code == "ctx-config-error"]
    assert len(config_errors) == 1, config_errors
    assert config_errors[0].text.startswith("CTX901 ctxsep config error:") and "transitionl" in config_errors[0].text
    assert not [m for m in messages if m.code and m.code.startswith("ctx-") and m.code != "ctx-config-error"]


def test_a_broken_baseline_is_a_config_error(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/calls.py": CALLS})
    (root / "ctxsep-baseline.json").write_text("{not json", encoding="utf-8")
    messages = check(root)
    assert [m.code for m in messages if m.code and m.code.startswith("ctx-")] == ["ctx-config-error"]


#: The first case in an expression mypy checks speculatively first (``await``
#: of a call in a ``return``): errors reported there are thrown away.
AWAITED = """
    from app.context import RequestScopedContext
    from app.services import process


    async def run(context: RequestScopedContext) -> None:
        return await wrapped(context)


    async def wrapped(context: RequestScopedContext) -> None:
        return process(context)
"""


def test_a_broken_baseline_is_reported_even_when_first_met_speculatively(tmp_path: Path) -> None:
    """mypy throws away errors raised while it checks an expression
    speculatively; the config error must still reach the user once."""
    root = project(tmp_path, {"app/awaited.py": AWAITED})
    good = [code for _, code, _ in found(check(root))]
    assert good == ["CTX006"], "the fixture must reach the plugin"
    (root / "ctxsep-baseline.json").write_text("<<<<<<< HEAD\n", encoding="utf-8")
    messages = check(root)
    assert [m.code for m in messages if m.code and m.code.startswith("ctx-")] == ["ctx-config-error"]


def test_dotted_vocabulary_names_are_definitions(tmp_path: Path) -> None:
    """A dotted name matches the class where mypy sees it defined."""
    extra = '[tool.ctxsep.names]\nrequest-scoped-context-types = ["app.context.RequestScopedContext"]\n'
    root = project(tmp_path, {"app/calls.py": CALLS}, extra=extra)
    assert [code for _, code, _ in found(check(root))] == ["CTX006", "CTX002", "CTX004"]
    other = extra.replace("app.context.RequestScopedContext", "elsewhere.RequestScopedContext")
    root2 = project(tmp_path / "other", {"app/calls.py": CALLS}, extra=other)
    assert [code for _, code, _ in found(check(root2))] == ["CTX002"]


def test_a_mypy_config_outside_the_project_uses_the_projects_names(tmp_path: Path) -> None:
    """With mypy's config file where no ctxsep config governs (a shared one
    in another directory), the names come from the working directory's
    config, as the phases do: not from the defaults."""
    extra = '[tool.ctxsep.names]\nrequest-scoped-context-types = ["elsewhere.RequestScopedContext"]\n'
    root = project(tmp_path / "project", {"app/calls.py": CALLS}, extra=extra)
    shared = tmp_path / "shared" / "mypy.ini"
    shared.parent.mkdir()
    shared.write_text("[mypy]\nplugins = mypy_ctxsep\n", encoding="utf-8")
    inside = [code for _, code, _ in found(check(root))]
    outside = [code for _, code, _ in found(check(root, f"--config-file={shared}"))]
    assert inside == outside == ["CTX002"], "the default names would make RequestScopedContext a context"


def test_mypy_dash_c_has_no_file_but_works(tmp_path: Path) -> None:
    root = project(tmp_path, {})
    program = "from app.services import make_ctx\nmake_ctx('u')\n"
    proc = mypy_run([], root, "-c", program)
    assert_mypy_ok(proc)
    assert [(m.line, m.rule) for m in parse_mypy(proc.stdout) if m.is_ctxsep] == [(2, "CTX002")]


def test_an_editors_shadow_file_is_what_the_plugin_reads(tmp_path: Path) -> None:
    """Editors check an unsaved buffer with ``--shadow-file SRC SHADOW``:
    suppressions and keyword positions come from the buffer."""
    root = project(tmp_path, {"app/calls.py": CALLS})
    buffer = tmp_path / "buffer.py"
    edited = textwrap.dedent(CALLS).replace('make_ctx("u")', 'make_ctx("u")  # ctxsep: ignore[CTX002]')
    buffer.write_text(edited, encoding="utf-8")
    assert "CTX002" in [code for _, code, _ in found(check(root))]
    shadowed = check(root, "--shadow-file", "app/calls.py", str(buffer))
    assert "CTX002" not in [code for _, code, _ in found(shadowed)]


def test_ctxsep_checks_result_cache_gives_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After ``ctxsep check`` (CI runs it first) the plugin reads the AST
    overlap from its result cache: the same findings, cheaper."""
    from support import ctxsep_cli

    monkeypatch.delenv("CTXSEP_NO_CACHE", raising=False)  # this test is about the cache (tox -e nocache)

    by_name = CALLS + '\n    create_user_execution_context("u", db_session=None)\n'
    imports = "from app.context import create_user_execution_context\n    from app.services import"
    root = project(tmp_path, {"app/calls.py": by_name.replace("from app.services import", imports)})
    cold = found(check(root))
    assert (CALL_LINES["CTX002"] + 1, "CTX002", "error") in cold, "the alias call (the import moved it a line down)"
    assert [code for _, code, _ in cold].count("CTX002") == 1, "the call by name is the AST front ends'"
    code, out, err = ctxsep_cli(root, "check", "app")
    assert code == 1 and (root / ".ctxsep_cache").is_dir(), out + err
    assert found(check(root)) == cold


# -- modules whose errors mypy drops ---------------------------------------------------

#: Imports the module with the cases, and has one case of its own (CTX006, line 5).
MAIN = """
    from app.calls import handler
    from app.services import process, scoped

    def main() -> None:
        process(scoped("u"))
        handler()
"""


def test_modules_whose_errors_mypy_drops_show_nothing_and_hide_no_config_error(tmp_path: Path) -> None:
    """The plugin skips the cases of a module mypy follows silently or is told
    to ignore (it would drop what they report): the checked module's findings
    stay as they are, and a broken config first met in a silent module still
    reaches the user, from the first module mypy shows errors for."""
    root = project(tmp_path, {"app/calls.py": CALLS, "app/main.py": MAIN})
    assert _paths_and_codes(check(root)) == [
        *(("app/calls.py", code) for code in ("CTX002", "CTX004", "CTX006")),
        ("app/main.py", "CTX006"),
    ], "the fixture must reach the plugin in both modules"

    silent = check(root, "--follow-imports=silent", paths=("app/main.py",))
    assert _paths_and_codes(silent) == [("app/main.py", "CTX006")]

    (root / "app/calls.py").write_text("# mypy: ignore-errors\n" + textwrap.dedent(CALLS), encoding="utf-8")
    assert _paths_and_codes(check(root)) == [("app/main.py", "CTX006")]

    project(root, {"app/calls.py": CALLS, "app/main.py": MAIN}, phases={"app": "transitionl"})
    messages = check(root, "--follow-imports=silent", paths=("app/main.py",))
    assert [(m.path, m.code) for m in messages if m.is_ctxsep] == [("app/main.py", "ctx-config-error")]


def _paths_and_codes(messages: list[MypyMessage]) -> list[tuple[str, str]]:
    return sorted((m.path, m.rule) for m in messages if m.is_ctxsep)
