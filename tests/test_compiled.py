"""The optional compiled build (``hatch_build.py``, ``tox -e accel``) gives
the same findings as pure Python.

Runs only where the compiled build is installed: ``check``'s JSON from the
installed (compiled) package is compared, run for run, with the same
command on the pure-Python sources of this checkout (``PYTHONPATH=src``).
``CTXSEP_EXPECT_COMPILED=1`` (set by ``tox -e accel``) makes a missing
compiled build a failure rather than a skip."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from support import ROOT

COMPILED = ("ctxsep.semantics.scopes", "ctxsep.semantics.evidence", "ctxsep.prefilter", "ctxsep.suppression")


def compiled() -> bool:
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    return all(str(importlib.import_module(name).__file__).endswith(suffix) for name in COMPILED)


pytestmark = pytest.mark.skipif(
    not compiled() and not os.environ.get("CTXSEP_EXPECT_COMPILED"),
    reason="the compiled build is not installed (tox -e accel builds and tests it)",
)


def test_the_compiled_modules_are_the_ones_imported() -> None:
    assert compiled()
    import ctxsep.engine

    assert str(ctxsep.engine.__file__).endswith(".py")  # pure Python by design (see hatch_build.py)


def check_json(tree: Path, pure: bool, *args: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if pure:
        env["PYTHONPATH"] = str(ROOT / "src")
    command = [sys.executable, "-m", "ctxsep", "check", "--format", "json", "--no-cache", "--no-baseline", *args, "."]
    proc = subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    document = json.loads(proc.stdout)
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("tree", ["tests/fixtures", "docs/example"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_same_findings_as_pure_python(tree: str, jobs: str) -> None:
    compiled_run = check_json(ROOT / tree, False, "-j", jobs)
    pure_run = check_json(ROOT / tree, True, "-j", jobs)
    assert compiled_run["findings"]
    assert compiled_run == pure_run
