"""A hostile file name cannot smuggle a line into any text output (SPEC §10,
issue 14 item 3): a real file (and directory) whose name holds a newline
followed by ``::error …`` / ``::add-mask::``, an ESC sequence and a carriage
return, checked by every command that prints paths (real subprocesses)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from support import run, write_tree

from ctxsep.output.escape import escape

EVIL_DIR = "pkg\n::add-mask::hidden\x1b[2J"
EVIL_FILE = "mod\n::error file=ci.yml,line=1::pwned\r\x1b]0;title\x07.py"
LEGACY = "from app.context import create_user_execution_context\nctx = create_user_execution_context(user_id='u')\n"
#: a GitHub annotation ctxsep itself writes: the only line allowed to start with ::
OUR_ANNOTATION = re.compile(
    r"^::(error|warning|notice) file=[^\n:,]*,line=\d+,col=\d+,title=CTX\d{3} [a-z-]+( \(baselined\))?::"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tree(tmp_path_factory.mktemp("hostile"), {"ctxsep.toml": 'default-phase = "migrated"\n'})
    (root / EVIL_DIR).mkdir()
    (root / EVIL_DIR / EVIL_FILE).write_text(LEGACY, encoding="utf-8")
    (root / EVIL_FILE).write_text(LEGACY + "\n\nclass UserExecutionContext:\n    pass\n", encoding="utf-8")
    return root


def ctxsep(root: Path, *args: str) -> tuple[int, str]:
    proc = run([sys.executable, "-m", "ctxsep", *args], root)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, proc.stdout


COMMANDS = [
    ("check",),
    ("check", "--format", "concise"),
    ("check", "--format", "github"),
    ("check", "--statistics"),
    ("baseline", "check"),
    ("baseline", "check", "--format", "github"),
    ("gate", ".", "--to", "final"),
    ("gate", ".", "--to", "final", "--format", "concise"),
    ("gate", ".", "--to", "final", "--format", "github"),
    ("report", ".", "--format", "md", "--graph", "mermaid"),
    ("report", ".", "--format", "md", "--graph", "dot"),
    ("explain", f"{EVIL_DIR}/{EVIL_FILE}"),
    ("names", "."),
    ("names", ".", "--format", "toml"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_no_line_can_be_smuggled_in(project: Path, args: tuple[str, ...]) -> None:
    code, out = ctxsep(project, *args)
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    for line in out.splitlines():
        if line.lstrip().startswith("::"):
            assert OUR_ANNOTATION.match(line), line
        assert not re.match(r"\s*::(add-mask|error file=ci)", line), line
    if args[0] in ("check", "baseline", "gate") and "--statistics" not in args:
        assert code == 1
        # The path is still there, written so a reader can tell what it was.
        assert "mod\\n::error file=ci.yml" in out or "mod%0A%3A%3Aerror file=ci.yml" in out, out


def test_escape_makes_every_control_character_visible() -> None:
    assert escape("a\nb\rc\td\x1b[0m\x00\x7f\x85\u2028\u202e") == "a\\nb\\rc\\td\\x1b[0m\\x00\\x7f\\x85\\u2028\\u202e"
    assert escape("app/ordinary path/ünïcode.py") == "app/ordinary path/ünïcode.py"
