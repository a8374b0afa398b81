"""SARIF locations that mean the same from any directory (issue 14, item 20):
URIs relative to a declared ``uriBaseId`` whose ``originalUriBaseIds`` entry
is the project root, and columns in the unit ``columnKind`` declares
(UTF-16 code units), checked on source with non-ASCII text before the finding."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
from support import ROOT, run

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
# 'é' is 2 UTF-8 bytes and 1 UTF-16 unit, '€' 3 and 1, '😀' 4 and 2 (a surrogate pair).
LINE = 'x = "é€😀"; ctx = create_user_execution_context(user_id="u", db_session=db)\n'


def sarif(cwd: Path, *paths: str) -> dict[str, Any]:
    proc = run([sys.executable, "-m", "ctxsep", "check", "--no-cache", "--format", "sarif", *paths], cwd)
    assert proc.returncode == 1, proc.stderr
    document: dict[str, Any] = json.loads(proc.stdout)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft4Validator(SCHEMA).iter_errors(document)]
    assert errors == []
    return document


def utf16_column(line: str, needle: str) -> int:
    return len(line[: line.index(needle)].encode("utf-16-le")) // 2 + 1


def test_locations_are_the_same_from_any_directory_and_columns_are_utf16(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "ctxsep.toml").write_text('default-phase = "migrated"\n', encoding="utf-8")
    (root / "app").mkdir()
    (root / "app" / "ünï.py").write_text("# ünïcode\n" + LINE, encoding="utf-8")
    from_root = sarif(root, "app")
    from_app = sarif(root / "app", ".")  # before: "ünï.py", unmappable from the repository

    for document in (from_root, from_app):
        run_ = document["runs"][0]
        assert run_["originalUriBaseIds"] == {"PROJECTROOT": {"uri": root.as_uri() + "/"}}
        assert run_["columnKind"] == "utf16CodeUnits"
        places = [
            (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["artifactLocation"],
                r["locations"][0]["physicalLocation"]["region"],
            )
            for r in run_["results"]
        ]
        uri = {"uri": "app/%C3%BCn%C3%AF.py", "uriBaseId": "PROJECTROOT"}
        assert places == [
            ("CTX002", uri, {"startLine": 2, "startColumn": utf16_column(LINE, "create_user")}),
            ("CTX001", uri, {"startLine": 2, "startColumn": utf16_column(LINE, "db_session=")}),
        ]
        # The UTF-8 byte offset (what ast gives, and what was emitted before) differs.
        byte_col = len(LINE[: LINE.index("create_user")].encode("utf-8")) + 1
        assert places[0][2]["startColumn"] != byte_col
    fingerprints = [[r["partialFingerprints"] for r in d["runs"][0]["results"]] for d in (from_root, from_app)]
    assert fingerprints[0] == fingerprints[1]


def test_a_file_outside_the_project_gets_an_absolute_uri(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    outside = tmp_path / "outside.py"
    outside.write_text(LINE, encoding="utf-8")
    document = sarif(root, "../outside.py")
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": outside.as_uri()}
