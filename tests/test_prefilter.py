"""The prefilter is sound: a file it rules out never has a finding.

Checked against the engine itself (with the prefilter bypassed) for every
rule's examples, for user-configured vocabulary names (bare, dotted,
non-ASCII), for generated programs, and for the encodings Python accepts.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from programs import vocabulary_program

import ctxsep.engine
from ctxsep.config import SettingsResolver
from ctxsep.engine import check_source, needed_kinds
from ctxsep.prefilter import might_have_findings
from ctxsep.rules import AST_RULES
from ctxsep.semantics import ContextKind

#: default name -> a user's own name for it
RENAMES = {
    "EnhancedRequestScopedContext": "BoostedScope",
    "RequestScopedContext": "ScopeInfo",
    "UserExecutionContext": "LegacyBag",
    "create_user_execution_context": "make_bag",
    "get_request_scoped_user_context": "scope_dep",
}
CUSTOM_NAMES = """
[names]
legacy-context-types = ["app.bags.LegacyBag"]
request-scoped-context-types = ["ScopeInfo", "BoostedScope"]
legacy-constructors = ["make_bag"]
scoped-context-factories = ["scope_dep"]
"""


def settings_for(tmp_path: Path, names: str = "", phase: str = "final"):  # type: ignore[no-untyped-def]
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "ctxsep.toml").write_text(f'default-phase = "{phase}"\n{names}', encoding="utf-8")
    return SettingsResolver(cwd=tmp_path).for_path(tmp_path / "app" / "bags.py")


def unfiltered(source: str | bytes, settings, monkeypatch: pytest.MonkeyPatch) -> list[str]:  # type: ignore[no-untyped-def]
    with monkeypatch.context() as patch:
        patch.setattr(ctxsep.engine, "might_have_findings", lambda data, vocab, kinds=None: True)
        result = check_source(source, "app/bags.py", settings)
    return [f.code for f in result.findings if f.code != "CTX900"]


def examples() -> list[str]:
    return [textwrap.dedent(example) for rule in AST_RULES for example in rule.invalid]


@pytest.mark.parametrize("source", examples())
def test_every_rule_example_with_findings_passes(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(tmp_path)
    assert unfiltered(source, settings, monkeypatch)
    assert might_have_findings(source, settings.vocabulary)
    assert might_have_findings(source.encode(), settings.vocabulary)


def test_user_configured_names_are_needles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(tmp_path, CUSTOM_NAMES)
    with_findings = 0
    for source in examples():
        for old, new in RENAMES.items():
            source = source.replace(old, new)
        if unfiltered(source, settings, monkeypatch):
            with_findings += 1
            assert might_have_findings(source, settings.vocabulary), source
            assert might_have_findings(source.encode(), settings.vocabulary), source
    assert with_findings >= len(examples()) * 3 // 4  # the renamed examples still find things
    # The default names no longer count in this project.
    assert not might_have_findings(b"x = UserExecutionContext()\n", settings.vocabulary)


@settings(max_examples=60, deadline=None)
@given(vocabulary_program())
def test_generated_programs(tmp_path_factory: pytest.TempPathFactory, source: str) -> None:
    root = tmp_path_factory.mktemp("gen")
    settings = settings_for(root)
    monkeypatch = pytest.MonkeyPatch()
    try:
        if unfiltered(source, settings, monkeypatch):
            assert might_have_findings(source, settings.vocabulary)
            assert might_have_findings(source.encode(), settings.vocabulary)
    finally:
        monkeypatch.undo()


NFKC_SOURCE = "def f(context: \uff35serExecutionContext):\n    context.db_session = 1\n"  # fullwidth U


@pytest.mark.parametrize(
    "data",
    [
        NFKC_SOURCE.encode("utf-8"),
        ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + "ctx = make_b\xe4g()\n").encode("latin-1"),
        ("# caf\xe9 \u2026\n" + NFKC_SOURCE).encode("utf-8"),  # mixed: normalisation needed
    ],
    ids=["fullwidth", "latin-1 cookie, non-ASCII name", "not normalised"],
)
def test_non_ascii_spellings_are_found(data: bytes, tmp_path: Path) -> None:
    names = CUSTOM_NAMES.replace('"make_bag"', '"make_b\u00e4g"')
    settings = settings_for(tmp_path, names if b"make_b" in data else "")
    assert might_have_findings(data, settings.vocabulary)
    assert might_have_findings(data.decode("latin-1" if b"latin-1" in data else "utf-8"), settings.vocabulary)


def test_files_without_the_vocabulary_are_ruled_out(tmp_path: Path) -> None:
    vocab = settings_for(tmp_path).vocabulary
    # Session evidence alone never makes a finding.
    plain = "from sqlalchemy.orm import Session\n\ndef f(db: Session, session=None):\n    return db.execute(1)\n"
    assert not might_have_findings(plain, vocab)
    assert not might_have_findings(plain.encode(), vocab)
    assert not might_have_findings(("# caf\xe9 \u2026 \uff21\n" + plain).encode(), vocab)


def test_a_name_holding_another_is_found_through_it(tmp_path: Path) -> None:
    """The search skips needles that contain a shorter one (it finds them too)."""
    vocab = settings_for(tmp_path).vocabulary
    only_long = "def f(context: EnhancedRequestScopedContext):\n    context.db_session = 1\n"
    assert might_have_findings(only_long, vocab)
    assert might_have_findings(only_long.encode(), vocab)
    assert might_have_findings(NFKC_SOURCE.replace("\uff35serExecution", "Enhanced\uff32equestScoped"), vocab)


# -- rules that need less: the needles follow the phase's enabled rules --------------

PHASES = ("legacy", "transitional", "migrated", "final")


def phase_needles_pass(source: str, settings, monkeypatch: pytest.MonkeyPatch) -> bool:  # type: ignore[no-untyped-def]
    """Whether the phase's prefilter lets ``source`` through (str and bytes agree)."""
    kinds = needed_kinds(settings.enabled_codes())
    as_text = might_have_findings(source, settings.vocabulary, kinds)
    assert as_text == might_have_findings(source.encode(), settings.vocabulary, kinds)
    return as_text


@pytest.mark.parametrize("phase", PHASES)
def test_every_example_with_findings_in_a_phase_passes_its_needles(
    phase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, phase=phase)
    with_findings = 0
    sources = examples() + [textwrap.dedent(example) for rule in AST_RULES for example in rule.valid]
    for source in sources:
        if unfiltered(source, settings, monkeypatch):
            with_findings += 1
            assert phase_needles_pass(source, settings, monkeypatch), source
    assert with_findings  # CTX003 fires even in the legacy phase


@settings(max_examples=60, deadline=None)
@given(vocabulary_program())
def test_generated_programs_in_the_legacy_phase(tmp_path_factory: pytest.TempPathFactory, source: str) -> None:
    settings = settings_for(tmp_path_factory.mktemp("gen"), phase="legacy")
    monkeypatch = pytest.MonkeyPatch()
    try:
        if unfiltered(source, settings, monkeypatch):
            assert phase_needles_pass(source, settings, monkeypatch)
    finally:
        monkeypatch.undo()


def test_legacy_phase_skips_files_only_the_legacy_api_is_in(tmp_path: Path) -> None:
    """Only CTX003 runs in the legacy phase, and it starts from a request-scoped
    context: a file spelling nothing but the legacy API is not even parsed."""
    legacy_only = "def f(context: UserExecutionContext):\n    context.db_session = 1\n    return context.db_session\n"
    scoped = "def f(context: RequestScopedContext):\n    return context.db_session.get(1)\n"
    legacy = settings_for(tmp_path, phase="legacy")
    assert needed_kinds(legacy.enabled_codes()) == ContextKind.SCOPED
    assert not check_source(legacy_only, "app/bags.py", legacy).parsed
    result = check_source(scoped, "app/bags.py", legacy)
    assert result.parsed and [f.code for f in result.findings] == ["CTX003"]
    # Where the rules that read legacy contexts are on, the same file is read.
    migrated = settings_for(tmp_path, phase="migrated")
    assert [f.code for f in check_source(legacy_only, "app/bags.py", migrated).findings] == ["CTX001", "CTX005"]


@pytest.mark.parametrize("phase", PHASES)
def test_rules_idle_for_want_of_names_find_nothing(phase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a file the prefilter lets through, a rule needing a narrower kind
    of evidence (CTX003) runs only if the file spells a name of that kind;
    every example gives the same findings as running every enabled rule."""
    settings = settings_for(tmp_path, phase=phase)
    sources = examples() + [textwrap.dedent(example) for rule in AST_RULES for example in rule.valid]
    sources += [source.replace("RequestScopedContext", "UserExecutionContext") for source in sources]
    idle = 0
    for source in sources:
        narrowed = [(f.code, f.line, f.col) for f in check_source(source, "app/bags.py", settings).findings]
        enabled = settings.enabled_codes()
        idle += ctxsep.engine._active_codes(source, settings.vocabulary, enabled) != enabled
        with monkeypatch.context() as patch:
            patch.setattr(ctxsep.engine, "_active_codes", lambda source, vocab, enabled: enabled)
            every = [(f.code, f.line, f.col) for f in check_source(source, "app/bags.py", settings).findings]
        assert narrowed == every, source
    assert idle  # the shortcut is taken
