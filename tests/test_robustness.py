"""Never crash, never flicker: generated programs, the standard library and
hostile files through the engine and the flake8 front end.

Budgets are small here; ``tox -e fuzz`` (CTXSEP_FUZZ_EXAMPLES=...) runs the
same properties with a large one.
"""

from __future__ import annotations

import ast
import os
import random
import sys
import sysconfig
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import vocabulary_program

from ctxsep.config import SettingsResolver
from ctxsep.engine import FileResult, check_source
from ctxsep.model import SKIPPED_CODE
from flake8_ctxsep import Plugin

EXAMPLES = int(os.environ.get("CTXSEP_FUZZ_EXAMPLES", "60"))
STDLIB_FILES = int(os.environ.get("CTXSEP_STDLIB_FILES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 100
)
#: A comment that passes the prefilter, so the whole engine runs on any program.
VOCAB_COMMENT = "# UserExecutionContext RequestScopedContext create_user_execution_context\n"


@pytest.fixture(scope="module")
def final_settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("fuzz")
    (root / "ctxsep.toml").write_text('default-phase = "final"\n')
    return SettingsResolver(cwd=root).for_path(root / "generated.py")


def checked(source: str, settings) -> FileResult:  # type: ignore[no-untyped-def]
    result = check_source(source, "generated.py", settings)
    internal = [f for f in result.findings if f.code == SKIPPED_CODE and "internal error" in f.message]
    assert not internal, internal[0].message + "\n--- source ---\n" + source
    return result


def flake8_results(source: str) -> list[tuple[int, int, str]]:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    return [(line, col, text) for line, col, text, _ in Plugin(tree, "generated.py", lines).run()]


@FUZZ
@given(vocabulary_program())
def test_vocabulary_programs_never_crash(final_settings, source: str) -> None:  # type: ignore[no-untyped-def]
    result = checked(source, final_settings)
    assert not result.skipped, result.skipped
    assert not any(text.startswith(SKIPPED_CODE) for _, _, text in flake8_results(source))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@FUZZ
@given(hypothesmith.from_grammar())
def test_grammar_programs_never_crash(final_settings, source: str) -> None:  # type: ignore[no-untyped-def]
    checked(VOCAB_COMMENT + source, final_settings)


@FUZZ
@given(vocabulary_program(), st.data())
def test_blank_lines_and_comments_only_shift_lines(final_settings, source: str, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    lines = source.splitlines(keepends=True)
    at = data.draw(st.integers(0, len(lines)), label="insert at")
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())] if at < len(lines) else ""
    inserted = ["\n", f"{indent}# a comment\n"]
    shifted = "".join(lines[:at] + inserted + lines[at:])
    before = checked(source, final_settings).findings
    after = checked(shifted, final_settings).findings

    def moved(line: int) -> int:
        return line + len(inserted) if line > at else line

    assert [(moved(f.line), f.col, f.code, f.message, f.scope, f.fingerprint) for f in before] == [
        (f.line, f.col, f.code, f.message, f.scope, f.fingerprint) for f in after
    ]


def _stdlib_sample() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    random.Random(7).shuffle(files)
    return files[:STDLIB_FILES]


@pytest.mark.parametrize("path", _stdlib_sample(), ids=lambda p: p.name)
def test_standard_library_never_crashes(final_settings, path: Path) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    checked(VOCAB_COMMENT.encode() + data, final_settings)


def test_huge_files(final_settings) -> None:  # type: ignore[no-untyped-def]
    many_lines = "".join(f"def f{i}(context: RequestScopedContext):\n    context.n{i} = {i}\n" for i in range(25_000))
    result = checked(many_lines, final_settings)
    assert len(result.findings) == 25_000 and {f.code for f in result.findings} == {"CTX004"}
    one_line = "x = [" + ", ".join(["UserExecutionContext(user_id='u')"] * 60_000) + "]\n"
    assert len(one_line) > 2_000_000
    assert len(checked(one_line, final_settings).findings) == 60_000


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX recursion limits")
def test_deep_nesting_that_parses_is_analysed_without_recursion(final_settings) -> None:  # type: ignore[no-untyped-def]
    body = "".join("    " * i + f"if x{i}:\n" for i in range(90)) + "    " * 90 + "context.a = 1\n"
    source = "def f(context: RequestScopedContext):\n" + "\n".join("    " + line for line in body.splitlines()) + "\n"
    result = checked(source, final_settings)
    assert [f.code for f in result.findings] == ["CTX004"]


def test_generated_programs_through_pylint_never_crash(tmp_path: Path) -> None:
    """One real pylint run over a batch of generated programs: ctxsep never
    turns into pylint's crash report (F0002) or its own internal-error message."""
    from support import parse_pylint, pylint_run

    (tmp_path / ".git").mkdir()
    (tmp_path / "ctxsep.toml").write_text('default-phase = "final"\n')
    package = tmp_path / "generated"
    package.mkdir()
    sources: list[str] = []

    @settings(max_examples=max(30, EXAMPLES // 2), deadline=None, database=None, derandomize=True)
    @given(vocabulary_program())
    def collect(source: str) -> None:
        sources.append(source)

    collect()
    for index, source in enumerate(sources):
        (package / f"m{index}.py").write_text(source)
    proc = pylint_run(["generated"], tmp_path, only_ctxsep=False)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    messages = parse_pylint(proc.stdout)
    crashes = [m for m in messages if m.msg_id in ("F0002", "F0001") or "internal error" in m.text]
    assert not crashes, crashes[:3]
    assert any(m.code.startswith("CTX") for m in messages), "pylint reported nothing from ctxsep at all"


def test_findings_do_not_depend_on_the_cwd(tmp_path: Path) -> None:
    import json

    from support import ROOT, run

    outputs = []
    for cwd in (ROOT, ROOT / "docs", tmp_path):
        proc = run([sys.executable, "-m", "ctxsep", "check", "--format", "json", str(ROOT / "docs" / "example")], cwd)
        document = json.loads(proc.stdout)
        outputs.append(
            sorted(
                (os.path.normpath(cwd / f["path"]), f["line"], f["column"], f["code"], f["severity"])
                for f in document["findings"]
            )
        )
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]
