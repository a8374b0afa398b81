"""What a broken config or a ctxsep bug looks like in a real pylint run: one
clear message, never a traceback, never pylint's own crash report."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PylintMessage, parse_pylint, pylint_run
from test_pylint_switches import write

pytestmark = pytest.mark.slow

LEGACY_CALL = """\
from app.context import create_user_execution_context

X = create_user_execution_context(user_id="u")
"""


def messages(proc_stdout: str, proc_stderr: str) -> list[PylintMessage]:
    assert "Traceback" not in proc_stderr, proc_stderr
    found = parse_pylint(proc_stdout)
    assert not [m for m in found if m.symbol in ("astroid-error", "fatal")], proc_stdout  # pylint's crash report
    return found


@pytest.fixture(scope="module")
def broken_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        "ctxsep.toml": 'default-phse = "migrated"\n\n[phases]\n"services" = "transitionl"\n',
        "healthy/ctxsep.toml": 'default-phase = "migrated"\n',
        "healthy/fine.py": LEGACY_CALL,
    }
    # Enough modules under the broken config that both -j 2 workers meet it.
    files.update({f"services/module_{n}.py": LEGACY_CALL for n in range(6)})
    files.update({f"module_{n}.py": LEGACY_CALL for n in range(6)})
    return write(tmp_path_factory.mktemp("broken"), files)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_config_error_is_reported_once_per_run(broken_config: Path, jobs: str) -> None:
    proc = pylint_run(["."], broken_config, "-j", jobs)
    found = messages(proc.stdout, proc.stderr)
    errors = sorted(m.text for m in found if m.symbol == "ctxsep-config-error")
    config = broken_config / "ctxsep.toml"
    assert errors == [
        f"CTX901 ctxsep config error: {config}: [phases] 'services': unknown phase 'transitionl' "
        "(did you mean 'transitional'?); phases are legacy, transitional, migrated, final",
        f"CTX901 ctxsep config error: {config}: top level 'default-phse': unknown key (did you mean 'default-phase'?)",
    ]
    assert {m.msg_id for m in found if m.symbol == "ctxsep-config-error"} == {"F5791"}
    # Files under a healthy config are still checked; the others are not.
    assert {(m.path, m.msg_id) for m in found if m.symbol != "ctxsep-config-error"} == {("healthy/fine.py", "E5702")}
    assert proc.returncode & 1, "a fatal message sets pylint's F bit in the exit code"


def test_pyproject_that_only_mentions_ctxsep_is_not_a_config(tmp_path: Path) -> None:
    """`dependencies = ["ctxsep"]` without a [tool.ctxsep] table: the defaults
    apply (everything migrated), no config error."""
    root = write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "svc"\ndependencies = ["ctxsep"]\n',
            "svc/calls.py": LEGACY_CALL,
        },
    )
    proc = pylint_run(["."], root)
    assert [(m.line, m.msg_id) for m in messages(proc.stdout, proc.stderr)] == [(3, "E5702")]


@pytest.mark.parametrize(
    ("hook", "expected"),
    [
        # A bug outside the engine's own guard: the checker catches it.
        (
            "import ctxsep.config.loader as m; m.SettingsResolver.for_path = lambda *a, **k: 1 / 0",
            {(1, "F5790", "CTX900 file not checked: ctxsep internal error: ZeroDivisionError")},
        ),
        # A bug inside a rule: the engine turns it into CTX900.
        (
            "import ctxsep.engine as m; m._run_rules = lambda *a, **k: 1 / 0",
            {(1, "F5790", "CTX900 file not checked: ctxsep internal error: ZeroDivisionError")},
        ),
        # A bug in the CTX006 adapter: the AST rules' findings stand.
        (
            "import pylint_ctxsep.dual_pattern as m; m.dual_pattern_calls = lambda *a, **k: 1 / 0",
            {
                (3, "E5702", "CTX002 call of legacy constructor"),
                (1, "F5790", "CTX900 CTX006 not checked: ctxsep internal error: ZeroDivisionError"),
            },
        ),
    ],
    ids=["checker", "engine", "ctx006"],
)
def test_a_ctxsep_bug_is_one_message_not_a_crash(
    tmp_path: Path, hook: str, expected: set[tuple[int, str, str]]
) -> None:
    root = write(tmp_path, {"ctxsep.toml": 'default-phase = "migrated"\n', "calls.py": LEGACY_CALL})
    proc = pylint_run(["calls.py"], root, f"--init-hook={hook}")
    found = messages(proc.stdout, proc.stderr)
    assert len(found) == len(expected)
    for line, msg_id, start in expected:
        assert any(m.line == line and m.msg_id == msg_id and m.text.startswith(start) for m in found), found
