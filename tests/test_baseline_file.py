"""The baseline file: its layout, strict reading, atomic writing and merges."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from support import run

from ctxsep import atomic
from ctxsep.baseline import BaselineStore, Entry, dumps, parse, read_entries
from ctxsep.model import BaselineError, Phase

ENTRIES = [
    Entry("app/routes/users.py", "CTX002", "post_message", "1a2b3c4d", 2, Phase.TRANSITIONAL),
    Entry("app/routes/users.py", "CTX001", "post_message", "0f0f0f0f", 1, Phase.TRANSITIONAL),
    Entry("app/agents/runner.py", "CTX003", "run_agent", "deadbeef", 1, Phase.LEGACY),
]


def test_layout_is_sorted_one_entry_per_line_and_stable() -> None:
    text = dumps(ENTRIES)
    lines = text.splitlines()
    entry_lines = [line for line in lines if line.strip().startswith('{"path"')]
    assert len(entry_lines) == 3
    assert [json.loads(line.rstrip(","))["path"] for line in entry_lines] == [
        "app/agents/runner.py",
        "app/routes/users.py",
        "app/routes/users.py",
    ]
    assert json.loads(entry_lines[0].rstrip(",")) == {
        "path": "app/agents/runner.py",
        "code": "CTX003",
        "scope": "run_agent",
        "fingerprint": "deadbeef",
        "count": 1,
        "phase": "legacy",
    }
    assert text.endswith("}\n")
    # Nothing that changes by itself: the same entries always give the same bytes.
    assert dumps(reversed(ENTRIES)) == text
    assert dumps(parse(text, "b.json")) == text
    assert set(json.loads(text)) == {"about", "version", "entries"}


def test_empty_baseline_round_trips() -> None:
    assert parse(dumps([]), "b.json") == ()


def test_an_entry_a_typed_front_end_recorded_keeps_its_via() -> None:
    typed = Entry("app/routes/users.py", "CTX006", "post_message", "12345678", 1, Phase.MIGRATED, via="mypy")
    text = dumps([*ENTRIES, typed])
    assert '"phase": "migrated", "via": "mypy"}' in text
    assert '"via"' not in dumps(ENTRIES), "entries of the AST engine carry no via"
    assert typed in parse(text, "b.json")
    problems = broken(text.replace('"via": "mypy"', '"via": "ruff"'))
    assert len(problems) == 1 and "\"via\" 'ruff' must be one of mypy, pylint" in problems[0], problems


def broken(text: str) -> list[str]:
    with pytest.raises(BaselineError) as info:
        parse(textwrap.dedent(text).lstrip("\n"), "ctxsep-baseline.json")
    return info.value.problems


def test_invalid_json_names_line_and_column() -> None:
    problems = broken('{\n  "entries": [\n    {"path": "a.py",}\n  ]\n}\n')
    # Python's own wording and column for the trailing comma changed in 3.13.
    assert len(problems) == 1
    assert problems[0].startswith("ctxsep-baseline.json: line 3 column 2"), problems
    assert "not valid JSON: " in problems[0]


def test_merge_conflict_markers_are_named() -> None:
    problems = broken(
        """
        {
          "entries": [
        <<<<<<< HEAD
            {"path": "a.py", "code": "CTX002", "scope": "f", "fingerprint": "1a2b3c4d", "count": 2, "phase": "migrated"}
        =======
            {"path": "a.py", "code": "CTX002", "scope": "f", "fingerprint": "1a2b3c4d", "count": 1, "phase": "migrated"}
        >>>>>>> fix-f
          ]
        }
        """
    )
    assert len(problems) == 1
    assert problems[0].startswith("ctxsep-baseline.json: line 3: unresolved merge conflict marker '<<<<<<<'")


def test_bad_entries_are_named_by_number_and_line() -> None:
    problems = broken(
        """
        {
          "version": 1,
          "entries": [
            {"path": "a.py", "code": "CTX002", "scope": "f", "fingerprint": "1a2b3c4d", "count": 1, "phase": "final"},
            {"path": "a.py", "code": "CTX999", "scope": "f", "fingerprint": "1a2b3c4d", "count": 1, "phase": "final"},
            {"path": "/etc/a.py", "code": "CTX002", "scope": "g", "fingerprint": "XYZ", "count": 0, "phase": "done"},
            {"path": "a.py", "code": "CTX002", "scope": "f", "fingerprint": "1a2b3c4d", "count": 3, "phase": "final"},
            {"path": "b.py", "code": "CTX002", "scope": "f", "fingerprint": "1a2b3c4d", "count": 1, "phase": "migrated",
             "line": 12},
            "b.py:CTX002",
            {"path": "c.py"}
          ]
        }
        """
    )
    assert problems == [
        "ctxsep-baseline.json: entry 2 (line 5): \"code\" 'CTX999' is not a rule code "
        "(CTX001, CTX002, CTX003, CTX004, CTX005, CTX006, CTX007)",
        "ctxsep-baseline.json: entry 3 (line 6): \"path\" '/etc/a.py' must be a file path relative to the "
        "config file's directory, with '/' separators and no '.' or '..' parts",
        "ctxsep-baseline.json: entry 3 (line 6): \"fingerprint\" 'XYZ' must be 8 lowercase hex digits",
        'ctxsep-baseline.json: entry 3 (line 6): "count" 0 must be a whole number of at least 1',
        "ctxsep-baseline.json: entry 3 (line 6): \"phase\" 'done' must be one of legacy, transitional, migrated, final",
        "ctxsep-baseline.json: entry 4 (line 7): same path, code, scope and fingerprint as entry 1 (line 4); "
        "keep one entry and add up the counts",
        "ctxsep-baseline.json: entry 5 (line 8): unknown key 'line'; entries have path, code, scope, fingerprint, "
        "count, phase (optional: via)",
        "ctxsep-baseline.json: entry 6 (line 10): must be an object with keys path, code, scope, fingerprint, "
        "count, phase, not a string",
        "ctxsep-baseline.json: entry 7 (line 11): missing 'code', 'scope', 'fingerprint', 'count', 'phase'",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[]", 'must hold a JSON object with an "entries" list, not a list'),
        ('{"version": 1}', '"entries" is missing'),
        ('{"entries": {}}', '"entries" is an object, not a list'),
        ('{"version": 2, "entries": []}', '"version" is 2; this ctxsep reads baseline format 1'),
        ('{"entries": [], "generated": "today"}', "unknown top-level key 'generated'"),
    ],
)
def test_document_shape_problems(text: str, problem: str) -> None:
    assert any(problem in p for p in broken(text)), broken(text)


def test_unreadable_bytes_and_directories(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_bytes(b'{"entries": ["\xff"]}')
    with pytest.raises(BaselineError, match="not UTF-8"):
        read_entries(bad)
    with pytest.raises(BaselineError, match="is a directory"):
        read_entries(tmp_path)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + dumps(ENTRIES).encode())  # an editor's byte-order mark is fine
    assert len(read_entries(bom)) == 3


def test_store_rereads_a_replaced_file(tmp_path: Path) -> None:
    path = tmp_path / "ctxsep-baseline.json"
    store = BaselineStore()
    assert store.load(path).entries == () and not store.load(path).exists
    atomic.write_atomic(path, dumps(ENTRIES[:1]))
    first = store.load(path)
    assert first.exists and len(first.entries) == 1
    assert store.load(path) is first  # cached while unchanged
    # Same size, different content: the replace gives the file a new identity.
    changed = replace(ENTRIES[0], fingerprint="1a2b3c4e")
    assert len(dumps([changed])) == len(dumps(ENTRIES[:1]))
    atomic.write_atomic(path, dumps([changed]))
    assert store.load(path).entries == (changed,)


# -- atomic writes ------------------------------------------------------------------


def test_crash_mid_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ctxsep-baseline.json"
    atomic.write_atomic(path, dumps(ENTRIES))
    before = path.read_bytes()

    def write_half_then_die(handle: object, payload: bytes) -> None:
        handle.write(payload[: len(payload) // 2])  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_write_payload", write_half_then_die)
    with pytest.raises(OSError, match="No space left"):
        atomic.write_atomic(path, dumps(ENTRIES[:1]))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctxsep-baseline.json"]  # no temp file left


def test_killed_process_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    """A hard crash (no cleanup runs) between writing and renaming."""
    path = tmp_path / "ctxsep-baseline.json"
    atomic.write_atomic(path, dumps(ENTRIES))
    before = path.read_bytes()
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from ctxsep import atomic
        from ctxsep.baseline import dumps

        def die(handle, payload):
            handle.write(payload[:10])
            handle.flush()
            os._exit(9)

        atomic._write_payload = die
        atomic.write_atomic(Path({str(path)!r}), dumps([]))
        """
    )
    proc = run([sys.executable, "-c", script], tmp_path)
    assert proc.returncode == 9, proc.stderr
    assert path.read_bytes() == before
    assert read_entries(path) == tuple(sorted(ENTRIES))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_rewrite_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "ctxsep-baseline.json"
    path.write_text(dumps([]), encoding="utf-8")
    path.chmod(0o664)
    atomic.write_atomic(path, dumps(ENTRIES))
    assert path.stat().st_mode & 0o777 == 0o664


# -- merges -------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_unrelated_additions_merge_without_conflict(tmp_path: Path) -> None:
    """Two branches record findings in different files; git merges the baseline."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
        env["GIT_COMMITTER_EMAIL"] = "t@t"
        return subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True, env=env, check=False)

    def entry(path: str) -> Entry:
        return Entry(path, "CTX002", "handler", "1a2b3c4d", 1, Phase.MIGRATED)

    base = [entry(f"app/m{i:02}.py") for i in range(0, 40, 2)]
    path = tmp_path / "ctxsep-baseline.json"
    assert git("init", "-q", "-b", "main").returncode == 0
    path.write_text(dumps(base), encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "adopt")
    git("checkout", "-qb", "alice")
    path.write_text(dumps([*base, entry("app/m05.py")]), encoding="utf-8")
    git("commit", "-qam", "alice")
    git("checkout", "-q", "main")
    path.write_text(dumps([*base, entry("app/m31.py")]), encoding="utf-8")
    git("commit", "-qam", "bob")
    merge = git("merge", "-q", "alice", "-m", "merge")
    assert merge.returncode == 0, merge.stdout + merge.stderr
    merged = read_entries(path)
    assert {e.path for e in merged} >= {"app/m05.py", "app/m31.py"}
    assert path.read_text(encoding="utf-8") == dumps([*base, entry("app/m05.py"), entry("app/m31.py")])
