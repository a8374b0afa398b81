"""``# noqa`` in every front end: ``ctxsep check``, flake8 and pylint (real
subprocesses) report exactly the same findings on a file full of noqa
variants, and that set is the one flake8's own rules give."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import ctxsep_json, flake8_findings, parse_pylint, pylint_run, write_tree

CALL = 'create_user_execution_context(user_id="u")'
BOTH = 'create_user_execution_context(user_id="u", db_session=db)'  # CTX002 at col 7, CTX001 at col 49

HASH = "#"  # spelled apart below: ruff reads these two variants as malformed noqa comments of this file
VARIANTS = f"""
from app.context import create_user_execution_context


def f(db):
    a = {CALL}  # noqa
    b = {CALL}  # noqa: CTX002
    c = {CALL}  # noqa:CTX002,E501
    d = {CALL}  # noqa: E501
    e = {CALL}  # NOQA: CTX002
    g = {CALL}  # noqa: CTX
    h = {CALL}  # noqa: ctx002
    i = {CALL}  {HASH} noqa : CTX002
    j = {CALL}  {HASH}noqa
    k = {BOTH}  # noqa: CTX001
    m = {CALL}  # noqa: E501, CTX002
    n = {CALL}  # ctxsep: ignore[CTX002]
    o = {CALL}  # noqa: E501  # ctxsep: ignore
    p = {CALL}  # noqa: E501  # noqa: CTX002
    q = {CALL}  # noqa: CTX003
    r = {CALL}
    return a, b, c, d, e, g, h, i, j, k, m, n, o, p, q, r
"""

#: (line, code, column) flake8's rules leave: a different code, a lowercase
#: code, the comment without its space, the other finding of the line, the
#: second comment of a line (the first decides) and no comment at all
EXPECTED = {
    (8, "CTX002", 9),  # another code (E501)
    (11, "CTX002", 9),  # a lowercase code
    (13, "CTX002", 9),  # no space after the hash
    (14, "CTX002", 9),  # CTX001 listed: CTX002 stays
    (18, "CTX002", 9),  # E501 first, CTX002 second: the first decides
    (19, "CTX002", 9),  # another ctxsep code (CTX003)
    (20, "CTX002", 9),  # no comment
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("noqa")
    return write_tree(root, {"ctxsep.toml": 'default-phase = "migrated"\n', "app/variants.py": VARIANTS})


def test_the_cli_honours_noqa_as_flake8_does(project: Path) -> None:
    document = ctxsep_json(["app"], project, "--no-cache")
    got = {(f["line"], f["code"], f["column"]) for f in document["findings"]}
    assert got == EXPECTED


def test_flake8_agrees(project: Path) -> None:
    found = flake8_findings(["app"], project)
    got = {(g.line, g.code, g.col) for g in found[os.path.normpath("app/variants.py")]}
    assert got == EXPECTED


def test_flake8_agrees_with_ctxsep_noqa_handling_switched_off_in_flake8(project: Path) -> None:
    """flake8's own noqa filter is not what hides them: with ``--disable-noqa``
    flake8 shows what the engine reports, which is the same set."""
    found = flake8_findings(["app"], project, "--disable-noqa")
    got = {(g.line, g.code, g.col) for g in found[os.path.normpath("app/variants.py")]}
    assert got == EXPECTED


def test_pylint_agrees(project: Path) -> None:
    proc = pylint_run(["app"], project)
    messages = parse_pylint(proc.stdout)
    assert proc.returncode != 0 and messages, proc.stdout + proc.stderr
    got = {(m.line, m.code, m.column + 1) for m in messages}
    assert got == EXPECTED


def test_mypy_honours_noqa_too(tmp_path: Path) -> None:
    """What only types show (mypy's CTX006, its CTX002 through an alias) is
    silenced by the same comments."""
    from mypy_project import CALL_LINES, CALLS, check, found, project

    lines = CALLS.split("\n")
    noqa = {"CTX006": "  # noqa: CTX006", "CTX002": "  # noqa: E501", "CTX004": "  # noqa"}
    for code, comment in noqa.items():
        lines[CALL_LINES[code]] += comment  # CALLS starts with a newline: index = line number
    root = project(tmp_path, {"app/calls.py": "\n".join(lines)})
    assert [code for _, code, _ in found(check(root))] == ["CTX002"]
