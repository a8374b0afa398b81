"""``ctxsep gate PATH --to PHASE``: what a promotion would surface."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import ROOT, assert_golden, ctxsep_cli, write_tree

CONFIG = """
[tool.ctxsep]
default-phase = "legacy"

[tool.ctxsep.phases]
"app/services" = "transitional"
"app/services/old_*.py" = "legacy"
"""

SERVICE = """
def process(context: RequestScopedContext, user_id):
    legacy = create_user_execution_context(user_id=user_id)
    return legacy.db_session
"""

CLEAN = """
async def process(context: RequestScopedContext, db: AsyncSession):
    return await db.get(context.user_id)
"""


def project(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            "pyproject.toml": CONFIG,
            "app/services/s.py": SERVICE,
            "app/services/old_s.py": SERVICE,
            "app/services/clean.py": CLEAN,
            "app/other/o.py": SERVICE,
        },
    )


def test_gate_ignores_the_baseline_and_fails_on_errors(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert ctxsep_cli(root, "baseline", "create")[0] == 0
    assert ctxsep_cli(root, "check")[0] == 0  # everything is baselined today
    code, out, _ = ctxsep_cli(root, "gate", "app/services", "--to", "migrated")
    assert code == 1
    assert "app/services/s.py  transitional -> migrated" in out
    assert "  CTX002 legacy-context-constructor: 1 error" in out
    assert "  CTX003 missing-db-parameter: 1 error" in out
    # A file with its own, more specific key keeps its phase (CTX003 only warns in legacy).
    assert "app/services/old_s.py  stays legacy (key 'app/services/old_*.py' is more specific)" in out
    assert "clean.py" not in out
    assert "FAIL: promoting app/services to migrated would surface 2 errors and 1 warning in 2 of 3 files." in out


def test_gate_passes_when_the_promotion_surfaces_no_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = ctxsep_cli(root, "gate", "app/services/clean.py", "--to", "final")
    assert code == 0
    assert out.splitlines()[-1] == "PASS: promoting app/services/clean.py to final surfaces no errors."
    code, out, _ = ctxsep_cli(root, "gate", "app/other", "--to", "transitional")
    assert code == 1  # CTX003 is an error from transitional on


def test_gate_of_the_whole_project_and_json(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = ctxsep_cli(root, "gate", ".", "--to", "migrated", "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["passes"] is False and document["to"] == "migrated"
    # Promoting "." sets the project-wide key: deeper keys still win, as they would in the config.
    assert {f["path"]: (f["phase_after"], f["kept_by"]) for f in document["files"]} == {
        "app/other/o.py": ("migrated", None),
        "app/services/old_s.py": ("legacy", "app/services/old_*.py"),
        "app/services/s.py": ("transitional", "app/services"),
    }
    assert document["by_rule"] == {"CTX002": {"error": 1, "warn": 1}, "CTX003": {"error": 2, "warn": 1}}
    assert document["errors"] == 3


def test_gate_usage_errors(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, _, err = ctxsep_cli(root, "gate", "app/nowhere", "--to", "final")
    assert code == 2 and "app/nowhere: no such file or directory" in err
    assert ctxsep_cli(root, "gate", "app", "--to", "finished")[0] == 2
    assert ctxsep_cli(root, "gate", "app")[0] == 2


def test_gate_golden(tmp_path: Path, update_goldens: bool) -> None:
    shutil.copytree(ROOT / "docs" / "example", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".git").mkdir()
    code, out, _ = ctxsep_cli(tmp_path, "gate", "app/routes", "--to", "final")
    assert code == 1
    assert_golden("gate.txt", out, update_goldens)


def test_gate_says_when_it_is_not_a_promotion(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, out, _ = ctxsep_cli(root, "gate", "app/services/s.py", "--to", "legacy", "-q")
    assert (code, out) == (
        0,
        "PASS: moving app/services/s.py to legacy (from transitional) surfaces no errors (1 warning in 1 of 1 file).\n",
    )
    code, out, _ = ctxsep_cli(root, "gate", "app/services", "--to", "transitional", "-q")
    # s.py and clean.py are transitional already; old_s.py keeps legacy by its own key
    assert code == 1
    assert out == "FAIL: app/services is already transitional and shows 1 error and 2 warnings in 2 of 3 files.\n"
    code, out, _ = ctxsep_cli(root, "gate", "app/services/clean.py", "--to", "transitional", "-q")
    assert (code, out) == (0, "PASS: app/services/clean.py is already transitional and shows no errors.\n")
    code, out, _ = ctxsep_cli(root, "gate", "app", "--to", "transitional", "-q")  # legacy and transitional files
    assert out.startswith("FAIL: moving app to transitional (from legacy, transitional) would surface")
