"""``fixes/quick.py`` answers ``check``'s route-handler marks from the
``ast``: whenever it answers (not None), the answer must be exactly what
libcst's full computation gives — the same fixes, edits and findings
fixed — on every fix example and on variants of each condition of the
route-handler fix. And it must answer the common cases (else ``check``
pays for libcst again): the guide's route, methods, sync functions,
nested uses, callees that are not dual-pattern."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest
from fixprojects import CONFIG, CONTEXT, ROUTE_BEFORE, SERVICE, ctxsep, project, snapshot
from support import write_tree

from ctxsep.config import SettingsResolver
from ctxsep.fixes.base import FixExample
from ctxsep.fixes.compute import compute_fixes
from ctxsep.fixes.marks import marked
from ctxsep.fixes.quick import route_fixes
from ctxsep.fixes.registry import PROVIDERS
from ctxsep.fixes.view import FileView
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import SKIPPED_CODE, Fix
from ctxsep.runner import run_check


def judged(root: Path) -> dict[str, tuple[list[Fix] | None, list[Fix]]]:
    """For each checked file with a CTX002 or CTX007: (the quick answer, libcst's),
    each with a project index of its own (as ``check`` builds it)."""
    resolver = SettingsResolver(cwd=root)
    run = run_check([str(root)], resolver, jobs=1, baseline=False)
    parsed = [f for f, r in zip(run.files, run.results, strict=True) if r.parsed]
    out: dict[str, tuple[list[Fix] | None, list[Fix]]] = {}
    for file, result in zip(run.files, run.results, strict=True):
        findings = [f for f in result.findings if f.code != SKIPPED_CODE]
        if not any(f.code in ("CTX002", "CTX007") for f in findings):
            continue
        settings = resolver.for_path(file)
        text = file.read_bytes().decode("utf-8")

        vocabulary = settings.vocabulary
        quick = route_fixes(file, text, settings, findings, ProjectIndex(parsed, vocabulary, dual_by_name=True))
        with mock.patch("ctxsep.fixes.compute.route_fixes", lambda *args: None):  # libcst alone
            full = compute_fixes(file, text, settings, findings, ProjectIndex(parsed, vocabulary), providers=marked())
        out[str(file.relative_to(root))] = (quick, full)
    return out


def assert_same(root: Path) -> dict[str, str]:
    """Quick == full wherever quick answers; what quick said, per file."""
    said = {}
    for name, (quick, full) in judged(root).items():
        if quick is not None:
            assert quick == full, name
        said[name] = "unsure" if quick is None else ("fixed" if quick else "refused")
    return said


EXAMPLES = [(p.name, i, e) for p in PROVIDERS for i, e in enumerate(p.examples)]


@pytest.mark.parametrize(("name", "index", "example"), EXAMPLES, ids=[f"{n}-{i}" for n, i, _ in EXAMPLES])
def test_every_fix_example(name: str, index: int, example: FixExample, tmp_path: Path) -> None:
    config = f'default-phase = "{example.phase}"\n{example.config}'
    root = write_tree(tmp_path, {"ctxsep.toml": config, "app/example.py": example.before})
    said = assert_same(root)
    if name == "route-handler":  # its session read and import are edits only libcst writes
        assert said == {"app/example.py": "unsure"}


def test_the_guides_route_is_answered_and_matches_fix(tmp_path: Path) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    # the context goes to a dual-pattern callable: libcst writes that edit
    assert assert_same(root) == {"app/routes/message.py": "unsure"}


# One route; each variant changes one thing the fix looks at.
HEAD = '''
"""Routes."""
from app.context import create_user_execution_context, get_request_scoped_user_context
from app.services.messages import audit, message_service

# create_user_execution_context is still imported from here (a mention: the import stays)
'''

BODY = """
async def route(request, db, other):
    user_context = create_user_execution_context(
        user_id=request.user_id,  # who
        db_session=db,
        thread_id=request.thread_id
    )
    return {"user": user_context.user_id, "thread": user_context.thread_id}
"""

ONE_LINE = """
async def route(request, db):
    ctx = create_user_execution_context(db_session=db, user_id=request.user_id)
    return ctx.user_id
"""

CLASS_BODY = """
class Handler:
    user_context = create_user_execution_context(db_session=None, user_id="u")
    uid = user_context.user_id
"""

MODULE_LEVEL = """
db = None
user_context = create_user_execution_context(db_session=db, user_id="u")
uid = user_context.user_id
"""


def swap(old: str, new: str, body: str = BODY) -> str:
    assert old in body
    return body.replace(old, new, 1)


def before_return(*lines: str, body: str = BODY) -> str:
    """``body`` with ``lines`` (of the function) before its return."""
    return swap("    return", "".join(f"    {line}\n" for line in lines) + "    return", body)


NO_SESSION = swap("        db_session=db,\n", "")
WHO = "user_id=request.user_id,  # who"
THREAD = "thread_id=request.thread_id"
FIELD = "user_context.thread_id}"

VARIANTS: dict[str, tuple[str, str]] = {
    # name: (text, what quick must say: fixed / refused / unsure)
    "plain": (BODY, "fixed"),
    "session first": (swap(f"{WHO}\n        db_session=db,", f"db_session=db,\n        {WHO}"), "fixed"),
    "session last": (swap(f"db_session=db,\n        {THREAD}", f"{THREAD},\n        db_session=db"), "unsure"),
    "session last, comma": (
        swap(f"db_session=db,\n        {THREAD}\n", f"{THREAD},\n        db_session=db,\n"),
        "unsure",
    ),
    "no session": (NO_SESSION, "fixed"),
    "one line": (ONE_LINE, "fixed"),
    "comments everywhere": (swap("db_session=db,", "db_session=db,  # the session\n        # the thread\n"), "fixed"),
    "sync def": (swap("async def", "def"), "refused"),
    "method": ("class Handler:\n" + textwrap.indent(swap("(request,", "(self, request,"), "    "), "fixed"),
    "in a class body": (CLASS_BODY, "refused"),
    "module level": (MODULE_LEVEL, "refused"),
    "nested use": (before_return("def inner():", "    return user_context.user_id"), "refused"),
    "lambda use": (before_return("f = lambda: user_context.user_id"), "refused"),
    "nested default": (before_return("def inner(x=user_context):", "    return x"), "refused"),
    "method call": (swap(FIELD, "user_context.to_dict()}"), "refused"),
    "other field": (swap(FIELD, "user_context.metadata}"), "refused"),
    "field written": (before_return("user_context.user_id = 'x'"), "refused"),
    "session read": (swap(FIELD, "user_context.db_session}"), "unsure"),
    "session read, no session": (swap(FIELD, "user_context.db_session}", NO_SESSION), "refused"),
    "renamed field": (swap(FIELD, "user_context.websocket_client_id}"), "unsure"),
    "renamed keyword": (swap(THREAD, "websocket_client_id=request.ws"), "unsure"),
    "field the class lacks": (swap(FIELD, "user_context.run_id}"), "refused"),
    "factory lacks the keyword": (swap(THREAD, f"{THREAD},\n        run_id=request.run"), "refused"),
    "escapes": (swap("return {", "return user_context, {"), "refused"),
    "returned": (swap('{"user": user_context.user_id, "thread": user_context.thread_id}', "user_context"), "refused"),
    "rebound": (before_return("user_context = None"), "refused"),
    "subscripted": (swap(FIELD, "user_context['x']}"), "refused"),
    "starred": (before_return("audit(*user_context)"), "refused"),
    "to a plain callee": (before_return("audit(user_context)"), "refused"),
    "to a plain callee, no session": (before_return("audit(user_context)", body=NO_SESSION), "refused"),
    "to a dual callee": (before_return("await message_service.process(user_context)"), "unsure"),
    "to a dual callee by keyword": (before_return("await message_service.process(context=user_context)"), "unsure"),
    "session rebound after": (before_return("db = other"), "refused"),
    "session rebound before": (swap("    user_context =", "    db = other\n    user_context ="), "fixed"),
    "session deleted after": (before_return("del db"), "refused"),
    "session caught after": (before_return("try:", "    pass", "except ValueError as db:", "    pass"), "unsure"),
    "session global": (swap("    user_context =", "    global db\n    user_context ="), "unsure"),
    "session imported as": (before_return("import os as db"), "unsure"),
    "session is an expression": (swap("db_session=db,", "db_session=other.db,"), "refused"),
    "positional": (swap("user_id=request.user_id,", "request.user_id,"), "refused"),
    "kwargs": (swap(THREAD, "**request.extra"), "refused"),
    "parenthesised": (swap("\n    )\n", "\n    ))\n", swap("= create", "= (create")), "unsure"),
    "two targets": (swap("user_context = create", "user_context = alias = create"), "refused"),
    "tuple target": (swap("user_context = create", "user_context, = create"), "refused"),
    "attribute target": (swap("user_context = create", "request.ctx = create"), "refused"),
    "called twice": (swap("create_user_execution_context(", "create_user_execution_context()("), "unsure"),
    "awaited already": (swap("= create", "= await create"), "unsure"),
    "named like the context elsewhere": (before_return("def user_context_of(x):", "    return x"), "fixed"),
    "a def of the context's name": (before_return("def other():", "    user_context = 1", "    return 1"), "refused"),
    "non-ASCII": (
        swap("# who", "# wer ist's — ünïcode", swap("=request.thread_id\n", "='fädé' + request.thread_id\n")),
        "fixed",
    ),
    "tabs": (BODY.replace("    ", "\t"), "fixed"),
    "the only use of the import": (BODY, "unsure"),
    "the factory not imported": (BODY, "unsure"),
    "two calls": (BODY + "\n\n" + swap(FIELD, "user_context.other}", swap("route(", "route2(")), "fixed"),
    "form feed": (swap("# who", "# who\x0c"), "unsure"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_quick_answers_equal_libcst(variant: str, tmp_path: Path) -> None:
    body, expected = VARIANTS[variant]
    head = HEAD
    if variant == "the only use of the import":  # then the fix removes the import too
        head = HEAD.split("\n# ")[0]
    if variant == "the factory not imported":
        head = HEAD.replace(", get_request_scoped_user_context", "")
    text = textwrap.dedent(head).lstrip("\n") + "\n\n" + textwrap.dedent(body).lstrip("\n")
    root = project(tmp_path, {})
    (root / "app/routes/route.py").write_bytes(text.encode())
    assert assert_same(root) == {"app/routes/route.py": expected}


FINAL = CONFIG.replace('default-phase = "migrated"', 'default-phase = "final"')

CLEANUP_HEAD = """
from typing import Optional, Union

from app.context import RequestScopedContext, UserExecutionContext
"""

CLEANUP: dict[str, tuple[str, str]] = {
    # name: (text after the imports, what quick must say; "refused": certainly no fix)
    "the import is unused": ("def f(context: RequestScopedContext) -> str:\n    return context.user_id\n", "unsure"),
    "used in an annotation": ("def f(context: UserExecutionContext) -> str:\n    return context.user_id\n", "refused"),
    "used in a comment only": ("# UserExecutionContext is gone\nx: RequestScopedContext\n", "refused"),
    "a union": ("def f(c: Union[UserExecutionContext, RequestScopedContext]) -> None: ...\n", "unsure"),
    "a | union": ("def f(c: UserExecutionContext | RequestScopedContext) -> None: ...\n", "unsure"),
    "optional": ("def f(c: Optional[UserExecutionContext]) -> None: ...\n", "unsure"),
    "a string union": ('def f(c: "UserExecutionContext | RequestScopedContext") -> None: ...\n', "refused"),
    "isinstance": (
        "def f(c: RequestScopedContext) -> int:\n    if isinstance(c, UserExecutionContext):\n"
        "        return 1\n    return 2\n",
        "unsure",
    ),
    "a subclass": ("class Mine(UserExecutionContext):\n    pass\n", "refused"),
    "a list of them": ("def f(c: list[UserExecutionContext]) -> None: ...\n", "unsure"),
    "returned": ("def f() -> UserExecutionContext: ...\n", "refused"),
}


@pytest.mark.parametrize("variant", list(CLEANUP))
def test_cleanup_refusals_equal_libcst(variant: str, tmp_path: Path) -> None:
    body, expected = CLEANUP[variant]
    text = textwrap.dedent(CLEANUP_HEAD).lstrip("\n") + "\n\n" + body
    root = project(tmp_path, {}, config=FINAL)
    (root / "app/routes/final.py").write_bytes(text.encode())
    assert assert_same(root)["app/routes/final.py"] == expected


def test_aliased_and_plain_imports(tmp_path: Path) -> None:
    root = project(tmp_path, {}, config=FINAL)
    aliased = "from app.context import UserExecutionContext as Legacy\n\n\ndef f(c: Legacy) -> None: ...\n"
    plain = "import app.context\n\n\ndef f(c: app.context.UserExecutionContext) -> None: ...\n"
    (root / "app/routes/aliased.py").write_text(aliased)
    (root / "app/routes/plain.py").write_text(plain)
    said = assert_same(root)
    assert said["app/routes/aliased.py"] == "refused"  # the alias is used
    assert said["app/routes/plain.py"] == "refused"  # a plain import is never removed


def test_fix_skips_what_the_ast_refuses_and_writes_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ctxsep fix`` does not parse with libcst a file whose only fix-starting
    findings the ``ast`` shows refused (``needs_view``); what it prints and
    writes is what it did with libcst deciding everything."""
    refused = {
        f"r{n}.py": HEAD + "\n\n" + body for n, (body, said) in enumerate(VARIANTS.values()) if said == "refused"
    }
    files = {**refused, "fixed.py": HEAD + "\n\n" + BODY}
    (tmp_path / "quick").mkdir()
    (tmp_path / "full").mkdir()
    quick_root = project(tmp_path / "quick", files)
    full_root = project(tmp_path / "full", files)
    parsed: list[str] = []
    real = FileView.__post_init__

    def counting(view: FileView) -> None:
        parsed.append(Path(view.path).name)
        real(view)

    document = json.loads(ctxsep(quick_root, "check", "--no-cache", "--format", "json", ".")[1])
    # a CTX003 or CTX005 may take the session-parameter fix: those files are parsed
    other = {Path(f["path"]).name for f in document["findings"] if f["code"] in ("CTX003", "CTX005")}
    assert len(set(refused) - other) > 20
    monkeypatch.setattr(FileView, "__post_init__", counting)
    quick = ctxsep(quick_root, "fix", "--unsafe-fixes", ".")
    assert not set(parsed) & (set(refused) - other), parsed  # none of the others parsed with libcst
    monkeypatch.setattr("ctxsep.fixes.compute.route_fixes", lambda *args: None)
    full = ctxsep(full_root, "fix", "--unsafe-fixes", ".")
    assert quick == full
    assert snapshot(quick_root) == snapshot(full_root)
    assert "fixed.py" in quick[1] + quick[2]


def test_crlf_and_windows_lines(tmp_path: Path) -> None:
    text = textwrap.dedent(HEAD).lstrip("\n") + "\n\n" + textwrap.dedent(BODY).lstrip("\n")
    root = project(tmp_path, {})
    (root / "app/routes/route.py").write_bytes(text.replace("\n", "\r\n").encode())
    assert assert_same(root) == {"app/routes/route.py": "fixed"}


def test_check_output_is_the_same_as_with_libcst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The JSON a user sees: marks and edits with the ast's answer, then with
    libcst's (quick turned off), over every variant in one project."""
    files = {}
    for number, (body, _) in enumerate(VARIANTS.values()):
        files[f"v{number}.py"] = textwrap.dedent(HEAD).lstrip("\n") + "\n\n" + textwrap.dedent(body).lstrip("\n")
    root = project(tmp_path, files, config=CONFIG)
    quick = ctxsep(root, "check", "--no-cache", "--format", "json", ".")
    monkeypatch.setattr("ctxsep.fixes.marks.route_fixes", lambda *args: None)
    monkeypatch.setattr("ctxsep.fixes.compute.route_fixes", lambda *args: None)
    full = ctxsep(root, "check", "--no-cache", "--format", "json", ".")
    assert quick == full
    assert '"fix"' in quick[1]
    final = tmp_path / "final"
    final.mkdir()
    files = {f"c{n}.py": CLEANUP_HEAD + "\n\n" + body for n, (body, _) in enumerate(CLEANUP.values())}
    root = project(final, files, config=FINAL)
    full = ctxsep(root, "check", "--no-cache", "--format", "json", ".")
    monkeypatch.undo()
    quick = ctxsep(root, "check", "--no-cache", "--format", "json", ".")
    assert quick == full
    assert '"unsafe"' in quick[1]


def test_a_cold_check_of_refused_and_quick_marks_never_imports_libcst(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "ctxsep.toml": CONFIG,
            "app/__init__.py": "",
            "app/context.py": CONTEXT,
            "app/services/messages.py": SERVICE,
            "app/routes/route.py": textwrap.dedent(HEAD).lstrip("\n") + "\n\n" + textwrap.dedent(BODY).lstrip("\n"),
            "app/routes/sync.py": textwrap.dedent(HEAD).lstrip("\n")
            + "\n\n"
            + textwrap.dedent(BODY.replace("async def", "def")).lstrip("\n"),
        },
    )
    code = (
        "import sys, json\n"
        "from ctxsep.cli import main\n"
        "main(['check', '--no-cache', '--format', 'json', '.'])\n"
        "print('LIBCST' if 'libcst' in sys.modules else 'NO-LIBCST', file=sys.stderr)\n"
    )
    import subprocess

    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert proc.stderr.strip().endswith("NO-LIBCST"), proc.stderr
    assert '"applicability": "safe"' in proc.stdout


def test_view_positions_and_parents_are_libcsts() -> None:
    """``FileView.positions`` skips ``MetadataWrapper``'s empty batched walk
    and ``parents`` is our own walk; both must be libcst's, node for node
    (fix sources and a few modules of the standard library with decorators,
    classes, comprehensions, f-strings and comments)."""
    import dataclasses as stdlib_dataclasses
    import json.decoder
    import string

    import libcst as cst
    from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

    from ctxsep.fixes.view import FileView

    sources = [textwrap.dedent(t).lstrip("\n") for t in (ROUTE_BEFORE, CONTEXT, SERVICE, BODY, HEAD + BODY)]
    sources += [Path(m.__file__).read_text(encoding="utf-8") for m in (string, json.decoder, stdlib_dataclasses)]
    settings = SettingsResolver().for_path(Path("x.py").absolute())
    for source in sources:
        view = FileView("/x.py", source, settings, [], ProjectIndex())
        expected = MetadataWrapper(view.module, unsafe_skip_copy=True).resolve(PositionProvider)
        assert dict(view.positions) == dict(expected)
        assert len(view.positions) == sum(1 for n in view.parents if isinstance(n, cst.CSTNode)) + 1
        assert view.parents == dict(MetadataWrapper(view.module, unsafe_skip_copy=True).resolve(ParentNodeProvider))


def test_no_scoped_factory_refuses_like_libcst(tmp_path: Path) -> None:
    """Neither ``[fix] scoped-factory`` nor a scoped factory in the
    vocabulary: both refuse the route-handler fix (``scoped_factory_name``)."""
    config = 'default-phase = "migrated"\n\n[names]\nscoped-context-factories = []\n'
    text = textwrap.dedent(HEAD).lstrip("\n") + "\n\n" + textwrap.dedent(BODY).lstrip("\n")
    root = project(tmp_path, {}, config=config)
    (root / "app/routes/route.py").write_bytes(text.encode())
    assert assert_same(root) == {"app/routes/route.py": "refused"}
    # control: with the factory back in the vocabulary the fix is not refused
    (root / "ctxsep.toml").write_text(config.replace("[]", '["get_request_scoped_user_context"]'))
    assert assert_same(root) == {"app/routes/route.py": "fixed"}
