"""The flake8 front end, run as users run it: a real flake8 subprocess."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from support import run

LEGACY_CALL = "ctx = create_user_execution_context(user_id='u', db_session=db)\n"
CTX003 = "def f(context: RequestScopedContext):\n    return context.db_session\n"
FORMAT = "%(path)s:%(row)d:%(col)d:%(code)s"


def flake8(cwd: Path, *args: str, stdin: str | None = None) -> tuple[int, list[str], str]:
    proc = run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "CTX,E999", "--format", FORMAT, *args], cwd, stdin
    )
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.ctxsep]
            default-phase = "legacy"
            [tool.ctxsep.phases]
            "app/routes" = "migrated"
            """
        )
    )
    for rel in ("app/routes/r.py", "app/other/o.py"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(LEGACY_CALL + CTX003)
    return tmp_path


def test_phase_gating_off_rules_are_never_emitted(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, lines, err = flake8(root, "app")
    assert code == 1, err
    assert sorted(lines) == [
        "app/other/o.py:2:1:CTX003",  # legacy: only CTX003 (warn) is on
        "app/routes/r.py:1:50:CTX001",
        "app/routes/r.py:1:7:CTX002",
        "app/routes/r.py:2:1:CTX003",
    ]


def test_stdin_gets_its_phase_from_the_display_name(tmp_path: Path) -> None:
    root = project(tmp_path)
    source = LEGACY_CALL + CTX003
    _, routes, _ = flake8(root, "--stdin-display-name", "app/routes/new.py", "-", stdin=source)
    assert routes == ["app/routes/new.py:1:7:CTX002", "app/routes/new.py:1:50:CTX001", "app/routes/new.py:2:1:CTX003"]
    _, other, _ = flake8(root, "--stdin-display-name", "app/other/new.py", "-", stdin=source)
    assert other == ["app/other/new.py:2:1:CTX003"]
    # From another cwd, with an absolute display name (what editors send):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _, absolute, _ = flake8(elsewhere, "--stdin-display-name", str(root / "app/other/x.py"), "-", stdin=source)
    assert absolute == [f"{root / 'app/other/x.py'}:2:1:CTX003"]


def test_plain_stdin_works(tmp_path: Path) -> None:
    code, lines, err = flake8(tmp_path, "-", stdin=LEGACY_CALL)
    assert code == 1, err
    assert lines == ["stdin:1:7:CTX002", "stdin:1:50:CTX001"]


def test_parallel_jobs(tmp_path: Path) -> None:
    root = project(tmp_path)
    for i in range(12):
        (root / f"app/routes/m{i}.py").write_text(LEGACY_CALL)
    _, serial, _ = flake8(root, "-j", "1", "app")
    _, parallel, err = flake8(root, "-j", "2", "app")
    assert sorted(serial) == sorted(parallel), err
    assert len(serial) == 4 + 12 * 2


def test_explicit_config_option(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "strict.toml").write_text('default-phase = "final"\n')
    (root / "ctxsep-strict.toml").write_text('default-phase = "final"\n')
    _, lines, _ = flake8(root, "--ctxsep-config", "strict.toml", "app/other/o.py")
    assert "app/other/o.py:1:7:CTX002" in lines
    # also from a flake8 config file
    (root / "setup.cfg").write_text("[flake8]\nctxsep-config = strict.toml\n")
    proc = run([sys.executable, "-m", "flake8", "--select", "CTX", "--format", FORMAT, "app/other/o.py"], root)
    assert "app/other/o.py:1:7:CTX002" in proc.stdout.splitlines()


def test_config_error_is_a_clear_result_not_a_traceback(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "pyproject.toml").write_text('[tool.ctxsep]\ndefault-phase = "migratd"\n')
    proc = run([sys.executable, "-m", "flake8", "--isolated", "--select", "CTX", "app/routes/r.py"], root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "CTX901 ctxsep config error:" in proc.stdout
    assert "pyproject.toml: [tool.ctxsep] 'default-phase': unknown phase 'migratd'" in proc.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_config_is_one_result_per_file_listing_every_problem(tmp_path: Path, jobs: str) -> None:
    root = project(tmp_path)
    (root / "pyproject.toml").write_text('[tool.ctxsep]\ndefault-phase = "migratd"\nexlude = []\n')
    files = [f"app/routes/r{n}.py" for n in range(6)]
    for name in files:
        (root / name).write_text(LEGACY_CALL)
    # a noqa on line 1 of the first file must not hide the broken config for the others
    (root / files[0]).write_text("x = 1  # noqa\n")
    proc = run([sys.executable, "-m", "flake8", "--isolated", "-j", jobs, "--select", "CTX", *files], root)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    results = [line for line in proc.stdout.splitlines() if "CTX901" in line]
    assert {line.split(":", 1)[0] for line in results} == set(files[1:]), results
    for problem in ("unknown phase 'migratd'", "'exlude': unknown key"):
        assert all(problem in line for line in results), (problem, results)
    assert len(results) == len(files) - 1, "one result per file, not one per problem per file"


def test_noqa_and_ctxsep_ignore(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app/routes/s.py").write_text(
        "a = create_user_execution_context(user_id='u')  # noqa: CTX002\n"
        "b = create_user_execution_context(user_id='u')  # ctxsep: ignore[CTX002]\n"
        "c = create_user_execution_context(user_id='u', db_session=db)  # ctxsep: ignore[legacy-context-constructor]\n"
        "d = create_user_execution_context(user_id='u')\n"
    )
    _, lines, _ = flake8(root, "app/routes/s.py")
    assert lines == ["app/routes/s.py:3:48:CTX001", "app/routes/s.py:4:5:CTX002"]


def test_syntax_error_is_flake8s_e999_only(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app/routes/bad.py").write_text("def (:\n" + LEGACY_CALL)
    _, lines, err = flake8(root, "app/routes/bad.py")
    assert [line.rsplit(":", 1)[1] for line in lines] == ["E999"]
    assert "Traceback" not in err


def test_plugin_is_registered_by_entry_point(tmp_path: Path) -> None:
    proc = run([sys.executable, "-m", "flake8", "--version"], tmp_path)
    assert "ctxsep:" in proc.stdout


def test_corrupt_baseline_is_a_clear_result_not_a_traceback(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "ctxsep-baseline.json").write_text('{"entries": [\n  {"path": "app/routes/r.py"}\n]}\n')
    proc = run([sys.executable, "-m", "flake8", "--isolated", "--select", "CTX", "app/routes/r.py"], root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "CTX901 ctxsep config error:" in proc.stdout
    problem = "ctxsep-baseline.json: entry 1 (line 2): missing 'code', 'scope', 'fingerprint', 'count', 'phase'"
    assert problem in proc.stdout
