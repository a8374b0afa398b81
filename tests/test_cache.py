"""The result cache of ``ctxsep check``, as a user notices it: warm runs give
the same findings, edits to a file, the config or the baseline show at
once, and a broken or contended cache never changes a result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support import ROOT, ctxsep_cli, run, write_tree

from ctxsep.cache import CACHE_DIR_NAME, INDEX_NAME, MAX_AGE_DAYS, RACY_NS, ResultCache, read_index, trusted_stamp
from ctxsep.config import SettingsResolver
from ctxsep.runner import RunResult, run_check

LEGACY = """
from app.context import create_user_execution_context


def route(db):
    return create_user_execution_context(user_id="u", db_session=db)
"""
SCOPED = """
from app.context import RequestScopedContext


def handle(context: RequestScopedContext):
    context.user_id = "x"
"""
CONFIG = '[tool.ctxsep]\ndefault-phase = "migrated"\n'


def project(tmp_path: Path, files: int = 3) -> Path:
    tree = {"pyproject.toml": CONFIG, "app/clean.py": "x = 1\n"}
    for i in range(files):
        tree[f"app/m{i}.py"] = LEGACY if i % 2 == 0 else SCOPED
    return write_tree(tmp_path, tree)


def check(root: Path, cache: bool = True, jobs: int = 1, cache_dir: Path | None = None) -> RunResult:
    resolver = SettingsResolver(cwd=root)
    return run_check(["."], resolver, jobs=jobs, cache=ResultCache(root, cache_dir) if cache else None)


def findings(result: RunResult) -> list[tuple[str, int, int, str, str, str]]:
    return [(f.path, f.line, f.col, f.code, f.severity.label, f.message) for f in result.shown_findings()]


def age(root: Path) -> None:
    """Make every file look written long ago, so the cache may trust its stamp."""
    old = time.time() - 3600
    for path in root.rglob("*.py"):
        os.utime(path, (old, old))
    time.sleep(RACY_NS / 1e9 + 0.1)  # ctime cannot be set back: let it age


@pytest.fixture(autouse=True)
def cache_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the cache: on even in a CTXSEP_NO_CACHE run."""
    monkeypatch.delenv("CTXSEP_NO_CACHE", raising=False)


@pytest.fixture
def aged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose stamps the cache trusts at once (in this process)."""
    monkeypatch.setattr("ctxsep.cache.RACY_NS", 0)
    return project(tmp_path)


def test_a_warm_run_reads_nothing_and_finds_the_same(aged: Path) -> None:
    cold = check(aged)
    warm = check(aged)
    assert findings(warm) == findings(cold) == findings(check(aged, cache=False))
    assert warm.summary() == cold.summary()
    assert warm.cache_stats == {"cached": 4, "rehashed": 0, "checked": 0}
    assert (aged / CACHE_DIR_NAME / INDEX_NAME).is_file()
    assert (aged / CACHE_DIR_NAME / "CACHEDIR.TAG").is_file()
    assert (aged / CACHE_DIR_NAME / ".gitignore").read_text(encoding="utf-8").endswith("*\n")


def test_an_edit_with_the_same_size_and_mtime_is_seen(tmp_path: Path) -> None:
    aged = project(tmp_path)
    age(aged)  # the real safety margin: the stamps are trusted
    assert check(aged).cache_stats["checked"] == 4
    assert check(aged).cache_stats["cached"] == 4
    target = aged / "app" / "m0.py"
    before = target.stat()
    text = target.read_text(encoding="utf-8")
    edited = text.replace("db_session=db", "dbxsession=db")  # same size: no session keyword any more
    assert len(edited) == len(text) and edited != text
    target.write_text(edited, encoding="utf-8")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # an editor that restores mtimes
    result = check(aged)
    codes = {f.code for f in result.shown_findings() if f.path == "app/m0.py"}
    assert codes == {"CTX002"}  # CTX001 (db_session=db) is gone
    assert result.cache_stats["checked"] == 1


def test_touching_a_file_rehashes_it_without_rechecking(aged: Path) -> None:
    check(aged)
    (aged / "app" / "m1.py").touch()
    result = check(aged)
    assert result.cache_stats == {"cached": 3, "rehashed": 1, "checked": 0}
    assert findings(result) == findings(check(aged, cache=False))


def test_a_config_change_invalidates(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert {f.severity.label for f in check(root).shown_findings()} == {"error"}
    (root / "pyproject.toml").write_text(CONFIG + '[tool.ctxsep.phases]\n"app" = "transitional"\n', encoding="utf-8")
    result = check(root)
    assert {f.severity.label for f in result.shown_findings()} == {"warn"}
    assert result.cache_stats["cached"] == 0
    assert findings(result) == findings(check(root, cache=False))


def test_the_baseline_applies_without_a_cache_flush(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = check(root)
    assert before.failed
    code, out, err = ctxsep_cli(root, "baseline", "create")
    assert code == 0, out + err
    hidden = check(root)
    assert not hidden.shown_findings() and len(list(hidden.baselined())) == len(before.shown_findings())
    assert hidden.cache_stats["checked"] == 0
    (root / "ctxsep-baseline.json").unlink()
    shown = check(root)
    assert findings(shown) == findings(before)
    assert shown.cache_stats["checked"] == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated by a crash
        lambda data: b"",
        lambda data: os.urandom(len(data)),
        lambda data: data.replace(b'"CTX', b'"XTC'),  # flipped bytes: the checksum no longer matches
        lambda data: b"ctxsep-cache v1 0\n{}",
    ],
    ids=["truncated", "empty", "garbage", "edited", "bad-checksum"],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(aged: Path, damage: object) -> None:
    expected = findings(check(aged, cache=False))
    check(aged)
    index = aged / CACHE_DIR_NAME / INDEX_NAME
    index.write_bytes(damage(index.read_bytes()))  # type: ignore[operator]
    result = check(aged)
    assert findings(result) == expected
    assert result.cache_stats["cached"] == 0
    assert read_index(index)  # rebuilt
    assert check(aged).cache_stats["cached"] == 4


def test_a_well_formed_index_with_wrong_shapes_is_ignored(aged: Path) -> None:
    from ctxsep.cache import MAGIC, encode_index

    check(aged)
    index = aged / CACHE_DIR_NAME / INDEX_NAME
    entries = read_index(index)
    for entry in entries.values():
        entry.stored = [True, None, [["not a line", 0, "CTX002", "x", 2, "m", "s", "f"]]]
    index.write_bytes(encode_index(entries))
    assert index.read_bytes().startswith(MAGIC)
    assert findings(check(aged)) == findings(check(aged, cache=False))


def test_concurrent_runs_both_finish_correctly_and_leave_a_valid_cache(tmp_path: Path) -> None:
    root = project(tmp_path, files=60)
    age(root)
    expected = json.loads(run_cli(root, "--no-cache").stdout)
    command = [sys.executable, "-m", "ctxsep", "check", "--format", "json", "-j", "2", "."]
    runs = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [proc.communicate(timeout=120)[0] for proc in runs]
    assert all(json.loads(out) == expected for out in outputs)
    entries = read_index(root / CACHE_DIR_NAME / INDEX_NAME)
    assert len(entries) == 61
    assert not [p for p in (root / CACHE_DIR_NAME).iterdir() if p.name.endswith(".tmp")]
    assert json.loads(run_cli(root).stdout) == expected
    assert check(root).cache_stats["cached"] == 61


def run_cli(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = run([sys.executable, "-m", "ctxsep", "check", "--format", "json", *extra, "."], root)
    assert proc.returncode in (0, 1), proc.stderr
    return proc


def test_where_the_cache_lives(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    root = project(tmp_path / "repo")
    run_cli(root / "app")  # run from a subdirectory: the cache sits beside the config
    assert (root / CACHE_DIR_NAME / INDEX_NAME).is_file()
    assert not (root / "app" / CACHE_DIR_NAME).exists()
    elsewhere = tmp_path / "cache"
    run_cli(root, "--cache-dir", str(elsewhere))
    assert (elsewhere / INDEX_NAME).is_file()
    (tmp_path / "bare").mkdir()
    bare = write_tree(tmp_path / "bare", {"m.py": LEGACY})  # no config: the cwd
    run_cli(bare)
    assert (bare / CACHE_DIR_NAME / INDEX_NAME).is_file()
    (tmp_path / "nocache").mkdir()
    nocache = write_tree(tmp_path / "nocache", {"m.py": LEGACY})
    run_cli(nocache, "--no-cache")
    assert not (nocache / CACHE_DIR_NAME).exists()
    code, _, err = ctxsep_cli(nocache, "check", "--no-cache", "--cache-dir", "x")
    assert code == 2 and "not allowed with" in err


def test_stale_entries_are_pruned(tmp_path: Path) -> None:
    from ctxsep.cache import Entry, encode_index

    root = project(tmp_path)
    check(root)
    index = root / CACHE_DIR_NAME / INDEX_NAME
    entries = read_index(index)
    today = next(iter(entries.values())).day
    entries["/gone/old.py"] = Entry("k", "c", None, today - MAX_AGE_DAYS - 1, None)
    entries["/gone/recent.py"] = Entry("k", "c", None, today - 1, None)
    index.write_bytes(encode_index(entries))
    (root / "app" / "m0.py").write_text(LEGACY + "\n", encoding="utf-8")  # a miss: the index is rewritten
    check(root)
    kept = read_index(index)
    assert "/gone/recent.py" in kept and "/gone/old.py" not in kept


def test_a_fresh_file_is_not_trusted_by_its_stamp(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("x = 1\n", encoding="utf-8")
    info = path.stat()
    assert trusted_stamp(info, info, time.time_ns()) is None  # written this instant
    assert trusted_stamp(info, info, max(info.st_mtime_ns, info.st_ctime_ns) + RACY_NS + 1) is not None
    path.write_text("x = 22\n", encoding="utf-8")
    assert trusted_stamp(info, path.stat(), time.time_ns() + 10 * RACY_NS) is None  # changed while read


def run_modes(root: Path, paths: list[str]) -> dict[str, object]:
    """The JSON output of one tree in every cache and parallelism mode."""
    outputs = {}
    cache = root.parent / f"{root.name}-cache"
    for name, extra in [
        ("no-cache serial", ["--no-cache", "-j", "1"]),
        ("no-cache parallel", ["--no-cache", "-j", "2"]),
        ("cold parallel", ["--cache-dir", str(cache), "-j", "2"]),
        ("warm serial", ["--cache-dir", str(cache), "-j", "1"]),
        ("warm parallel", ["--cache-dir", str(cache), "-j", "2"]),
    ]:
        proc = run([sys.executable, "-m", "ctxsep", "check", "--format", "json", *extra, *paths], root)
        assert proc.returncode in (0, 1), proc.stderr
        outputs[name] = json.loads(proc.stdout)
    return outputs


@pytest.mark.slow
@pytest.mark.parametrize("tree", ["tests/fixtures", "docs/example"])
def test_every_mode_gives_the_same_findings(tree: str, tmp_path: Path) -> None:
    outputs = run_modes_copy(ROOT / tree, tmp_path)
    reference = outputs.pop("no-cache serial")
    assert reference["findings"]  # type: ignore[index]
    for name, output in outputs.items():
        assert output == reference, name


def run_modes_copy(tree: Path, tmp_path: Path) -> dict[str, object]:
    import shutil

    copy = tmp_path / tree.name
    shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(CACHE_DIR_NAME, "__pycache__"))
    return run_modes(copy, ["."])


@pytest.mark.slow
def test_every_mode_gives_the_same_findings_on_a_generated_app(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    try:
        from synthetic import write_app
    finally:
        sys.path.pop(0)
    root = tmp_path / "app"
    write_app(root, lines=6000)
    outputs = run_modes(root, ["."])
    reference = outputs.pop("no-cache serial")
    assert reference["summary"]["parsed"] > 20  # type: ignore[index]
    for name, output in outputs.items():
        assert output == reference, name


def test_an_unreadable_file_is_not_cached(aged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ctxsep.atomic

    real_read = ctxsep.atomic.read_source

    def locked(path: Any) -> bytes:
        if Path(path).name == "m0.py":
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    with monkeypatch.context() as patch:  # every source file is read by atomic.read_source
        patch.setattr(ctxsep.atomic, "read_source", locked)
        first = check(aged)
    assert [f.code for f in first.shown_findings() if f.path == "app/m0.py"] == ["CTX900"]
    again = check(aged)
    assert {f.code for f in again.shown_findings() if f.path == "app/m0.py"} == {"CTX001", "CTX002"}
    assert again.cache_stats["checked"] == 1


def test_a_cache_that_cannot_be_written_is_no_error(aged: Path) -> None:
    blocked = aged / "not-a-directory"
    blocked.write_text("a file where the cache directory would go\n", encoding="utf-8")
    expected = findings(check(aged, cache=False))
    assert findings(check(aged, cache_dir=blocked)) == expected
    assert findings(check(aged, cache_dir=blocked)) == expected
    assert blocked.read_text(encoding="utf-8").startswith("a file")
