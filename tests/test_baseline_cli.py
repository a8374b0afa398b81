"""``ctxsep baseline create|update|check|prune`` and ``check --show-baselined``,
as a team adopting ctxsep would use them."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from support import ctxsep_cli, write_tree

from ctxsep.baseline import read_entries

CONFIG = """
[tool.ctxsep]
default-phase = "legacy"

[tool.ctxsep.phases]
"app/routes" = "migrated"
"app/services" = "transitional"
"""


def legacy_module(calls: int, name: str = "handler") -> str:
    body = "".join(f'    c{i} = create_user_execution_context(user_id="u{i}")\n' for i in range(calls))
    return f"def {name}(db):\n{body}"


def team_project(tmp_path: Path) -> Path:
    """30 route modules with 10 legacy calls each: 300 findings to adopt."""
    files = {"pyproject.toml": CONFIG}
    files.update({f"app/routes/r{i:02}.py": legacy_module(10) for i in range(30)})
    files["app/services/svc.py"] = legacy_module(2)
    return write_tree(tmp_path, files)


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    return ctxsep_cli(root, *args)


def summary(root: Path) -> dict[str, int]:
    code, out, err = cli(root, "check", "--format", "json", "-q")
    assert code in (0, 1), err
    result: dict[str, int] = json.loads(out)["summary"]
    return result


def test_adopt_then_fail_on_new_then_shrink_then_promote(tmp_path: Path) -> None:
    """The story of issue 5: adopt in one commit, CI fails on the first new
    violation, the baseline shrinks as code is fixed, and the gate lists what
    stands between a directory and its next phase."""
    root = team_project(tmp_path)
    assert cli(root, "check")[0] == 1
    code, out, _ = cli(root, "baseline", "create")
    assert code == 0
    assert "wrote ctxsep-baseline.json: 302 findings" in out
    # CI is green the moment the baseline is committed.
    assert cli(root, "check")[0] == 0
    assert cli(root, "baseline", "check")[0] == 0
    assert summary(root)["baselined"] == 302

    # The first new violation fails CI, in both gates.
    (root / "app/routes/r00.py").write_text(legacy_module(10) + legacy_module(1, "new_handler"), encoding="utf-8")
    code, out, _ = cli(root, "check")
    assert code == 1 and out.startswith("app/routes/r00.py:13:10: error: CTX002")
    code, out, _ = cli(root, "baseline", "check")
    assert code == 1 and "1 finding not in the baseline" in out

    # Fixing code shrinks the baseline; `update` never records the new finding.
    (root / "app/routes/r01.py").write_text(legacy_module(4), encoding="utf-8")
    code, out, _ = cli(root, "baseline", "check")
    assert "app/routes/r01.py CTX002 in handler: no longer found" in out
    code, out, _ = cli(root, "baseline", "update")
    assert code == 1  # the new finding is still there, and was not recorded
    assert "ctxsep: updated ctxsep-baseline.json: -6" in out
    assert "app/routes/r00.py:13:10: error: CTX002" in out
    assert summary(root)["baselined"] == 296
    (root / "app/routes/r00.py").write_text(legacy_module(10), encoding="utf-8")
    assert cli(root, "baseline", "check")[0] == 0

    # What stands between app/services and its next phase.
    code, out, _ = cli(root, "gate", "app/services", "--to", "migrated")
    assert code == 1
    assert "FAIL: promoting app/services to migrated would surface 2 errors" in out


def test_create_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    root = team_project(tmp_path)
    assert cli(root, "baseline", "create")[0] == 0
    before = (root / "ctxsep-baseline.json").read_bytes()
    code, out, err = cli(root, "baseline", "create")
    assert code == 2 and out == ""
    assert "a baseline already exists" in err and "--force" in err
    assert (root / "ctxsep-baseline.json").read_bytes() == before
    (root / "app/routes/r00.py").write_text(legacy_module(3), encoding="utf-8")
    assert cli(root, "baseline", "create", "--force")[0] == 0
    assert sum(e.count for e in read_entries(root / "ctxsep-baseline.json")) == 295


def test_create_on_a_subset_keeps_other_entries_with_force(tmp_path: Path) -> None:
    root = team_project(tmp_path)
    cli(root, "baseline", "create")
    (root / "app/routes/r00.py").write_text(legacy_module(12), encoding="utf-8")
    assert cli(root, "baseline", "create", "--force", "app/routes/r00.py")[0] == 0
    entries = read_entries(root / "ctxsep-baseline.json")
    assert sum(e.count for e in entries if e.path == "app/routes/r00.py") == 12
    assert sum(e.count for e in entries) == 304


def test_update_only_shrinks_unless_growth_is_allowed(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(2)})
    cli(root, "baseline", "create")
    (root / "app/routes/a.py").write_text(legacy_module(3), encoding="utf-8")
    before = (root / "ctxsep-baseline.json").read_bytes()
    code, out, _ = cli(root, "baseline", "update")
    assert code == 1 and "is up to date" in out and "were not recorded" in out
    assert (root / "ctxsep-baseline.json").read_bytes() == before
    code, out, _ = cli(root, "baseline", "update", "--allow-growth")
    assert code == 0 and "+1" in out
    assert cli(root, "check")[0] == 0


def test_baseline_check_lists_stale_entries_and_can_fail_on_them(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(2), "app/routes/b.py": legacy_module(1)},
    )
    cli(root, "baseline", "create")
    (root / "app/routes/a.py").write_text(legacy_module(1), encoding="utf-8")
    (root / "app/routes/b.py").unlink()
    code, out, _ = cli(root, "baseline", "check")
    assert code == 0
    assert "app/routes/a.py CTX002 in handler: no longer found" in out
    assert "app/routes/b.py CTX002 in handler: the file no longer exists" in out
    assert "2 stale entries" in out
    assert cli(root, "baseline", "check", "--fail-on-stale")[0] == 1
    # A partial run judges only what it checked.
    code, out, _ = cli(root, "baseline", "check", "app/routes/a.py")
    assert "b.py" not in out
    cli(root, "baseline", "update")
    assert [e.path for e in read_entries(root / "ctxsep-baseline.json")] == ["app/routes/a.py"]
    assert cli(root, "baseline", "check", "--fail-on-stale")[0] == 0


def test_promotion_unhides_and_prune_drops_the_gated_entries(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/services/s.py": legacy_module(2)})
    cli(root, "baseline", "create")
    assert cli(root, "check")[0] == 0
    (root / "pyproject.toml").write_text(
        CONFIG.replace('"app/services" = "transitional"', '"app/services" = "migrated"')
    )
    code, out, _ = cli(root, "check")
    assert code == 1 and out.count("error: CTX002") == 2
    code, out, _ = cli(root, "baseline", "check")
    assert "recorded in transitional, the file is now migrated" in out
    assert cli(root, "baseline", "update")[0] == 1  # update keeps them: the debt is real
    assert len(read_entries(root / "ctxsep-baseline.json")) == 2
    cli(root, "baseline", "prune")
    assert read_entries(root / "ctxsep-baseline.json") == ()


def test_show_baselined_and_no_baseline(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(1)})
    cli(root, "baseline", "create")
    code, out, _ = cli(root, "check")
    assert code == 0 and out == "ctxsep: 0 errors, 0 warnings, 1 baselined in 1 file checked.\n"
    code, out, _ = cli(root, "check", "--show-baselined")
    assert code == 0
    assert out.splitlines()[0].endswith("(baselined)")
    code, out, _ = cli(root, "check", "--format", "json", "--show-baselined")
    assert json.loads(out)["findings"][0]["baselined"] is True
    assert cli(root, "check", "--no-baseline")[0] == 1


@pytest.mark.parametrize(
    "command",
    [
        ("check",),
        ("baseline", "check"),
        ("baseline", "update"),
        ("baseline", "update", "--allow-growth"),
        ("baseline", "prune"),
        ("baseline", "create"),
        ("report",),
    ],
    ids=lambda c: " ".join(c),
)
def test_a_corrupt_baseline_is_exit_2_and_never_overwritten(tmp_path: Path, command: tuple[str, ...]) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(1)})
    broken = textwrap.dedent(
        """
        {"entries": [
          {"path": "app/routes/a.py", "code": "CTX002", "scope": "handler", "fingerprint": "1a2b3c4d", "count": 1,
           "phase": "migrated"},
          {"path": "app/routes/a.py", "code": "CTX002", "scope": "handler", "fingerprint": "1a2b3c4d", "count": 1,
           "phase": "migrated"}
        ]}
        """
    ).lstrip()
    (root / "ctxsep-baseline.json").write_text(broken, encoding="utf-8")
    code, _, err = cli(root, *command)
    assert code == 2
    assert "Traceback" not in err
    assert "ctxsep-baseline.json" in err
    if command != ("baseline", "create"):
        assert "entry 2 (line 4): same path, code, scope and fingerprint as entry 1 (line 2)" in err
    assert (root / "ctxsep-baseline.json").read_text(encoding="utf-8") == broken


def test_create_force_replaces_a_corrupt_baseline(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(1)})
    (root / "ctxsep-baseline.json").write_text("{not json", encoding="utf-8")
    code, out, _ = cli(root, "baseline", "create", "--force")
    assert code == 0 and "replacing unreadable ctxsep-baseline.json" in out
    assert len(read_entries(root / "ctxsep-baseline.json")) == 1


def test_update_without_a_baseline_says_how_to_start(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(1)})
    code, _, err = cli(root, "baseline", "update")
    assert code == 2 and "record one with `ctxsep baseline create`" in err


def test_configured_baseline_path_and_paths_relative_to_the_config(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "service/pyproject.toml": CONFIG,
            "service/app/routes/a.py": legacy_module(1),
        },
    )
    (root / "service/pyproject.toml").write_text(
        CONFIG.replace("[tool.ctxsep]\n", '[tool.ctxsep]\nbaseline = "ci/known-findings.json"\n'), encoding="utf-8"
    )
    (root / "service/ci").mkdir()
    code, out, _ = cli(root, "baseline", "create", "service")
    assert code == 0 and "wrote service/ci/known-findings.json" in out
    assert [e.path for e in read_entries(root / "service/ci/known-findings.json")] == ["app/routes/a.py"]
    assert cli(root / "service" / "app", "check", ".")[0] == 0  # found from any cwd


def test_pre_commit_hooks_run_the_documented_commands(tmp_path: Path) -> None:
    """Each hook's entry, given staged files as pre-commit passes them."""
    from support import ROOT

    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks = dict(re.findall(r"^- id: (\S+)\n(?:  .*\n)*?  entry: (.+)$", text, re.MULTILINE))
    assert hooks == {"ctxsep": "ctxsep check", "ctxsep-baseline": "ctxsep baseline check"}
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(1)})
    cli(root, "baseline", "create")
    for entry in hooks.values():
        assert cli(root, *entry.split()[1:], "app/routes/a.py")[0] == 0
    (root / "app/routes/a.py").write_text(legacy_module(2), encoding="utf-8")
    for entry in hooks.values():
        assert cli(root, *entry.split()[1:], "app/routes/a.py")[0] == 1


def test_unwritable_places_are_usage_errors_not_tracebacks(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/routes/a.py": legacy_module(1)})
    (root / "pyproject.toml").write_text(
        CONFIG.replace("[tool.ctxsep]\n", '[tool.ctxsep]\nbaseline = "a-file/b.json"\n')
    )
    (root / "a-file").write_text("not a directory")
    code, _, err = cli(root, "baseline", "create")
    assert code == 2 and "cannot write the baseline" in err
    code, _, err = cli(root, "report", "-o", "a-file/report.md")
    assert code == 2 and "cannot write the report" in err


def test_explain_shows_the_files_baseline_entries(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/services/s.py": legacy_module(1)})
    _, out, _ = cli(root, "explain", "app/services/s.py")
    assert f"baseline: {root / 'ctxsep-baseline.json'} (does not exist; nothing is hidden)" in out
    cli(root, "baseline", "create")
    _, out, _ = cli(root, "explain", "app/services/s.py")
    assert "(1 entry for this file)" in out
    assert re.search(r"  CTX002 in handler \([0-9a-f]{8}\) x1, recorded in transitional: hides findings", out)
    (root / "pyproject.toml").write_text(CONFIG.replace('"app/services" = "transitional"', '"app/services" = "final"'))
    _, out, _ = cli(root, "explain", "app/services/s.py")
    assert "recorded in transitional: inactive: the file is now final (promoted)" in out
