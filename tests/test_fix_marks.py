"""``ctxsep check`` marks fixable findings (SPEC §11): ``[*]`` in text for a
safe fix, a ``fix`` object in JSON, SARIF ``fixes``, and a summary that
says how many ``ctxsep fix`` (and ``--unsafe-fixes``) would fix."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from fixprojects import CONFIG, ROUTE_AFTER, ROUTE_BEFORE, ctxsep, project
from support import ROOT

UNSAFE_ONLY = """
from typing import Union

from app.context import RequestScopedContext, UserExecutionContext
from app.context import create_user_execution_context


def user_of(context: Union[UserExecutionContext, RequestScopedContext]) -> str:
    return context.user_id
"""


def test_text_json_and_sarif_carry_the_fix(tmp_path: Path) -> None:
    config = CONFIG + '\n[phases]\n"app/routes/rename.py" = "final"\n'
    root = project(tmp_path, {"message.py": ROUTE_BEFORE, "rename.py": UNSAFE_ONLY}, config=config)
    code, out, err = ctxsep(root, "check", "--no-cache", ".")
    assert code == 1, err
    lines = out.splitlines()
    assert any(":19:20: error: CTX002 [*] call of legacy constructor" in line for line in lines), out
    assert any(":22:9: error: CTX001 [*] " in line for line in lines), out
    unsafe = [line for line in lines if "rename.py:7:" in line]
    assert unsafe and all("[*]" not in line for line in unsafe)  # unsafe fixes are not marked
    assert any("rename.py:4:" in line and "[*]" in line for line in lines), out  # the unused import
    assert lines[-1].endswith(" [*] 3 fixable with `ctxsep fix` (1 more with `--unsafe-fixes`).")

    code, out, err = ctxsep(root, "check", "--no-cache", "--format", "json", ".")
    document = json.loads(out)
    assert document["summary"]["fixable"] == {"safe": 3, "unsafe": 1}
    by_code = {(f["path"], f["code"]): f for f in document["findings"]}
    fix = by_code[("app/routes/message.py", "CTX002")]["fix"]
    assert fix["applicability"] == "safe"
    # the edits are the fix: applying them gives what `ctxsep fix` writes
    source = (root / "app/routes/message.py").read_text()
    lines_of = source.splitlines(keepends=True)

    def offset(location: dict[str, int]) -> int:
        return sum(len(line) for line in lines_of[: location["row"] - 1]) + location["column"] - 1

    result = source
    for edit in sorted(fix["edits"], key=lambda e: offset(e["location"]), reverse=True):
        assert edit["path"] == "app/routes/message.py"
        result = result[: offset(edit["location"])] + edit["content"] + result[offset(edit["end_location"]) :]
    assert result == textwrap.dedent(ROUTE_AFTER).lstrip("\n")
    narrowed = [f for f in document["findings"] if f["path"] == "app/routes/rename.py" and "fix" in f]
    assert sorted(f["fix"]["applicability"] for f in narrowed) == ["safe", "unsafe"]

    code, out, err = ctxsep(root, "check", "--no-cache", "--format", "sarif", ".")
    sarif = json.loads(out)
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    fixed = [r for r in results if r.get("fixes")]
    assert {r["ruleId"] for r in fixed} == {"CTX001", "CTX002", "CTX007"}
    change = fixed[0]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"].startswith("app/routes/")
    assert {"deletedRegion", "insertedContent"} <= set(change["replacements"][0])


def test_baselined_findings_are_not_marked(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    assert ctxsep(root, "baseline", "create")[0] == 0
    code, out, err = ctxsep(root, "check", "--no-cache", "--show-baselined", ".")
    assert code == 0, err
    assert "[*]" not in out and "fixable" not in out


def test_marks_are_remembered_and_a_forged_memo_is_ignored(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    _, first, err = ctxsep(root, "check", "--format", "json", ".")
    memo = root / ".ctxsep_cache" / "fixes-v1.json"
    assert memo.is_file(), err
    assert ctxsep(root, "check", "--format", "json", ".")[1] == first  # from the memo: the same marks
    # the memo is really read: the same memo signed with this user's key, with another factory name
    from ctxsep.cache import mac
    from ctxsep.fixes.memo import _MAGIC

    original = memo.read_bytes()
    body = original[len(_MAGIC) :].partition(b"\n")[2].replace(b"get_request_scoped_user_context", b"remembered")
    memo.write_bytes(_MAGIC + mac(body) + b"\n" + body)
    _, signed, err = ctxsep(root, "check", "--format", "json", ".")
    assert "await remembered(" in signed and "await remembered(" not in first, err
    memo.write_bytes(original)
    memo.write_bytes(memo.read_bytes().replace(b"get_request_scoped_user_context", b"os.system('rm -rf ~')  #"))
    _, again, err = ctxsep(root, "check", "--format", "json", ".")
    assert again == first and "os.system" not in again


def test_the_project_digest_takes_the_cached_hashes_and_notices_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctxsep.cache import ResultCache
    from ctxsep.config import SettingsResolver
    from ctxsep.fixes.marks import _project_digest
    from ctxsep.runner import run_check

    monkeypatch.setattr("ctxsep.cache.RACY_NS", 0)  # trust the fresh files' stamps at once
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    resolver = SettingsResolver(cwd=root)
    cache = ResultCache(root)
    run = run_check(["."], resolver, jobs=1, cache=cache)
    parsed = [file for file, result in zip(run.files, run.results, strict=True) if result.parsed]
    index = cache.index_for(resolver.for_path(parsed[0]).config)
    assert parsed and all(index.get(str(file)).stamp is not None for file in parsed)  # type: ignore[union-attr]
    read_afresh = _project_digest(parsed, resolver, ResultCache(root, tmp_path / "empty-cache"))
    assert _project_digest(parsed, resolver, cache) == read_afresh
    (root / "app/routes/message.py").write_text(ROUTE_AFTER)
    assert _project_digest(parsed, resolver, cache) != read_afresh


def test_a_changed_fix_table_changes_the_remembered_marks(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    _, first, err = ctxsep(root, "check", "--format", "json", ".")
    assert "from app.context import get_request_scoped_user_context" in first, err
    config = root / "ctxsep.toml"
    config.write_text(config.read_text().replace('"app.context.get_request', '"app.scoped.get_request'))
    _, again, err = ctxsep(root, "check", "--format", "json", ".")
    assert "from app.scoped import get_request_scoped_user_context" in again, err


def test_many_files_for_libcst_are_marked_in_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where many files need libcst for their marks, forked workers work
    them out (the marks equal one process's), and they really ran."""
    import os

    import ctxsep.fixes.marks as marks

    names = [f"rename{i}.py" for i in range(6)]
    config = CONFIG + "\n[phases]\n" + "".join(f'"app/routes/{name}" = "final"\n' for name in names)
    root = project(tmp_path, dict.fromkeys(names, UNSAFE_ONLY), config=config)
    pids = tmp_path / "pids"
    work = marks._libcst_at

    def recording(index: int) -> list[object]:
        with open(pids, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return work(index)  # type: ignore[return-value]

    recording.__module__, recording.__qualname__ = marks.__name__, "_libcst_at"  # pickled by name
    monkeypatch.setattr(marks, "_libcst_at", recording)
    monkeypatch.setattr(marks, "_FILES_PER_WORKER", 2)
    documents = {}
    for jobs in ("1", "2"):
        pids.write_text("", encoding="utf-8")
        code, out, err = ctxsep(root, "check", "--no-cache", "--format", "json", "-j", jobs, ".")
        assert code == 1, err
        documents[jobs] = json.loads(out)
        ran = {int(pid) for pid in pids.read_text(encoding="utf-8").split()}
        assert (ran and os.getpid() not in ran) if jobs == "2" else not ran
    assert documents["1"] == documents["2"]
    assert documents["2"]["summary"]["fixable"] == {"safe": 6, "unsafe": 6}
