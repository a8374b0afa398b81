"""What a warm run remembers per directory must give what asking per file
gives: the phase of every name against glob keys, nested configs, a config
edited under a long-lived resolver, and the cache keys of test modules."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from support import write_tree

from ctxsep.cache import ResultCache, entry_key
from ctxsep.config import SettingsResolver
from ctxsep.model import Phase
from ctxsep.runner import collect, run_check

CONFIG = """\
[tool.ctxsep]
default-phase = "migrated"

[tool.ctxsep.phases]
"app" = "transitional"
"app/routes" = "final"
"app/routes/v1_*.py" = "legacy"
"app/routes/users.py" = "transitional"
"**/test_*.py" = "legacy"
"debug_*.py" = "legacy"
"""
INNER = """\
[tool.ctxsep]
default-phase = "final"

[tool.ctxsep.phases]
"**/test_*.py" = "transitional"
"""
FILES = [
    "debug_x.py",
    "main.py",
    "test_main.py",
    "app/a.py",
    "app/test_a.py",
    "app/debug_a.py",
    "app/routes/users.py",
    "app/routes/v1_users.py",
    "app/routes/v2_users.py",
    "app/routes/test_users.py",
    "app/routes/conftest.py",
    "lib/debug_x.py",
    "lib/test_x.py",
    "inner/main.py",
    "inner/test_main.py",
    "inner/debug_x.py",
    "inner/app/routes/v1_users.py",
]
EXPECTED = {
    "debug_x.py": "legacy",
    "main.py": "migrated",
    "test_main.py": "legacy",
    "app/a.py": "transitional",
    "app/test_a.py": "legacy",
    "app/debug_a.py": "transitional",  # "debug_*.py" is anchored at the top
    "app/routes/users.py": "transitional",  # a literal file key beats its directory and globs
    "app/routes/v1_users.py": "legacy",
    "app/routes/v2_users.py": "final",
    "app/routes/test_users.py": "legacy",
    "app/routes/conftest.py": "final",
    "lib/debug_x.py": "migrated",
    "lib/test_x.py": "legacy",
    "inner/main.py": "final",  # its own config, none of the outer keys
    "inner/test_main.py": "transitional",
    "inner/debug_x.py": "final",
    "inner/app/routes/v1_users.py": "final",
}


def make_tree(root: Path) -> Path:
    tree = {"pyproject.toml": CONFIG, "inner/pyproject.toml": INNER}
    tree.update({name: "x = 1\n" for name in FILES})
    return write_tree(root, tree)


def phases(resolver: SettingsResolver, root: Path) -> dict[str, str]:
    return {name: resolver.for_path(root / name).phase.label for name in FILES}


@pytest.mark.parametrize("recheck", [False, True])
def test_every_name_in_a_directory_gets_its_own_phase(tmp_path: Path, recheck: bool) -> None:
    root = make_tree(tmp_path)
    resolver = SettingsResolver(cwd=root, recheck=recheck)
    # twice, in two orders: the second pass is answered from the memos
    assert phases(resolver, root) == EXPECTED
    assert {n: resolver.for_path(root / n).phase.label for n in reversed(FILES)} == EXPECTED
    # each file as a fresh resolver sees it, and through a relative path
    for name in FILES:
        assert SettingsResolver(cwd=root).for_path(root / name).phase.label == EXPECTED[name], name
        assert resolver.for_path(name).phase.label == EXPECTED[name], name
    inner = resolver.for_path(root / "inner/app/routes/v1_users.py")
    assert inner.config.root == root / "inner"
    assert inner.rel_path == "app/routes/v1_users.py"


def test_the_walk_places_every_file_as_for_path_alone_does(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    (root / ".hg").mkdir()  # a marker seen in the walk's listing, not by a stat
    # a repository of its own inside (its top stops the config search), with a
    # pyproject.toml that is not ours, and one that is
    (root / "vendored").mkdir()
    (root / "owned").mkdir()
    write_tree(root / "vendored", {"pyproject.toml": "[project]\nname = 'v'\n", "lib/test_v.py": "x = 1\n"})
    write_tree(root / "owned", {"pyproject.toml": INNER, "test_o.py": "x = 1\n"})
    (root / "owned" / ".git").rmdir()
    resolver = SettingsResolver(cwd=root, recheck=False)
    files = collect(["."], resolver)
    extra = ["vendored/lib/test_v.py", "owned/test_o.py"]
    assert sorted(str(f.relative_to(root)) for f in files) == sorted([*FILES, *extra])
    assert resolver.for_path(root / extra[0]).config.path is None  # the vendored top: no config of ours
    assert resolver.for_path(root / extra[1]).phase is Phase.TRANSITIONAL
    got = {str(f.relative_to(root)): resolver.for_path(f) for f in files}
    for name, settings in got.items():
        alone = SettingsResolver(cwd=root).for_path(root / name)
        assert (settings.phase, settings.rel_path, settings.config.path) == (
            alone.phase,
            alone.rel_path,
            alone.config.path,
        ), name


def rewrite(path: Path, text: str) -> None:
    """Replace a config so that a resolver re-reading it on change sees it
    (mtime or size differ even on a coarse clock)."""
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_size == before.st_size:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def test_a_long_lived_resolver_sees_a_config_edited_between_files(tmp_path: Path) -> None:
    """The server and editors keep one resolver (recheck=True) for hours."""
    root = make_tree(tmp_path)
    resolver = SettingsResolver(cwd=root, recheck=True)
    assert phases(resolver, root) == EXPECTED
    rewrite(
        root / "pyproject.toml", CONFIG.replace('"app/routes/v1_*.py" = "legacy"', '"app/routes/v2_*.py" = "legacy"')
    )
    now = phases(resolver, root)
    assert now["app/routes/v1_users.py"] == "final"
    assert now["app/routes/v2_users.py"] == "legacy"
    assert now["app/routes/users.py"] == "transitional"
    assert (
        resolver.for_path(root / "app/routes/v2_users.py").config.phase_map.lookup("app/routes/v2_users.py")[0]
        is Phase.LEGACY
    )
    # and back: no memo keeps the edited map's answers either
    rewrite(root / "pyproject.toml", CONFIG)
    assert phases(resolver, root) == EXPECTED


def test_a_one_shot_resolver_keeps_the_config_it_read(tmp_path: Path) -> None:
    """`ctxsep check` reads each config once (recheck=False): a run sees one
    version of it from its first file to its last."""
    root = make_tree(tmp_path)
    resolver = SettingsResolver(cwd=root, recheck=False)
    assert phases(resolver, root) == EXPECTED
    rewrite(root / "pyproject.toml", CONFIG.replace('"app" = "transitional"', '"app" = "final"'))
    assert phases(resolver, root) == EXPECTED
    assert SettingsResolver(cwd=root, recheck=False).for_path(root / "app/a.py").phase is Phase.FINAL


def test_cache_keys_are_the_workers_keys(tmp_path: Path) -> None:
    """The cache's memoized keys equal ``entry_key`` (what a worker reports):
    otherwise nothing checked would ever be stored."""
    root = make_tree(tmp_path)
    (root / "conftest.py").write_text("import pytest\n", encoding="utf-8")
    resolver = SettingsResolver(cwd=root, recheck=False)
    cache = ResultCache(root, tmp_path / "cache")
    memo: dict[tuple[int, str, bool], str] = {}  # one pass's memo, as lookup_all keeps it
    for name in [*FILES, *reversed(FILES)]:
        settings = resolver.for_path(root / name)
        assert cache.key_for(settings) == cache.key_for(settings, memo) == entry_key(settings), name


def test_a_long_lived_cache_sees_a_conftest_edited_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mypy plugin keeps one ResultCache for its whole run and asks it
    file by file: a test module's entry stops matching once a conftest.py
    above it changes, even within the same ResultCache."""
    monkeypatch.delenv("CTXSEP_NO_CACHE", raising=False)
    monkeypatch.setattr("ctxsep.cache.RACY_NS", 0)
    root = make_tree(tmp_path)
    cache_dir = tmp_path / "cache"
    resolver = SettingsResolver(cwd=root, recheck=False)
    run_check(["."], resolver, jobs=1, cache=ResultCache(root, cache_dir))
    kept = ResultCache(root, cache_dir)
    module = root / "app/routes/test_users.py"
    settings = resolver.for_path(module)
    assert kept.lookup(module, settings, "app/routes/test_users.py")[0] is not None
    (root / "app/routes/conftest.py").write_text("import pytest\n\n\n@pytest.fixture\ndef db():\n    return None\n")
    assert kept.lookup(module, settings, "app/routes/test_users.py")[0] is None


def test_a_conftest_edited_between_runs_rechecks_its_test_modules_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTXSEP_NO_CACHE", raising=False)
    monkeypatch.setattr("ctxsep.cache.RACY_NS", 0)
    monkeypatch.setattr("ctxsep.semantics.conftest.RECHECK_SECONDS", 0)
    root = make_tree(tmp_path)
    conftest = root / "app/routes/conftest.py"
    cache_dir = tmp_path / "cache"

    def run() -> dict[str, int]:
        return run_check(
            ["."], SettingsResolver(cwd=root, recheck=False), jobs=1, cache=ResultCache(root, cache_dir)
        ).cache_stats

    assert run()["checked"] == len(FILES)
    assert run() == {"cached": len(FILES), "rehashed": 0, "checked": 0}
    time.sleep(0.01)
    conftest.write_text("import pytest\n\n\n@pytest.fixture\ndef db():\n    return None\n", encoding="utf-8")
    # the test module beside it, and the conftest.py itself (its own key names the ones above it: none)
    stats = run()
    assert stats["checked"] == 2, stats
    assert stats["cached"] == len(FILES) - 2


def test_display_paths_are_display_path(tmp_path: Path) -> None:
    """Shown paths built per directory equal the ones built per file, inside
    and outside the cwd, with hidden and odd names."""
    from ctxsep.runner import display_path, display_paths

    cwd = tmp_path / "work"
    names = ["a.py", ".hidden.py", "b..py", "x.pyi", "..py", "c d.py"]
    dirs = [cwd, cwd / "pkg", cwd / ".github" / "scripts", tmp_path / "elsewhere", tmp_path, Path("/")]
    files = [d / n for d in dirs for n in names]
    files += [Path(str(cwd) + "/./pkg/a.py"), Path(str(cwd / "pkg") + "//b.py")]
    assert display_paths(files, cwd) == [display_path(f, cwd) for f in files]
    assert display_paths(reversed(files), cwd) == [display_path(f, cwd) for f in reversed(files)]
