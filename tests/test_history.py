"""``report --history`` on a real git repository: every sampled point is what
a plain ``ctxsep report`` says on a checkout of that commit."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from history_demo import STEPS, build_demo, ctxsep_bin, git
from support import ctxsep_cli


def ctxsep(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ctxsep ARGS`` in-process (fast); ``ctxsep_process`` runs the installed command."""
    code, out, err = ctxsep_cli(cwd, *args)
    return subprocess.CompletedProcess(["ctxsep", *args], code, out, err)


def ctxsep_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ctxsep_bin(), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def without_source(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "source"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("demo") / "shop"
    return repo, build_demo(repo)


@pytest.fixture(scope="module")
def history(demo: tuple[Path, list[str]]) -> dict[str, Any]:
    repo, _ = demo
    proc = ctxsep_process(repo, "report", "--history", "--format", "json", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress in a pipe
    document: dict[str, Any] = json.loads(proc.stdout)
    return document


def test_each_point_equals_a_plain_report_of_a_checkout(
    demo: tuple[Path, list[str]], history: dict[str, Any], tmp_path: Path
) -> None:
    repo, commits = demo
    # one point a day, the last commit of the day: the morning commit of 03-04 is passed over
    assert [p["commit"] for p in history["points"]] == [commits[i] for i in (0, 2, 3, 4, 5, 6, 7, 8)]
    reported = 0
    for n, point in enumerate(history["points"]):
        checkout = tmp_path / f"checkout{n}"
        git(repo, "worktree", "add", "-q", "--detach", str(checkout), point["commit"])
        plain = ctxsep(checkout, "report", "--format", "json")
        if point["report"] is None:
            # the broken config: the plain report refuses it too, for the same key
            assert plain.returncode == 2, plain.stdout
            assert point["problems"] and all("colour" in p for p in point["problems"])
            assert "colour" in plain.stderr and "pyproject.toml" in point["problems"][0]
            continue
        assert plain.returncode == 0, plain.stderr
        expected = json.loads(plain.stdout)
        assert expected["source"]["commit"] == point["commit"]
        assert without_source(point["report"]) == without_source(expected), point["date"]
        reported += 1
    assert reported == 7


def test_the_config_and_phase_map_of_each_commit_apply(history: dict[str, Any]) -> None:
    by_subject = {p["subject"]: p for p in history["points"]}
    before = by_subject["Record the debt in a baseline (evening)"]["report"]
    after = by_subject["Promote app/routes; exclude generated code"]["report"]
    phases_before = {d["directory"]: d["phase"] for d in before["directories"]}
    phases_after = {d["directory"]: d["phase"] for d in after["directories"]}
    assert phases_before["app/routes"] == "legacy" and phases_after["app/routes"] == "migrated"
    # the baseline committed on 03-04 hides the debt there; promotion un-hides it
    assert before["totals"]["baselined"] == 3 and before["totals"]["errors"] == 0
    assert after["totals"]["errors"] == 3
    # build/ is never walked, and the new exclude drops app/generated
    assert "app/generated" not in phases_after and not any(d.startswith("build") for d in phases_after)


def test_unchanged_files_are_never_checked_again(history: dict[str, Any]) -> None:
    points = {p["subject"]: p for p in history["points"]}
    first = points["Start: legacy everywhere"]
    assert (first["checked_files"], first["reused_files"]) == (4, 0)
    docs_only = points["Docs only"]  # no source file changed, nor the config
    assert (docs_only["checked_files"], docs_only["reused_files"]) == (0, 4)
    one_file = points["Migrate the billing service"]
    assert (one_file["checked_files"], one_file["reused_files"]) == (1, 3)
    promoted = points["Promote app/routes; exclude generated code"]  # a new config: everything again
    assert promoted["checked_files"] == 4
    # a new baseline and no source change: nothing checked, the new baseline applied to the reused results
    rebaselined = points["Re-record the baseline after the promotion"]
    assert (rebaselined["checked_files"], rebaselined["reused_files"]) == (0, 4)
    before, after = one_file["report"]["totals"], rebaselined["report"]["totals"]
    assert (before["errors"], before["baselined"]) == (3, 0)
    assert (after["errors"], after["baselined"]) == (0, 3)


def test_projection_and_sampling_options(demo: tuple[Path, list[str]], history: dict[str, Any]) -> None:
    repo, commits = demo
    legacy = history["projection"]["legacy_calls"]
    assert legacy["now"] == 0 and legacy["status"] == "done"
    every = json.loads(ctxsep(repo, "report", "--history", "--every", "3", "--format", "json").stdout)
    assert [p["commit"] for p in every["points"]] == [commits[2], commits[5], commits[8]]
    since = json.loads(ctxsep(repo, "report", "--history", "--since", commits[5], "--format", "json").stdout)
    assert [p["commit"] for p in since["points"]] == commits[5:]
    since_day = json.loads(ctxsep(repo, "report", "--history", "--since", "2025-03-10", "--format", "json").stdout)
    assert [p["commit"] for p in since_day["points"]] == commits[6:]


def test_projection_dates_at_the_recent_pace(tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    build_demo(repo, steps=len(STEPS) - 1)  # stop before the last routes are migrated
    document = json.loads(ctxsep(repo, "report", "--history", "--format", "json", "--pace-weeks", "2").stdout)
    legacy = document["projection"]["legacy_calls"]
    # 4 calls on 03-03 down to 2 on 03-11: about -1.5 a week, so zero near the end of the month
    assert legacy["now"] == 2 and legacy["status"] == "on" and legacy["per_week"] < 0
    assert "2025-03-12" <= legacy["zero_on"] <= "2025-04-30", legacy
    routes = next(d for d in document["projection"]["directories"] if d["directory"] == "app/routes")
    assert routes["next_phase"] == "final"


def test_history_errors_are_clear(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    proc = ctxsep_process(tmp_path / "plain", "report", "--history")
    assert proc.returncode == 2 and "not inside a git repository" in proc.stderr
    assert "Traceback" not in proc.stderr
    repo = tmp_path / "shop"
    build_demo(repo, steps=2)
    proc = ctxsep(repo, "report", "--history", "--since", "no-such-rev")
    assert proc.returncode == 2 and "--since 'no-such-rev'" in proc.stderr
    proc = ctxsep(repo, "report", "--every", "2")
    assert proc.returncode == 2 and "--every: only with --history" in proc.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("extra", "env", "shown"), [((), {}, True), (("-q",), {}, False), ((), {"CI": "true"}, False)])
def test_progress_only_on_a_terminal(
    demo: tuple[Path, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    extra: tuple[str, ...],
    env: dict[str, str],
    shown: bool,
) -> None:
    from ctxsep.cli import main

    repo, _ = demo
    monkeypatch.setenv("CTXSEP_PROGRESS_AFTER", "0")  # as if every commit took long
    monkeypatch.delenv("CI", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(repo)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "--history", *extra]) == 0
    assert ("ctxsep: 8/8 commits" in terminal.getvalue()) is shown


def test_a_path_that_did_not_exist_yet(demo: tuple[Path, list[str]]) -> None:
    repo, _ = demo
    (repo / "app/generated").mkdir(exist_ok=True)  # PATH must exist now; it is excluded by then
    document = json.loads(ctxsep(repo, "report", "--history", "app/generated", "--format", "json").stdout)
    first = document["points"][0]
    assert first["report"] is None
    assert first["problems"] == ["app/generated: no such file or directory at this commit"]
    promoted = next(p for p in document["points"] if p["subject"].startswith("Promote"))
    # it exists from then on, and the config of that commit excludes it: nothing to report
    assert promoted["report"] is not None and promoted["report"]["directories"] == []
    plain = json.loads(ctxsep(repo, "report", "app/generated", "--format", "json").stdout)
    assert without_source(document["points"][-1]["report"]) == without_source(plain)


def test_from_a_subdirectory(demo: tuple[Path, list[str]]) -> None:
    repo, _ = demo
    document = json.loads(ctxsep(repo / "app", "report", "--history", "routes", "--format", "json").stdout)
    plain = json.loads(ctxsep(repo / "app", "report", "routes", "--format", "json").stdout)
    assert [d["directory"] for d in plain["directories"]] == ["routes"]
    assert without_source(document["points"][-1]["report"]) == without_source(plain)


def test_a_config_from_outside_the_repository(demo: tuple[Path, list[str]], tmp_path: Path) -> None:
    repo, _ = demo
    outside = tmp_path / "team.toml"
    outside.write_text('default-phase = "final"\n', encoding="utf-8")
    document = json.loads(ctxsep(repo, "report", "--history", "--config", str(outside), "--format", "json").stdout)
    # every commit, the broken config's included, is reported with the outside config
    assert all(p["report"] is not None for p in document["points"])
    assert {d["phase"] for p in document["points"] for d in p["report"]["directories"]} == {"final"}
    # the kept results are keyed with the outside config's content: an edit is not served stale
    outside.write_text('default-phase = "migrated"\n', encoding="utf-8")
    document = json.loads(ctxsep(repo, "report", "--history", "--config", str(outside), "--format", "json").stdout)
    assert {d["phase"] for p in document["points"] for d in p["report"]["directories"]} == {"migrated"}
    proc = ctxsep(repo, "report", "--history", "--config", str(tmp_path / "missing.toml"))
    assert proc.returncode == 2 and "missing.toml: cannot read config" in proc.stderr
    outside.write_text('default-phase = "finale"\n', encoding="utf-8")
    proc = ctxsep(repo, "report", "--history", "--config", str(outside))
    assert proc.returncode == 2 and "'default-phase'" in proc.stderr and proc.stdout == ""


def test_a_history_where_nothing_could_be_reported(tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    build_demo(repo, steps=1)
    (repo / "pyproject.toml").write_text("[tool.ctxsep]\ncolour = 1\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken from the start", date="2025-03-03T12:00:00+00:00")
    proc = ctxsep(repo, "report", "--history", "--since", "HEAD")
    assert proc.returncode == 0, proc.stderr
    assert "No sampled commit could be reported." in proc.stdout
    assert "not reported: pyproject.toml: [tool.ctxsep] 'colour': unknown key" in proc.stdout.replace("\\", "")
    page = ctxsep(repo, "report", "--history", "--since", "HEAD", "--format", "html").stdout
    assert "No sampled commit could be reported." in page and "unknown key" in page


def counts_apart(document: dict[str, Any]) -> tuple[list[tuple[int, int]], dict[str, Any]]:
    """((checked, reused) per point, the document without them)."""
    counts = [(p.pop("checked_files"), p.pop("reused_files")) for p in document["points"]]
    return counts, document


def test_results_are_kept_between_runs(
    demo: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTXSEP_NO_CACHE", raising=False)  # `tox -e nocache` sets it
    repo, _ = demo
    cache = tmp_path / "cache"
    args = ("report", "--history", "--format", "json", "--cache-dir", str(cache))
    first_counts, first = counts_apart(json.loads(ctxsep(repo, *args).stdout))
    store = cache / "history-v1.json"
    assert store.exists() and (cache / ".gitignore").exists()
    second_counts, second = counts_apart(json.loads(ctxsep(repo, *args).stdout))
    assert second == first  # the same report, from results kept since the first run
    assert sum(checked for checked, _ in first_counts) == 11
    assert all(checked == 0 for checked, _ in second_counts)
    # a damaged store is ignored and replaced, never trusted
    store.write_bytes(store.read_bytes()[:-40] + b"garbage")
    third_counts, third = counts_apart(json.loads(ctxsep(repo, *args).stdout))
    assert third == first and third_counts == first_counts
    assert all(checked == 0 for checked, _ in counts_apart(json.loads(ctxsep(repo, *args).stdout))[0])
    # --no-cache neither reads nor writes one (the default place is the repository's root)
    default = repo / ".ctxsep_cache" / "history-v1.json"
    before = default.read_bytes() if default.exists() else None
    nothing = ("report", "--history", "--format", "json", "--no-cache")
    assert counts_apart(json.loads(ctxsep(repo, *nothing).stdout))[0] == first_counts
    assert (default.read_bytes() if default.exists() else None) == before
    proc = ctxsep(repo, "report", "--no-cache")
    assert proc.returncode == 2 and "--no-cache: only with --history" in proc.stderr


def test_ctxsep_no_cache_keeps_no_history_store(
    demo: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CTXSEP_NO_CACHE=1 means --no-cache for the history walk, as for `check`."""
    repo, _ = demo
    cache = tmp_path / "cache"
    args = ("report", "--history", "--format", "json", "--cache-dir", str(cache))
    monkeypatch.setenv("CTXSEP_NO_CACHE", "1")
    first_counts, first = counts_apart(json.loads(ctxsep(repo, *args).stdout))
    assert not (cache / "history-v1.json").exists()
    monkeypatch.setenv("CTXSEP_NO_CACHE", "0")
    again_counts, again = counts_apart(json.loads(ctxsep(repo, *args).stdout))
    assert again == first and again_counts == first_counts  # nothing was kept to reuse
    assert (cache / "history-v1.json").exists()


def test_links_and_files_too_large_as_a_checkout_reads_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ctxsep import atomic

    repo = tmp_path / "shop"
    build_demo(repo, steps=1)
    routes = repo / "app/routes"
    (routes / "alias.py").symlink_to("orders.py")  # reported at its own path, with the target's content
    (routes / "chain.py").symlink_to("alias.py")
    (routes / "gone.py").symlink_to("missing.py")  # dangling: cannot be read
    (routes / "big.py").write_text("x = 1\n" * 100, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links", date="2025-03-04T10:00:00+00:00")
    monkeypatch.setattr(atomic, "MAX_SOURCE_BYTES", 500)  # big.py is too large to read
    plain = json.loads(ctxsep(repo, "report", "--format", "json", "-j", "1").stdout)
    history = json.loads(ctxsep(repo, "report", "--history", "--no-cache", "--format", "json", "-j", "1").stdout)
    assert without_source(history["points"][-1]["report"]) == without_source(plain)
    routes_row = next(d for d in plain["directories"] if d["directory"] == "app/routes")
    assert routes_row["files"] == 5 and routes_row["legacy_calls"] == 3 * 3
    assert routes_row["by_rule"]["CTX900"]["error"] == 2  # gone.py, big.py
