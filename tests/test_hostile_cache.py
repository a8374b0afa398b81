"""A result cache that came with the checkout (issue 14 items 1, 4, 6; SPEC §10).

The attacker commits ``.ctxsep_cache/``: forged entries that claim a file
with a legacy call is clean, or a ``.ctxsep_cache`` that is a symlink out of
the repository, or an index that is a symlink to ``/dev/zero``. ctxsep is
run as a real process, with its own per-user key directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import write_tree

CONFIG = '[tool.ctxsep]\ndefault-phase = "migrated"\n'
LEGACY = "def handler(db):\n    return create_user_execution_context(user_id='u')\n"
CACHE = ".ctxsep_cache"
INDEX = "results-v1.json"


def ctxsep(
    root: Path, home: Path, *args: str, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """``ctxsep ARGS`` as its own process, with ``home`` as its user cache
    (where its secret key lives)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CTXSEP_NO_CACHE", None)
    return subprocess.run(
        [sys.executable, "-m", "ctxsep", *args],
        cwd=root,
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def new_dir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def codes(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode in (0, 1), proc.stderr
    return [f["code"] for f in json.loads(proc.stdout)["findings"]]


def forge(index: Path, key: bytes | None) -> None:
    """Rewrite an index so every entry claims "no findings, parsed nothing"
    and must be judged by content hash; sign it with ``key`` (None: the
    unkeyed checksum anyone can compute)."""
    header, _, body = index.read_bytes().partition(b"\n")
    document = json.loads(body)
    for entry in document["entries"].values():
        entry[2] = None  # no stamp: trusted on the content hash alone
        entry[4] = None  # "the prefilter ruled the file out"
    body = json.dumps(document, separators=(",", ":")).encode()
    mac = hashlib.blake2b(body, digest_size=16, **({"key": key} if key else {})).hexdigest().encode()
    index.write_bytes(header[: -len(mac)] + mac + b"\n" + body)


def attacker_project(tmp_path: Path) -> tuple[Path, Path]:
    root = write_tree(new_dir(tmp_path / "repo"), {"pyproject.toml": CONFIG, "app/handler.py": LEGACY})
    attacker = tmp_path / "attacker-home"
    assert codes(ctxsep(root, attacker, "check", "--format", "json", "app")) == ["CTX002"]
    return root, attacker


@pytest.mark.parametrize("signed_by", ["anyone", "the attacker's own key"])
def test_a_committed_cache_cannot_hide_findings(tmp_path: Path, signed_by: str) -> None:
    root, attacker = attacker_project(tmp_path)
    key = None
    if signed_by != "anyone":
        key = bytes.fromhex((attacker / "ctxsep" / "cache-key").read_text().strip())
    forge(root / CACHE / INDEX, key)
    if key is not None:  # the forgery is well-formed: on the attacker's machine it hides the call
        assert codes(ctxsep(root, attacker, "check", "--format", "json", "app")) == []
    victim = tmp_path / "ci-home"
    assert codes(ctxsep(root, victim, "check", "--format", "json", "app")) == ["CTX002"]
    # ...and the victim's own cache, written over the forged one, works from then on.
    again = ctxsep(root, victim, "check", "--format", "json", "app")
    assert codes(again) == ["CTX002"]


def test_the_key_is_private_to_the_user(tmp_path: Path) -> None:
    _, attacker = attacker_project(tmp_path)
    key = attacker / "ctxsep" / "cache-key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32


def test_a_key_inside_the_project_is_no_secret(tmp_path: Path) -> None:
    """CI setting XDG_CACHE_HOME inside the checkout: the checkout could
    carry the key, so the cache is not used at all."""
    root = write_tree(new_dir(tmp_path / "repo"), {"pyproject.toml": CONFIG, "app/handler.py": LEGACY})
    proc = ctxsep(root, root / ".cache", "check", "--format", "json", "app")
    assert codes(proc) == ["CTX002"]
    assert "no secret" in proc.stderr and not (root / CACHE).exists()


@pytest.mark.parametrize("target", ["../victim", "."])
def test_a_symlinked_cache_directory_is_never_written_through(tmp_path: Path, target: str) -> None:
    root = write_tree(new_dir(tmp_path / "repo"), {"pyproject.toml": CONFIG, "app/handler.py": LEGACY})
    victim = tmp_path / "victim"
    victim.mkdir()
    (root / CACHE).symlink_to(target)
    before = sorted(p.name for p in root.iterdir())
    for _ in range(2):
        proc = ctxsep(root, tmp_path / "home", "check", "--format", "json", "app")
        assert codes(proc) == ["CTX002"]
        assert proc.stderr.count("not using the result cache") == 1, proc.stderr
        assert "symbolic link" in proc.stderr
    assert list(victim.iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == before  # no .gitignore, CACHEDIR.TAG or index at the root


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/stdin"])
def test_an_index_symlinked_to_a_device_neither_hangs_nor_is_followed(tmp_path: Path, target: str) -> None:
    root = write_tree(new_dir(tmp_path / "repo"), {"pyproject.toml": CONFIG, "app/handler.py": LEGACY})
    (root / CACHE).mkdir()
    (root / CACHE / INDEX).symlink_to(target)
    # stdin is a pipe nobody writes to or closes: reading it would block for ever.
    read_end, write_end = os.pipe()
    try:
        proc = ctxsep(root, tmp_path / "home", "check", "--format", "json", "app", stdin=read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert codes(proc) == ["CTX002"]
    assert "not using the result cache" in proc.stderr
    assert os.readlink(root / CACHE / INDEX) == target


def test_a_damaged_key_is_replaced_and_signs_the_new_index(tmp_path: Path) -> None:
    root = write_tree(new_dir(tmp_path / "repo"), {"pyproject.toml": CONFIG, "app/handler.py": LEGACY})
    home = tmp_path / "home"
    (home / "ctxsep").mkdir(parents=True)
    (home / "ctxsep" / "cache-key").write_text("not hex at all\n", encoding="utf-8")
    assert codes(ctxsep(root, home, "check", "--format", "json", "app")) == ["CTX002"]
    key = bytes.fromhex((home / "ctxsep" / "cache-key").read_text(encoding="ascii").strip())
    assert len(key) == 32
    header, _, body = (root / CACHE / INDEX).read_bytes().partition(b"\n")
    assert header.endswith(hashlib.blake2b(body, digest_size=16, key=key).hexdigest().encode())


# -- report --history keeps its own store in the same directory: the same rules --------------


def _history_legacy_calls(root: Path, home: Path) -> int:
    proc = ctxsep(root, home, "report", "--history", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    point = json.loads(proc.stdout)["points"][-1]
    return sum(d["legacy_calls"] for d in point["report"]["directories"])


def _history_repo(tmp_path: Path) -> Path:
    from history_demo import build_demo

    root = tmp_path / "shop"
    build_demo(root, steps=1)
    return root


@pytest.mark.parametrize("signed_by", ["anyone", "the attacker's own key"])
def test_a_committed_history_store_cannot_rewrite_history(tmp_path: Path, signed_by: str) -> None:
    root = _history_repo(tmp_path)
    attacker = tmp_path / "attacker-home"
    real = _history_legacy_calls(root, attacker)
    assert real > 0
    store = root / CACHE / "history-v1.json"
    document = json.loads(store.read_bytes().partition(b"\n")[2])
    for entry in document["entries"].values():
        entry[4], entry[9] = [], 0  # no findings, no legacy calls
    body = json.dumps(document, separators=(",", ":")).encode()
    key = bytes.fromhex((attacker / "ctxsep" / "cache-key").read_text().strip()) if signed_by != "anyone" else None
    mac = hashlib.blake2b(body, **({"digest_size": 16, "key": key} if key else {})).hexdigest().encode()
    store.write_bytes(b"ctxsep-history v1 " + mac + b"\n" + body)
    if key is not None:  # well-formed: on the attacker's machine it rewrites history
        assert _history_legacy_calls(root, attacker) == 0
    assert _history_legacy_calls(root, tmp_path / "ci-home") == real


def test_a_symlinked_cache_directory_is_not_written_through_by_report_history(tmp_path: Path) -> None:
    root = _history_repo(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (root / CACHE).symlink_to("../victim")
    proc = ctxsep(root, tmp_path / "home", "report", "--history", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "not using the history cache" in proc.stderr and "symbolic link" in proc.stderr
    assert list(victim.iterdir()) == []


@pytest.mark.parametrize("name", [INDEX, "fixes-v1.json", "history-v1.json"])
def test_a_fifo_among_the_cache_files_never_hangs_a_run(tmp_path: Path, name: str) -> None:
    """Whatever sits in ``.ctxsep_cache`` is read only as a regular file: a
    FIFO there (opening it would wait for a writer for ever) is a miss."""
    root = write_tree(new_dir(tmp_path / "repo"), {"pyproject.toml": CONFIG, "app/handler.py": LEGACY})
    (root / CACHE).mkdir()
    os.mkfifo(root / CACHE / name)
    assert codes(ctxsep(root, tmp_path / "home", "check", "--format", "json", "app")) == ["CTX002"]
