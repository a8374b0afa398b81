"""The engine's policy for findings a type-aware front end finds itself
(``ctxsep.typed_findings``): identity, severity, suppression, overlap with
the AST engine and the baseline — without any host."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import FIXTURES, write_tree

from ctxsep.atomic import write_atomic
from ctxsep.baseline import Entry, dumps
from ctxsep.config import SettingsResolver
from ctxsep.engine import fingerprint
from ctxsep.model import Phase, Severity
from ctxsep.rules import RULES_BY_CODE
from ctxsep.rules.base import _anchor_text, segment_anchor, segment_text, source_text
from ctxsep.typed_findings import FileGate, TypedCase

SOURCE = """\
from app.helpers import make_ctx
from app.context import create_user_execution_context


def route(db):
    a = make_ctx(user_id="u")
    b = create_user_execution_context(user_id="u", db_session=db)
    c = make_ctx(user_id="u")  # ctxsep: ignore[CTX002]
    return a, b, c


async def process(context: RequestScopedContext):
    return context.db_session
"""


def _case(code: str, line: int, col: int, segment: str, scope: str = "route", **extra: object) -> TypedCase:
    rule = RULES_BY_CODE[code]
    return TypedCase(code, line, col, f"{code} {rule.summary}", scope, segment, **extra)  # type: ignore[arg-type]


def gate(root: Path, phase: str = "migrated", source: str = SOURCE) -> FileGate:
    (root / "pyproject.toml").write_text(f'[tool.ctxsep]\ndefault-phase = "{phase}"\n', encoding="utf-8")
    path = root / "app" / "routes.py"
    settings = SettingsResolver(cwd=root).for_path(path)
    return FileGate(str(path), settings, source, "app/routes.py")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {"pyproject.toml": "", "app/routes.py": SOURCE})


ALIAS_CALL = _case("CTX002", 6, 8, 'make_ctx(user_id="u")')


def _unrelated_entry(root: Path) -> None:
    """A baseline entry for the file that hides nothing here: identities are
    computed only for files the baseline records something for."""
    entry = Entry("app/routes.py", "CTX007", "x", "00000000", 1, Phase.FINAL)
    write_atomic(root / "ctxsep-baseline.json", dumps([entry]))


def test_a_type_only_case_is_admitted_with_the_engines_identity(root: Path) -> None:
    assert gate(root).admit(ALIAS_CALL).fingerprint == "-"  # type: ignore[union-attr]  # no baseline: not needed
    _unrelated_entry(root)
    finding = gate(root).admit(ALIAS_CALL)
    assert finding is not None
    assert (finding.line, finding.col, finding.code, finding.severity) == (6, 8, "CTX002", Severity.ERROR)
    assert (finding.scope, finding.fingerprint) == ("route", fingerprint("make_ctx(user_id='u')"))
    assert finding.symbol == "legacy-context-constructor" and finding.phase is Phase.MIGRATED


def test_severity_follows_the_phase(root: Path) -> None:
    assert gate(root, "transitional").admit(ALIAS_CALL).severity is Severity.WARN  # type: ignore[union-attr]
    assert gate(root, "legacy").admit(ALIAS_CALL) is None  # CTX002 is off in legacy


def test_ctxsep_ignore_comments_apply(root: Path) -> None:
    assert gate(root).admit(_case("CTX002", 8, 8, 'make_ctx(user_id="u")')) is None


def test_a_case_the_ast_engine_reports_is_left_to_it(root: Path) -> None:
    g = gate(root)
    call = 'create_user_execution_context(user_id="u", db_session=db)'
    assert g.admit(_case("CTX002", 7, 8, call)) is None
    assert g.admit(_case("CTX001", 7, 51, "db_session=db")) is None
    # the same call seen at another column is not the AST's finding
    assert g.admit(_case("CTX002", 7, 9, call)) is not None


def test_ctx005_defers_to_ctx003_in_the_same_function(root: Path) -> None:
    g = gate(root)
    read = _case("CTX005", 13, 11, "context.db_session", scope="process", function_line=12)
    assert g.admit(read) is None
    assert g.admit(_case("CTX005", 13, 11, "context.db_session", scope="process", function_line=5)) is not None


def test_the_baseline_hides_by_key_and_count_until_promotion(root: Path) -> None:
    key = ("app/routes.py", "CTX002", "route", fingerprint("make_ctx(user_id='u')"))
    entry = Entry(*key, count=1, phase=Phase.MIGRATED)
    write_atomic(root / "ctxsep-baseline.json", dumps([entry]))
    g = gate(root)
    assert g.admit(ALIAS_CALL) is None
    assert g.admit(ALIAS_CALL) is None, "the same case met again is still the one recorded"
    moved = _case("CTX002", 30, 8, 'make_ctx(user_id="u")')  # a second, identical call
    assert g.admit(moved) is not None, "one entry hides one finding"
    assert gate(root, "final").admit(ALIAS_CALL) is not None, "promotion un-hides recorded debt"


def test_class_field_anchor_is_the_engines(root: Path) -> None:
    _unrelated_entry(root)
    case = _case("CTX001", 3, 4, "conn: DbSession", scope="Ctx", anchor="Ctx.conn")
    finding = gate(root, source="").admit(case)
    assert finding is not None and finding.fingerprint == fingerprint("Ctx.conn")


# -- segment_text / segment_anchor agree with the engine's own --------------------


def _nodes_with_segments() -> list[tuple[str, ast.AST, str]]:
    out = []
    for path in sorted(FIXTURES.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Call, ast.Attribute, ast.Subscript, ast.Name, ast.keyword)):
                if isinstance(node, ast.keyword) and node.arg is None:
                    continue
                segment = ast.get_source_segment(source, node)
                if segment is not None:
                    out.append((f"{path.name}:{node.lineno}", node, segment))
    return out


def test_segments_give_the_engines_text_and_anchor() -> None:
    cases = _nodes_with_segments()
    assert len(cases) > 500
    for where, node, segment in cases:
        assert segment_text(segment) == source_text(node), where
        assert segment_anchor(segment) == _anchor_text(node), where


@pytest.mark.parametrize("segment", ["", "def f(): pass", "a, b", "**kw", "x ="])
def test_a_segment_that_is_no_expression_falls_back_to_its_text(segment: str) -> None:
    assert segment_text(segment) == " ".join(segment.split())


def test_type_exact_rules_format_messages_code_first() -> None:
    from ctxsep.rules.ctx001_session_in_context import SessionInContext
    from ctxsep.rules.ctx002_legacy_context_constructor import LegacyContextConstructor
    from ctxsep.rules.ctx004_context_mutation import ContextMutation
    from ctxsep.rules.ctx005_session_from_context import SessionFromContext
    from ctxsep.semantics import Vocabulary

    vocab = Vocabulary.default()
    ctx001, ctx002 = SessionInContext(), LegacyContextConstructor()
    ctx004, ctx005 = ContextMutation(), SessionFromContext()
    alias = ctx002.fields("make_ctx", True, vocab, "app.ctx.create_user_execution_context")
    assert ctx002.format_message(**alias) == (
        "CTX002 call of legacy constructor 'make_ctx' (an alias of 'app.ctx.create_user_execution_context'); "
        "use 'get_request_scoped_user_context(...)' and pass the session separately"
    )
    # a re-export under the same name needs no "alias of"
    same = ctx002.fields("create_user_execution_context", True, vocab, "a.create_user_execution_context")
    assert "alias" not in ctx002.format_message(**same)
    positional = ctx001.format_message(**ctx001.argument_fields("Ctx", None, "db"))
    assert positional.startswith("CTX001 Ctx(...) receives session 'db' as a positional argument")
    assert ctx004.format_message(**ctx004.fields("assignment to 'ctx.a'", None)).startswith("CTX004 assignment to")
    assert ctx005.format_message(**ctx005.fields("c.db_session", "UserExecutionContext", vocab)) == (
        "CTX005 reads session 'c.db_session' out of a UserExecutionContext; take a 'db: AsyncSession' parameter instead"
    )


def test_module_name_target_follows_aliases_and_imports() -> None:
    from ctxsep.engine import parse
    from ctxsep.semantics import FileSemantics, Vocabulary

    source = (
        "from app.context import create_user_execution_context as make\n"
        "from . import sibling\n"
        "alias = make\n"
        "chained = alias\n"
        "attr = sibling.thing\n"
        "value = make('u')\n"
        "def local(): pass\n"
    )
    sem = FileSemantics(parse(source, "m.py"), Vocabulary.default(), ("pkg", "mod"), source)
    dotted = {
        name: (t.dotted if (t := sem.module_name_target(name)) else None)
        for name in ("alias", "chained", "attr", "value", "local", "missing")
    }
    assert dotted == {
        "alias": "app.context.create_user_execution_context",
        "chained": "app.context.create_user_execution_context",
        "attr": "pkg.sibling.thing",
        "value": None,
        "local": "pkg.mod.local",
        "missing": None,
    }


# -- reports_at: the engine's findings at one position, without the whole walk --------


def _fixture_cases() -> list[Path]:
    from support import fixture_files

    return [p for p in fixture_files() if "mypy" not in p.parts]


@pytest.mark.parametrize("path", _fixture_cases(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_reports_at_agrees_with_the_full_walk(path: Path) -> None:
    """Every finding of ``check_file`` is found by a descent to its position,
    and a descent to any node's position finds nothing the walk does not."""
    from ctxsep.engine import check_file, file_semantics, parse
    from ctxsep.suppression import find_suppressions
    from ctxsep.typed_findings import reports_at

    resolver = SettingsResolver()
    settings = resolver.for_path(path)
    source = path.read_text(encoding="utf-8")
    full = {(f.code, f.line, f.col) for f in check_file(path, resolver, baseline=False).findings}
    suppressed = set(find_suppressions(source))
    codes = tuple(sorted(settings.enabled_codes()))
    sem = file_semantics(parse(source, str(path)), source, settings)  # with its conftest.py fixtures
    for code, line, col in full:
        found = reports_at(sem, settings, (code,), line, col)
        assert (code, line, col) in found, (code, line, col)
    tree = parse(source, str(path))
    for node in ast.walk(tree):
        line, col = getattr(node, "lineno", None), getattr(node, "col_offset", None)
        if line is None or col is None or line in suppressed:
            continue
        fresh = file_semantics(tree, source, settings)
        exact = {r for r in reports_at(fresh, settings, codes, line, col) if r[1:] == (line, col)}
        assert exact <= full, (line, col, exact - full)


def test_a_known_engine_result_decides_the_overlap(root: Path) -> None:
    """With the engine's result for the file at hand (the CLI's result
    cache), the overlap is read from it instead of computed."""
    from ctxsep.engine import FileResult
    from ctxsep.model import Finding

    g = gate(root)
    settings = g.settings
    pretend = Finding("app/routes.py", 6, 8, "CTX002", "legacy-context-constructor", Severity.ERROR, "CTX002 x")
    result = FileResult("app/routes.py", settings.phase, (pretend,))
    known = FileGate(g.path, settings, SOURCE, "app/routes.py", known_result=lambda: result)
    assert g.admit(ALIAS_CALL) is not None, "the engine itself does not see the alias"
    assert known.admit(ALIAS_CALL) is None, "the known result says it does: left to the AST front ends"
    skipped = FileGate(g.path, settings, SOURCE, "app/routes.py", known_result=lambda: None)
    assert skipped.admit(ALIAS_CALL) is not None, "no known result: computed"
