"""The mypy plugin never crashes mypy and never changes its typing: every
fixture tree and a batch of generated programs run to the end, a bug inside
a check becomes one ``ctx-file-skipped`` error, and mypy's default plugin
keeps every special case it handles."""

from __future__ import annotations

import ast
import os
import re
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from mypy_project import CALLS, project
from programs import vocabulary_program
from support import FIXTURES, assert_mypy_ok, mypy_run, parse_mypy, run, write_tree

pytestmark = pytest.mark.slow

LOOSE_INI = """
[mypy]
plugins = mypy_ctxsep
check_untyped_defs = True
ignore_missing_imports = True
follow_imports = silent
"""


def _trees() -> list[Path]:
    """Fixture directories to check one at a time (module names repeat across them)."""
    trees = [FIXTURES / "rules"]
    for group in ("names", "pylint", "mypy"):
        trees += [p for p in (FIXTURES / group).iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(trees)


def _parsable(tree: Path) -> list[str]:
    files = []
    for path in sorted(tree.rglob("*.py")):
        try:
            ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:  # e.g. `type X = T` on Python 3.11: a blocker for mypy, not our case
            continue
        files.append(str(path.relative_to(tree)))
    return files


@pytest.mark.parametrize("tree", _trees(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_tree_checks_to_the_end(tree: Path, tmp_path: Path) -> None:
    """Also inside unannotated functions (check_untyped_defs), where the
    hooks meet values mypy knows little about."""
    config = tmp_path / "mypy.ini"
    config.write_text(LOOSE_INI, encoding="utf-8")
    files = _parsable(tree)
    assert files
    proc = mypy_run([*files, "--explicit-package-bases"], tree, f"--config-file={config}")
    assert_mypy_ok(proc)


GENERATED_CONTEXT = """
class EnhancedRequestScopedContext(RequestScopedContext): ...


async def get_request_scoped_user_context(user_id: str = "", thread_id: str = "") -> RequestScopedContext:
    return RequestScopedContext(user_id)
"""


def _compiles(program: str) -> bool:
    try:
        compile(program, "m.py", "exec")
    except SyntaxError:  # `yield` at module level parses, but is mypy's blocker
        return False
    return True


@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found: shrinking would rerun mypy
)
@given(st.lists(vocabulary_program(), min_size=8, max_size=8))
def test_generated_programs_check_to_the_end(programs: list[str]) -> None:
    """Programs dense with the vocabulary, in odd positions (decorators,
    defaults, lambdas, match, walrus, nested classes), against real context
    types; eight modules per mypy run."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        files = {f"gen/m{i}.py": program for i, program in enumerate(programs) if _compiles(program)}
        files["gen/__init__.py"] = ""
        root = project(Path(directory), files)
        with (root / "app/context.py").open("a", encoding="utf-8") as handle:
            handle.write(GENERATED_CONTEXT)
        (root / "mypy.ini").write_text(LOOSE_INI, encoding="utf-8")
        proc = mypy_run(["gen", "app"], root, "--config-file=mypy.ini")
        assert_mypy_ok(proc)


# -- a bug in ctxsep ------------------------------------------------------------------------

BROKEN_PLUGIN = """
from mypy_ctxsep.hooks import CtxsepPlugin
from mypy_ctxsep import calls, attributes, typeview


def boom(*args, **kwargs):
    raise RuntimeError("injected")


calls.CallChecks.dual_pattern = boom
attributes.AttributeChecks.attribute = boom
attributes.AttributeChecks.class_fields = boom
original = typeview.TypeView.may_be_dual_pattern


def may_be_dual_pattern(self, callable_type):
    if "summary" in str(callable_type.definition):
        raise RuntimeError("injected while classifying")
    return original(self, callable_type)


typeview.TypeView.may_be_dual_pattern = may_be_dual_pattern


def plugin(version):
    return CtxsepPlugin
"""

BROKEN_CALLS = textwrap.dedent(CALLS).replace(
    "from app.services import", "from app.db import AsyncSession\nfrom app.services import summary,"
) + textwrap.dedent("""

        def more(db: AsyncSession) -> None:
            scoped("u").user_id = "v"
            summary(scoped("u"))
    """)


def test_a_bug_in_a_check_is_one_error_and_mypy_finishes(tmp_path: Path) -> None:
    services = "\n\ndef summary(context: RequestScopedContext, db: AsyncSession | None = None) -> None: ...\n"
    root = project(tmp_path, {"app/calls.py": BROKEN_CALLS, "broken_plugin.py": BROKEN_PLUGIN})
    (root / "app/services.py").write_text((root / "app/services.py").read_text() + services)
    (root / "mypy.ini").write_text("[mypy]\nplugins = broken_plugin\n", encoding="utf-8")
    env_run = run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file=mypy.ini",
            "--no-incremental",
            f"--cache-dir={os.devnull}",
            "-O",
            "json",
            "app",
        ],
        root,
    )
    assert env_run.returncode == 1, env_run.stdout + env_run.stderr
    assert "INTERNAL ERROR" not in env_run.stdout + env_run.stderr and "Traceback" not in env_run.stderr
    messages = parse_mypy(env_run.stdout)
    skipped = [m for m in messages if m.code == "ctx-file-skipped"]
    assert skipped and all("internal error: RuntimeError: injected" in m.text for m in skipped), messages
    assert all(m.text.startswith("CTX900 ctxsep could not check") for m in skipped)
    assert "CTX002" in [m.rule for m in messages], "the other checks still report"
    assert "injected while classifying" in env_run.stderr


# -- mypy's own typing is untouched ------------------------------------------------------------

TYPING = """
from __future__ import annotations

import ctypes
import dataclasses
import enum
import functools
from typing import TypedDict


class Color(enum.Enum):
    RED = 1


class Movie(TypedDict, total=False):
    name: str
    year: int


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int = 0


def add(a: int, b: str) -> str:
    return b * a


movie: Movie = {"name": "x"}
movie.update({"year": 1})
movie.setdefault("year", 2)
movie.pop("year")
del movie["name"]
reveal_type(movie.get("year"))
reveal_type(functools.partial(add, 1))
reveal_type(functools.partial(add, 1)("x"))
reveal_type(Color.RED.value)
reveal_type(dataclasses.replace(Point(1), y=2))
dataclasses.replace(Point(1), z=2)
array = (ctypes.c_int * 3)()
array[0] = 1
array[1] = "x"
reveal_type(len([1]))
"""


def test_mypys_default_plugin_keeps_its_special_cases(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"typing_cases.py": TYPING})
    (root / "with.ini").write_text("[mypy]\nplugins = mypy_ctxsep\n", encoding="utf-8")
    (root / "without.ini").write_text("[mypy]\n", encoding="utf-8")
    outputs = []
    for config in ("with.ini", "without.ini"):
        proc = mypy_run(["typing_cases.py"], root, f"--config-file={config}")
        assert_mypy_ok(proc)
        outputs.append(sorted(parse_mypy(proc.stdout)))
    assert outputs[0] == outputs[1]
    assert any(re.search(r"partial\[(builtins\.)?str\]", m.text) for m in outputs[0]), "partial is special-cased"


def test_a_syntax_error_is_mypys_blocker_not_ours(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/broken.py": "def f(:\n"})
    proc = mypy_run(["app"], root)
    assert proc.returncode == 2 and "INTERNAL ERROR" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
