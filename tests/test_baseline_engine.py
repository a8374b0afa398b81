"""The engine applies the baseline: multiset matching, phase gating, and
identity that survives unrelated edits (SPEC §7)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support import write_tree

from ctxsep.atomic import write_atomic
from ctxsep.baseline import Entry, dumps
from ctxsep.config import SettingsResolver
from ctxsep.engine import apply_baseline, check_file
from ctxsep.model import BaselineError, ConfigError, Phase

TWO_CALLS = """
def handler(db):
    a = create_user_execution_context(user_id="u")
    b = create_user_execution_context(user_id="u")
"""


def project(tmp_path: Path, source: str, phase: str = "migrated") -> Path:
    return write_tree(
        tmp_path,
        {"pyproject.toml": f'[tool.ctxsep]\ndefault-phase = "{phase}"\n', "app/m.py": source},
    )


def set_phase(root: Path, phase: str) -> None:
    (root / "pyproject.toml").write_text(f'[tool.ctxsep]\ndefault-phase = "{phase}"\n', encoding="utf-8")


def record(root: Path, path: str = "app/m.py") -> list[Entry]:
    """Record every current finding of ``path`` (what `baseline create` does)."""
    result = check_file(root / path, SettingsResolver(cwd=root), baseline=False)
    settings = SettingsResolver(cwd=root).for_path(root / path)
    counts: dict[tuple[str, str, str], int] = {}
    for f in result.findings:
        counts[(f.code, f.scope, f.fingerprint)] = counts.get((f.code, f.scope, f.fingerprint), 0) + 1
    entries = [Entry(path, code, scope, fp, n, settings.phase) for (code, scope, fp), n in counts.items()]
    write_atomic(root / "ctxsep-baseline.json", dumps(entries))
    return entries


def shown(root: Path, path: str = "app/m.py") -> list[tuple[int, str]]:
    result = check_file(root / path, SettingsResolver(cwd=root))
    assert all(f.baselined for f in result.baselined)
    return [(f.line, f.code) for f in result.findings]


def test_recorded_findings_are_hidden_and_kept_for_reports(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_CALLS)
    record(root)
    result = check_file(root / "app/m.py", SettingsResolver(cwd=root))
    assert result.findings == ()
    assert [(f.line, f.code, f.baselined) for f in result.baselined] == [(2, "CTX002", True), (3, "CTX002", True)]
    assert len(check_file(root / "app/m.py", SettingsResolver(cwd=root), baseline=False).findings) == 2


def test_matching_is_a_multiset(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_CALLS)
    record(root)  # one entry, count 2
    (root / "app/m.py").write_text(
        TWO_CALLS.lstrip("\n") + '    c = create_user_execution_context(user_id="u")\n', encoding="utf-8"
    )
    assert shown(root) == [(4, "CTX002")]  # a third identical call is new


def test_promotion_unhides_and_demotion_keeps_hiding(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_CALLS, phase="transitional")
    record(root)  # recorded at transitional (CTX002 warns there)
    assert shown(root) == []
    set_phase(root, "migrated")
    assert shown(root) == [(2, "CTX002"), (3, "CTX002")]
    set_phase(root, "final")
    assert shown(root) == [(2, "CTX002"), (3, "CTX002")]
    set_phase(root, "transitional")
    assert shown(root) == []


def test_entry_recorded_in_a_stricter_phase_still_hides_after_a_demotion(tmp_path: Path) -> None:
    root = project(tmp_path, "def f(context: RequestScopedContext):\n    return context.db_session\n", "migrated")
    record(root)
    set_phase(root, "legacy")  # CTX003 still warns in legacy
    assert shown(root) == []


def test_survives_unrelated_edits_and_resurfaces_on_a_changed_call(tmp_path: Path) -> None:
    original = """
    def other():
        return 1


    def handler(db):
        ctx = create_user_execution_context(user_id="u", db_session=db)
        return ctx.db_session
    """
    root = project(tmp_path, original)
    record(root)
    edited = """
    import logging

    log = logging.getLogger(__name__)


    def handler(db):
        ctx = create_user_execution_context(
            user_id='u',
            db_session=db,  # still the session in the context
        )
        return ctx.db_session


    def other():
        return 1
    """
    (root / "app/m.py").write_text(textwrap.dedent(edited), encoding="utf-8")
    assert shown(root) == []
    changed = edited.replace("user_id='u'", "user_id='someone-else'")
    (root / "app/m.py").write_text(textwrap.dedent(changed), encoding="utf-8")
    assert shown(root) == [(8, "CTX002")]


def test_skipped_files_are_never_hidden(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_CALLS)
    record(root)
    (root / "app/m.py").write_text("def (:\n" + textwrap.dedent(TWO_CALLS), encoding="utf-8")
    assert shown(root) == [(1, "CTX900")]


def test_each_config_has_its_own_baseline(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "svc_a/pyproject.toml": "[tool.ctxsep]\n",
            "svc_a/m.py": TWO_CALLS,
            "svc_b/ctxsep.toml": 'baseline = "debt/known.json"\n',
            "svc_b/m.py": TWO_CALLS,
        },
    )
    record(root / "svc_a", "m.py")
    assert shown(root / "svc_a", "m.py") == []
    assert shown(root, "svc_b/m.py") == [(2, "CTX002"), (3, "CTX002")]  # svc_b's baseline does not exist
    (root / "svc_b/debt").mkdir()
    (root / "svc_a/ctxsep-baseline.json").rename(root / "svc_b/debt/known.json")
    assert shown(root, "svc_b/m.py") == []


def test_a_corrupt_baseline_is_an_error_naming_file_and_entry(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_CALLS)
    baseline = root / "ctxsep-baseline.json"
    baseline.write_text(
        '{"entries": [\n  {"path": "app/m.py", "code": "CTX002", "scope": "handler", "fingerprint": "zz", '
        '"count": 1, "phase": "migrated"}\n]}\n',
        encoding="utf-8",
    )
    with pytest.raises(BaselineError) as info:
        check_file(root / "app/m.py", SettingsResolver(cwd=root))
    assert isinstance(info.value, ConfigError)  # every front end already reports config errors
    assert info.value.problems == [f"{baseline}: entry 1 (line 2): \"fingerprint\" 'zz' must be 8 lowercase hex digits"]
    # A run that ignores the baseline does not need it to be readable.
    assert len(check_file(root / "app/m.py", SettingsResolver(cwd=root), baseline=False).findings) == 2


def test_entries_record_the_phase(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_CALLS, phase="final")
    assert {e.phase for e in record(root)} == {Phase.FINAL}


def test_apply_baseline_serves_front_ends_with_their_own_findings(tmp_path: Path) -> None:
    """The mypy plugin produces findings itself and filters them the same way."""
    root = project(tmp_path, TWO_CALLS)
    record(root)
    resolver = SettingsResolver(cwd=root)
    findings = list(check_file(root / "app/m.py", resolver, baseline=False).findings)
    shown_now, hidden = apply_baseline(findings, resolver.for_path(root / "app/m.py"))
    assert shown_now == [] and len(hidden) == 2
