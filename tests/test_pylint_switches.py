"""pylint's own switches on ctxsep's messages, through real pylint runs over a
small project with one directory per phase.

One batched run covers the phases, the pragmas, ``# ctxsep: ignore``,
useless-suppression bookkeeping and a file with a syntax error; the other
runs each need different command-line switches.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support import PylintMessage, parse_pylint, pylint_run

pytestmark = pytest.mark.slow

CALLS = """\
from app.context import create_user_execution_context


def build(user_id):
    return create_user_execution_context(user_id=user_id)
"""

# Line numbers matter: the tests below name them.
PRAGMAS = """\
from app.context import create_user_execution_context

a = create_user_execution_context(user_id="a")  # pylint: disable=legacy-context-constructor
b = create_user_execution_context(user_id="b")  # pylint: disable=legacy-context-constructor-warning
c = create_user_execution_context(user_id="c")  # pylint: disable=W5702
d = create_user_execution_context(user_id="d")  # pylint: disable=E5702
e = create_user_execution_context(user_id="e")  # ctxsep: ignore[CTX002]
f = create_user_execution_context(user_id="f")  # ctxsep: ignore[legacy-context-constructor]
g = create_user_execution_context(user_id="g")  # pylint: disable=missing-db-parameter
h = create_user_execution_context(user_id="h")


def block():
    # pylint: disable=legacy-context-constructor
    return create_user_execution_context(user_id="i")
"""

BROKEN = """\
from app.context import create_user_execution_context

def broken(:
"""

PHASES = ("legacy", "transitional", "migrated", "final")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (root / ".git").mkdir(exist_ok=True)  # config discovery stops here
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        "ctxsep.toml": """\
            default-phase = "migrated"

            [phases]
            "legacy" = "legacy"
            "transitional" = "transitional"
            "final" = "final"
            """,
        "migrated/broken.py": BROKEN,
    }
    for phase in PHASES:
        files[f"{phase}/calls_{phase}.py"] = CALLS
    for phase in ("transitional", "migrated"):
        files[f"{phase}/pragmas_{phase}.py"] = PRAGMAS
    return write(tmp_path_factory.mktemp("phases"), files)


def ok(proc_stdout: str, proc_stderr: str) -> list[PylintMessage]:
    assert "Traceback" not in proc_stderr, proc_stderr
    return parse_pylint(proc_stdout)


@pytest.fixture(scope="module")
def batched(project: Path) -> list[PylintMessage]:
    proc = pylint_run(["."], project, "--enable=syntax-error,useless-suppression")
    return ok(proc.stdout, proc.stderr)


def found(messages: list[PylintMessage], path: str) -> set[tuple[int, str]]:
    return {(m.line, m.msg_id) for m in messages if m.path == path}


def test_the_phase_picks_the_message(batched: list[PylintMessage]) -> None:
    assert found(batched, "legacy/calls_legacy.py") == set()  # CTX002 is off in legacy
    assert found(batched, "transitional/calls_transitional.py") == {(5, "W5702")}
    assert found(batched, "migrated/calls_migrated.py") == {(5, "E5702")}
    assert found(batched, "final/calls_final.py") == {(1, "E5707"), (5, "E5702")}


def test_message_text_and_column(batched: list[PylintMessage]) -> None:
    (message,) = [m for m in batched if m.path == "migrated/calls_migrated.py"]
    assert message.symbol == "legacy-context-constructor"
    assert message.text.startswith("CTX002 call of legacy constructor 'create_user_execution_context'")
    assert message.column == 11  # 0-based, as pylint prints columns (flake8 and the CLI say 12)


def test_pragmas_on_warnings(batched: list[PylintMessage]) -> None:
    # The rule's symbol and the E id silence the rule's warnings too; the
    # warning's own symbol and id silence warnings; ctxsep's comment works.
    assert found(batched, "transitional/pragmas_transitional.py") == {
        (9, "W5702"),
        (10, "W5702"),
        (9, "I0021"),
    }


def test_pragmas_on_errors(batched: list[PylintMessage]) -> None:
    # Disabling the warning's symbol or id does not silence an error, and
    # pylint says so.
    assert found(batched, "migrated/pragmas_migrated.py") == {
        (4, "E5702"),
        (5, "E5702"),
        (9, "E5702"),
        (10, "E5702"),
        (4, "I0021"),
        (5, "I0021"),
        (9, "I0021"),
    }


def test_syntax_error_is_pylints_alone(batched: list[PylintMessage]) -> None:
    assert {m.symbol for m in batched if m.path == "migrated/broken.py"} == {"syntax-error"}


@pytest.mark.parametrize(
    ("switches", "expected"),
    [
        (["--enable=ctxsep"], {"E5702", "W5702"}),
        (["--enable=ctxsep", "--disable=legacy-context-constructor"], set()),
        (["--enable=ctxsep", "--disable=E5702"], set()),
        (["--enable=ctxsep", "--disable=legacy-context-constructor-warning"], {"E5702"}),
        (["--enable=ctxsep", "--disable=W5702"], {"E5702"}),
        (["--enable=E5702"], {"E5702"}),
        (["--enable=legacy-context-constructor,W5702"], {"E5702", "W5702"}),
        (["--enable=W5702"], set()),  # a warning needs its rule (the E message) enabled
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_command_line_switches(project: Path, switches: list[str], expected: set[str]) -> None:
    proc = pylint_run(
        ["transitional/calls_transitional.py", "migrated/calls_migrated.py"],
        project,
        "--disable=all",
        *switches,
        only_ctxsep=False,
    )
    assert {m.msg_id for m in ok(proc.stdout, proc.stderr)} == expected


def test_fail_on_errors_lets_warnings_pass(project: Path) -> None:
    """`--fail-on=E` fails the run on any error whatever the score; warnings
    only lower the score, which `--fail-under` judges."""
    transitional = pylint_run(["transitional/calls_transitional.py"], project, "--fail-on=E", "--fail-under=0")
    assert [m.msg_id for m in ok(transitional.stdout, transitional.stderr)] == ["W5702"]
    assert transitional.returncode == 0
    migrated = pylint_run(["migrated/calls_migrated.py"], project, "--fail-on=E", "--fail-under=0")
    assert [m.msg_id for m in ok(migrated.stdout, migrated.stderr)] == ["E5702"]
    assert migrated.returncode == 2  # pylint's bit for "an error was emitted"


def test_ctxsep_config_option_pins_one_config(project: Path, tmp_path: Path) -> None:
    pinned = tmp_path / "final.toml"
    pinned.write_text('default-phase = "final"\n', encoding="utf-8")
    proc = pylint_run(["legacy/calls_legacy.py"], project, f"--ctxsep-config={pinned}")
    assert {(m.line, m.msg_id) for m in ok(proc.stdout, proc.stderr)} == {
        (1, "E5707"),
        (5, "E5702"),
    }
