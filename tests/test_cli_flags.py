"""The ruff-like command line (issue 18): rule selection, --exit-zero,
--statistics, --output-file, colour and source snippets, the same -q and
--format in every command that prints findings, and the flake8/pylint
recipes the docs give. Every test runs the real command."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, assert_golden, bin_path, write_tree

LEGACY = "from app.context import create_user_execution_context\n"
CALL = "ctx = create_user_execution_context(user_id='u', db_session=db)\n"  # CTX002 @7, CTX001 @50


def ctxsep(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONPATH")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ctxsep", *args], cwd=root, capture_output=True, text=True, timeout=120, env=environ
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "docs" / "example", root, dirs_exist_ok=True)
    (root / ".git").mkdir()
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            "ctxsep.toml": 'default-phase = "migrated"\n',
            "app/a.py": LEGACY + CALL,
            "app/b.py": "def f(context: RequestScopedContext):\n    return context.db_session\n",  # CTX003
        },
    )


def codes(proc: subprocess.CompletedProcess[str]) -> set[str]:
    assert proc.returncode in (0, 1), proc.stderr
    return {f["code"] for f in json.loads(proc.stdout)["findings"]}


# -- selection ----------------------------------------------------------------------


def test_select_ignore_and_extend_select_take_codes_and_prefixes(project: Path) -> None:
    everything = codes(ctxsep(project, "check", "--format", "json"))
    assert everything == {"CTX001", "CTX002", "CTX003"}
    assert codes(ctxsep(project, "check", "--format", "json", "--select", "CTX002")) == {"CTX002"}
    assert codes(ctxsep(project, "check", "--format", "json", "--select", "CTX001,CTX003")) == {"CTX001", "CTX003"}
    assert codes(ctxsep(project, "check", "--format", "json", "--ignore", "CTX00")) == set()
    # the more specific prefix wins, as in ruff and flake8
    assert codes(ctxsep(project, "check", "--format", "json", "--ignore", "CTX00", "--extend-select", "CTX003")) == {
        "CTX003"
    }
    assert codes(ctxsep(project, "check", "--format", "json", "--select", "CTX002", "--extend-select", "ctx003")) == {
        "CTX002",
        "CTX003",
    }


def test_selection_decides_the_exit_code_and_the_summary(project: Path) -> None:
    proc = ctxsep(project, "check", "-q", "--ignore", "CTX")
    assert proc.returncode == 0 and proc.stdout == "ctxsep: 0 errors, 0 warnings in 2 files checked.\n"
    proc = ctxsep(project, "check", "-q", "--select", "CTX003")
    assert proc.returncode == 1 and proc.stdout == "ctxsep: 1 error, 0 warnings in 2 files checked.\n"


def test_an_unknown_code_is_a_usage_error(project: Path) -> None:
    proc = ctxsep(project, "check", "--select", "CTX002,E501")
    assert proc.returncode == 2
    assert "--select E501: matches no ctxsep rule" in proc.stderr and "Traceback" not in proc.stderr


def test_a_file_that_cannot_be_checked_is_reported_whatever_select_says(project: Path) -> None:
    (project / "app/broken.py").write_text("def (:\n" + CALL, encoding="utf-8")
    assert "CTX900" in codes(ctxsep(project, "check", "--format", "json", "--select", "CTX002"))
    assert "CTX900" not in codes(ctxsep(project, "check", "--format", "json", "--ignore", "CTX900"))


# -- exit code, statistics, output file ---------------------------------------------


def test_exit_zero(project: Path) -> None:
    proc = ctxsep(project, "check", "--exit-zero")
    assert proc.returncode == 0 and "error: CTX002" in proc.stdout
    assert ctxsep(project, "check", "--exit-zero", "--jobs", "0").returncode == 2  # usage errors still exit 2


def test_statistics_golden(demo: Path, update_goldens: bool) -> None:
    proc = ctxsep(demo, "check", "--no-cache", "--statistics")
    assert proc.returncode == 1, proc.stderr
    assert_golden("check.statistics.txt", proc.stdout, update_goldens)
    rows = json.loads(ctxsep(demo, "check", "--no-cache", "--statistics", "--format", "json").stdout)
    assert rows[0] == {"code": "CTX002", "symbol": "legacy-context-constructor", "count": 5, "errors": 2, "warnings": 3}
    assert ctxsep(demo, "check", "--statistics", "--format", "sarif").returncode == 2


def test_output_file(project: Path) -> None:
    proc = ctxsep(project, "check", "--output-file", "out/report.json", "--format", "json", FORCE_COLOR="1")
    assert proc.returncode == 2 and "out/report.json: cannot write the output" in proc.stderr  # no such directory
    (project / "out").mkdir()
    proc = ctxsep(project, "check", "-o", "out/report.txt", FORCE_COLOR="1")
    assert proc.returncode == 1 and proc.stdout == ""
    written = (project / "out/report.txt").read_text(encoding="utf-8")
    assert "app/a.py:2:7: error: CTX002" in written and "\x1b[" not in written  # never coloured


# -- colour and snippets ------------------------------------------------------------


def test_coloured_snippet_golden(demo: Path, update_goldens: bool) -> None:
    proc = ctxsep(demo, "check", "--no-cache", FORCE_COLOR="1")
    assert proc.returncode == 1 and "\x1b[" in proc.stdout
    assert_golden("check.text-colour.txt", proc.stdout, update_goldens)


def test_snippet_golden_without_colour_in_a_pipe(demo: Path, update_goldens: bool) -> None:
    proc = ctxsep(demo, "check", "--no-cache")
    assert "\x1b[" not in proc.stdout
    assert_golden("check.text.txt", proc.stdout, update_goldens)


def test_no_color_beats_force_color(project: Path) -> None:
    assert "\x1b[" not in ctxsep(project, "check", FORCE_COLOR="1", NO_COLOR="1").stdout


def test_colour_on_a_real_terminal(project: Path) -> None:
    def on_tty(**env: str) -> str:
        leader, follower = pty.openpty()
        environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONPATH")}
        environ.update(env, TERM="xterm")
        proc = subprocess.Popen(
            [sys.executable, "-m", "ctxsep", "check", "--no-cache"], cwd=project, stdout=follower, env=environ
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=60)
        os.close(leader)
        return b"".join(chunks).decode("utf-8")

    assert "\x1b[1;31mCTX002\x1b[0m" in on_tty()
    assert "\x1b[" not in on_tty(NO_COLOR="1")


def test_caret_sits_under_the_finding_with_tabs_and_wide_characters(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "migrated"\n'})
    (root / "w.py").write_text(LEGACY + "x = ('日本', create_user_execution_context(user_id='ü'))\n", encoding="utf-8")
    (root / "t.py").write_text(LEGACY + "if x:\n\tc = create_user_execution_context(user_id='u')\n", encoding="utf-8")
    out = ctxsep(root, "check", "--no-cache", "--format", "text").stdout.splitlines()
    for source_index in (i for i, line in enumerate(out) if "= " in line and " | " in line):
        source, carets = out[source_index], out[source_index + 1]
        call = source.index("create_user")
        # the two wide characters take two columns each in a terminal
        shift = 2 if "日本" in source else 0
        assert carets.index("^") == call + shift, (source, carets)
        assert carets.rstrip().endswith("^ CTX002")


# -- -q and --format in every command that prints findings ---------------------------


def test_quiet_and_format_in_baseline_check_and_gate(project: Path) -> None:
    proc = ctxsep(project, "baseline", "check", "-q")
    assert proc.returncode == 1
    assert proc.stdout == (
        "ctxsep baseline check: 3 findings not in the baseline, 0 stale entries, 0 entries un-hidden by promotion.\n"
    )
    document = json.loads(ctxsep(project, "baseline", "check", "--format", "json").stdout)
    assert document["summary"] == {"new": 3, "stale": 0, "unhidden": 0}
    assert {f["code"] for f in document["baselines"][0]["new"]} == {"CTX001", "CTX002", "CTX003"}
    concise = ctxsep(project, "baseline", "check", "--format", "concise").stdout
    assert "app/a.py:2:7: error: CTX002" in concise and " | " not in concise
    github = ctxsep(project, "baseline", "check", "--format", "github").stdout
    assert "::error file=app/a.py,line=2,col=7,title=CTX002 legacy-context-constructor::" in github

    proc = ctxsep(project, "gate", "app", "--to", "final", "-q")
    assert (
        proc.returncode == 1 and proc.stdout.startswith("FAIL: promoting app to final") and proc.stdout.count("\n") == 1
    )
    gate = json.loads(ctxsep(project, "gate", "app", "--to", "final", "--format", "json", "-q").stdout)
    assert gate["files"] == [] and gate["errors"] == 4  # CTX007 joins in final
    concise = ctxsep(project, "gate", "app", "--to", "final", "--format", "concise", "--output", "gate.txt")
    assert concise.returncode == 1 and concise.stdout == ""
    lines = (project / "gate.txt").read_text(encoding="utf-8").splitlines()
    assert "app/a.py:2:7: error: CTX002 call of legacy constructor 'create_user_execution_context'" in lines[1]
    assert lines[-1].startswith("FAIL: promoting app to final") and len(lines) == 5
    github = ctxsep(project, "gate", "app", "--to", "final", "--format", "github").stdout
    assert github.count("::error file=") == 4 and github.splitlines()[-1].startswith("FAIL: promoting app to final")


# -- flake8 and pylint recipes ------------------------------------------------------


def test_flake8_messages_carry_the_severity_and_the_warn_only_recipe_works(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "transitional"\n', "app/a.py": LEGACY + CALL})
    flake8 = [bin_path("flake8"), "--isolated"]
    proc = subprocess.run([*flake8, "--select", "CTX", "app"], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "app/a.py:2:7: CTX002 [warn] call of legacy constructor" in proc.stdout
    # docs/integrations/flake8.md: the codes that only warn in this phase go to a non-blocking run
    warn_codes = "CTX001,CTX002,CTX004,CTX005"
    blocking = subprocess.run(
        [*flake8, "--select", "CTX", "--extend-ignore", warn_codes, "app"], cwd=root, capture_output=True, text=True
    )
    assert blocking.returncode == 0 and blocking.stdout == ""
    report = subprocess.run(
        [*flake8, "--select", warn_codes, "--exit-zero", "app"], cwd=root, capture_output=True, text=True
    )
    assert report.returncode == 0 and report.stdout.count("[warn]") == 2
    (root / "ctxsep.toml").write_text('default-phase = "migrated"\n', encoding="utf-8")
    proc = subprocess.run([*flake8, "--select", "CTX", "app"], cwd=root, capture_output=True, text=True, timeout=120)
    assert "CTX002 [error]" in proc.stdout


def test_pylint_lets_warnings_pass_with_fail_on_e_and_fail_under_0(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ctxsep.toml": 'default-phase = "transitional"\n', "app/a.py": LEGACY + CALL})
    pylint = [sys.executable, "-m", "pylint", "--rcfile=/dev/null", "--load-plugins=pylint_ctxsep", "--persistent=n"]
    pylint += ["--disable=all", "--enable=ctxsep"]
    only_fail_on = subprocess.run([*pylint, "--fail-on=E", "app"], cwd=root, capture_output=True, text=True)
    assert only_fail_on.returncode != 0 and "legacy-context-constructor-warning" in only_fail_on.stdout
    recipe = subprocess.run([*pylint, "--fail-on=E", "--fail-under=0", "app"], cwd=root, capture_output=True, text=True)
    assert recipe.returncode == 0, recipe.stdout
    (root / "ctxsep.toml").write_text('default-phase = "migrated"\n', encoding="utf-8")
    errors = subprocess.run([*pylint, "--fail-on=E", "--fail-under=0", "app"], cwd=root, capture_output=True, text=True)
    assert errors.returncode != 0


# -- rule documentation -------------------------------------------------------------


def test_rules_code_reads_as_text(project: Path) -> None:
    proc = ctxsep(project, "rules", "CTX003")
    assert proc.returncode == 0
    out = proc.stdout
    assert "`" not in out and "##" not in out
    assert "What it does\n------------\n" in out
    assert "\n    async def process_message(context: RequestScopedContext, message: dict):\n" in out
    markdown = ctxsep(project, "rules", "CTX003", "--format", "md").stdout
    assert markdown == (ROOT / "docs" / "rules" / "CTX003.md").read_text(encoding="utf-8")


def test_rule_docs_use_single_backticks() -> None:
    import re

    from ctxsep.rules import ALL_RULES

    for rule in ALL_RULES:
        assert not re.search(r"(?<!`)``(?!`)", rule.doc), f"{rule.code}: RST double backticks in its docs"


def test_the_fixable_mark_has_its_slot() -> None:
    from ctxsep.model import Finding, Severity
    from ctxsep.output.text import line_for

    finding = Finding("a.py", 3, 4, "CTX002", "legacy-context-constructor", Severity.ERROR, "CTX002 call of x")
    assert line_for(finding) == "a.py:3:5: error: CTX002 call of x"
    assert line_for(finding, fixable=True) == "a.py:3:5: error: CTX002 [*] call of x"


# -- unknown options are reported against their subcommand --------------------------


@pytest.mark.parametrize(
    ("args", "usage", "hint"),
    [
        (("check", "--fix"), "usage: ctxsep check ", True),
        (("check", "app", "--unsafe-fixes"), "usage: ctxsep check ", True),
        (("check", "--diff"), "usage: ctxsep check ", True),
        (("fix", "--bogus"), "usage: ctxsep fix ", False),
        (("baseline", "create", "--bogus"), "usage: ctxsep baseline create ", False),
    ],
)
def test_unknown_option_shows_the_subcommand_usage(
    project: Path, args: tuple[str, ...], usage: str, hint: bool
) -> None:
    proc = ctxsep(project, *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith(usage), proc.stderr
    assert "usage: ctxsep [-h]" not in proc.stderr
    assert f"unrecognized arguments: {args[-1]}" in proc.stderr
    assert ("fixes are made by `ctxsep fix`" in proc.stderr) == hint
    assert proc.stdout == ""


def test_fix_quiet_and_exit_zero(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(ROOT / "docs" / "example", project)
    diff = ctxsep(project, "fix", "--diff")
    assert diff.returncode == 1, diff.stderr
    assert "Would fix" in diff.stderr
    quiet = ctxsep(project, "fix", "--diff", "-q", "--exit-zero")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == diff.stdout and quiet.stdout.startswith("--- a/")
    assert quiet.stderr == ""
    fixed = ctxsep(project, "fix", "--quiet")
    assert fixed.returncode == 0 and fixed.stdout == "", fixed
    assert ctxsep(project, "fix", "--diff").returncode == 0  # the quiet run did write


def test_help_says_what_each_command_does_with_a_rule(project: Path) -> None:
    fix_help = ctxsep(project, "fix", "--help").stdout
    assert "fix only these rules" in fix_help and "do not fix these rules" in fix_help
    assert "report" not in fix_help.split("rule selection")[1]
    check_help = ctxsep(project, "check", "--help").stdout
    assert "report only these rules" in check_help
    create_help = " ".join(ctxsep(project, "baseline", "create", "--help").stdout.split())
    assert "also record what mypy" in create_help and "judge" not in create_help
    assert "also judge what mypy" in " ".join(ctxsep(project, "baseline", "check", "--help").stdout.split())


@pytest.mark.parametrize("flag", ["-o", "--output-file", "--output"])
def test_report_takes_the_output_file_spellings_of_check(tmp_path: Path, flag: str) -> None:
    project = tmp_path / "demo"
    shutil.copytree(ROOT / "docs" / "example", project)
    proc = ctxsep(project, "report", flag, "out.md")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert (project / "out.md").read_text().startswith("# ctxsep migration report")


def test_json_summary_always_says_how_many_findings_are_fixable(tmp_path: Path, project: Path) -> None:
    from fixprojects import ROUTE_BEFORE
    from fixprojects import project as fix_project

    (tmp_path / "fixable").mkdir()
    root = fix_project(tmp_path / "fixable", {"message.py": ROUTE_BEFORE})
    some = json.loads(ctxsep(root, "check", "--format", "json").stdout)["summary"]["fixable"]
    assert set(some) == {"safe", "unsafe"} and some["safe"] >= 1
    none = ctxsep(project, "check", "--select", "CTX003", "--format", "json")
    assert json.loads(none.stdout)["summary"]["fixable"] == {"safe": 0, "unsafe": 0}
    text = ctxsep(project, "check", "--select", "CTX003")
    assert text.returncode == 1 and "fixable" not in text.stdout


def test_rules_text_renders_every_section_and_leaves_code_alone(project: Path) -> None:
    text = ctxsep(project, "rules", "CTX003").stdout
    md = ctxsep(project, "rules", "CTX003", "--format", "md").stdout
    for heading in ("What it does", "Fix", "Tested examples"):
        assert f"## {heading}" in md.replace("### ", "## ")
        assert f"\n{heading}\n{'-' * len(heading)}\n" in text
    assert "def g[T: RequestScopedContext](context: T)" in md
    assert "def g[T: RequestScopedContext](context: T)" in text
    assert "async def process_message(context: RequestScopedContext, message: dict):  # expect: CTX003@1" in text
    # every line of every code block comes out as it is, indented four spaces
    for block in md.split("```python\n")[1:]:
        for line in block.split("\n```")[0].splitlines():
            assert ("    " + line if line.strip() else "") in text.splitlines()


def test_inline_markup_never_changes_code_spans() -> None:
    from ctxsep.output.terminal_doc import inline

    assert inline("see [fixes](f.md) and `a[b](c)` and `**x**`, *y*") == "see fixes (f.md) and a[b](c) and **x**, y"
