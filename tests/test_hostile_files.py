"""Files and directories a checkout can hold that are not plain source
files (issue 14 items 6, 9, 10; SPEC §10): a FIFO named ``x.py``, ``x.py ->
/dev/zero``, a directory only another user can read, file names that are
not UTF-8. Every command is a real process with a deadline: a hang fails
the test instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import write_tree

from ctxsep.baseline.fileformat import read_entries

CONFIG = '[tool.ctxsep]\ndefault-phase = "migrated"\n'
LEGACY = "def handler(db):\n    return create_user_execution_context(user_id='u')\n"
COMMANDS = {
    "check": ["check", "--no-cache", "-j", "1", "app"],
    "names": ["names", "app"],
    "report": ["report", "-j", "1"],
    "baseline check": ["baseline", "check", "-j", "1", "app"],
}


def ctxsep(root: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(root.parent / "home"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ctxsep", *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return write_tree(root, {"pyproject.toml": CONFIG, "app/handler.py": LEGACY})


# -- item 6: FIFOs and devices are never opened ----------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_fifo_and_a_device_named_like_source_never_hang(tmp_path: Path, command: str) -> None:
    root = project(tmp_path)
    os.mkfifo(root / "app" / "x.py")  # opening it for reading blocks until a writer comes
    (root / "app" / "z.py").symlink_to("/dev/zero")  # reading it never ends
    proc = ctxsep(root, *COMMANDS[command])
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    if command in ("check", "baseline check"):
        assert "app/x.py:1:1: error: CTX900 file not checked: cannot read: not a regular file (a FIFO)" in proc.stdout
        assert "app/z.py:1:1: error: CTX900 file not checked: cannot read: not a regular file (a character" in (
            proc.stdout
        )
        assert "app/handler.py:2:12: error: CTX002" in proc.stdout  # the real file is still checked


def test_the_same_files_in_json_are_reported_once_each(tmp_path: Path) -> None:
    root = project(tmp_path)
    os.mkfifo(root / "app" / "x.py")
    proc = ctxsep(root, "check", "--format", "json", "app")
    findings = json.loads(proc.stdout)["findings"]
    assert sorted((f["path"], f["code"]) for f in findings) == [("app/handler.py", "CTX002"), ("app/x.py", "CTX900")]


# -- item 9: a directory only another user can read -----------------------------------------


def _as_nobody(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """ctxsep as the unprivileged user ``nobody``. The interpreter may live
    where nobody cannot read (/root), so a root process imports ctxsep
    first — every module of it, since commands import what they use when
    they use it, and the standard modules those import lazily — and then
    drops to nobody before running the command."""
    script = (
        "import os, sys, pwd, json, tomllib, concurrent.futures.process, pathspec\n"
        "import locale, gettext, difflib, secrets, tempfile, pkgutil, importlib\n"
        "import ctxsep, ctxsep.cli\n"
        "for module in pkgutil.walk_packages(ctxsep.__path__, 'ctxsep.'):\n"
        "    if not module.name.startswith(('ctxsep.server', 'ctxsep.__main__')):\n"
        "        importlib.import_module(module.name)\n"
        "user = pwd.getpwnam('nobody')\n"
        "os.setgroups([]); os.setgid(user.pw_gid); os.setuid(user.pw_uid)\n"
        "sys.exit(ctxsep.cli.main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(root), "XDG_CACHE_HOME": str(root / ".home")}
    return subprocess.run(
        [sys.executable, "-c", script, *args], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def locked_tree() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("needs root to create a directory another user owns and to become nobody")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody' on this machine")
    # Not under pytest's tmp_path: its parents are private to root.
    top = Path(tempfile.mkdtemp(prefix="ctxsep-locked-"))
    try:
        root = project(top)
        pgdata = root / "app" / "pgdata"
        pgdata.mkdir()
        (pgdata / "x.py").write_text(LEGACY, encoding="utf-8")
        for path in (top, *root.rglob("*"), root):
            path.chmod(0o777 if path.is_dir() else 0o666)
        pgdata.chmod(0o000)  # root-owned, mode 000: like a database volume mounted into the checkout
        yield root
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_an_unreadable_directory_is_reported_not_a_traceback(locked_tree: Path) -> None:
    proc = _as_nobody(locked_tree, "check", "--no-cache", "-j", "1", ".")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1  # the legacy call in the readable file
    assert "app/handler.py:2:12: error: CTX002" in proc.stdout
    assert "app/pgdata: cannot read this directory (Permission denied)" in proc.stderr
    assert proc.stderr.count("app/pgdata") == 1


def test_an_excluded_unreadable_directory_is_never_entered(locked_tree: Path) -> None:
    (locked_tree / "pyproject.toml").write_text(CONFIG + 'exclude = ["app/pgdata"]\n', encoding="utf-8")
    for args in (["check", "--no-cache", "-j", "1", "."], ["baseline", "check", "-j", "1", "."], ["names", "."]):
        proc = _as_nobody(locked_tree, *args)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (0, 1)
        assert "pgdata" not in proc.stderr + proc.stdout


# -- item 10: file names that are not UTF-8 ----------------------------------------------------


def non_utf8_project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    write_tree(root, {"pyproject.toml": CONFIG})
    (root / "app").mkdir()
    with open(os.path.join(os.fsencode(root / "app"), b"caf\xe9.py"), "w", encoding="utf-8") as handle:
        handle.write(LEGACY)  # a Latin-1 name: the byte 0xE9 alone is not UTF-8
    return root


def test_sarif_names_a_non_utf8_file_by_its_bytes(tmp_path: Path) -> None:
    root = non_utf8_project(tmp_path)
    proc = ctxsep(root, "check", "--format", "sarif", "app")
    assert proc.returncode == 1, proc.stderr
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    assert result["ruleId"] == "CTX002"
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "app/caf%E9.py"  # RFC 3986 percent-encoding of the name's bytes


def test_a_baseline_records_and_then_hides_a_non_utf8_file(tmp_path: Path) -> None:
    root = non_utf8_project(tmp_path)
    created = ctxsep(root, "baseline", "create", "app")
    assert created.returncode == 0, created.stderr
    baseline = root / "ctxsep-baseline.json"
    baseline.read_bytes().decode("utf-8")  # the file itself is valid UTF-8 JSON
    assert [e.path for e in read_entries(baseline)] == [os.fsdecode(b"app/caf\xe9.py")]
    assert ctxsep(root, "baseline", "check", "app").returncode == 0
    checked = ctxsep(root, "check", "--format", "json", "app")
    assert checked.returncode == 0 and json.loads(checked.stdout)["summary"]["baselined"] == 1


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--no-cache", "app"],
        ["check", "--no-cache", "--format", "github", "app"],
        ["baseline", "check", "app"],
        ["report", "--graph", "mermaid"],
        ["report", "--format", "html"],
        ["names", "app"],
    ],
    ids=lambda c: " ".join(c),
)
def test_text_outputs_escape_a_non_utf8_name_on_a_strict_utf8_stdout(tmp_path: Path, command: list[str]) -> None:
    """Under an ``en_US.UTF-8`` locale (or ``PYTHONIOENCODING=utf-8``)
    stdout refuses the lone surrogates a non-UTF-8 name decodes to; every
    output shows the byte as a visible escape instead of crashing."""
    root = non_utf8_project(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "XDG_CACHE_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "ctxsep", *command], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1)
    assert "caf\\udce9" in proc.stdout
