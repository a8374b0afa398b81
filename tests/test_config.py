"""Config discovery, the phase map's precedence, validation errors, explain."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ctxsep.cli.explain import explain
from ctxsep.config import SettingsResolver, find_config, load_config
from ctxsep.model import ConfigError, Phase, Severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "x"

        [tool.ctxsep]
        default-phase = "legacy"

        [tool.ctxsep.phases]
        "app/services" = "transitional"
        "app/routes" = "migrated"
        "app/routes/v1_*.py" = "transitional"
        "app/routes/admin" = "final"
        "app/routes/admin/legacy_tool.py" = "legacy"
        "**/tests" = "legacy"

        [tool.ctxsep.severity.transitional]
        CTX004 = "error"
        """,
    )
    return tmp_path


@pytest.mark.parametrize(
    ("rel", "phase", "key"),
    [
        ("app/main.py", Phase.LEGACY, None),  # default-phase = legacy (Phase.LEGACY is falsy: regression)
        ("app/services/billing.py", Phase.TRANSITIONAL, "app/services"),
        ("app/services/deep/er/x.py", Phase.TRANSITIONAL, "app/services"),
        ("app/servicesx/x.py", Phase.LEGACY, None),  # whole segments only
        ("app/routes/users.py", Phase.MIGRATED, "app/routes"),
        ("app/routes/v1_users.py", Phase.TRANSITIONAL, "app/routes/v1_*.py"),  # a glob beats its directory
        ("app/routes/sub/v1_users.py", Phase.MIGRATED, "app/routes"),  # `*` does not cross '/'
        ("app/routes/admin/panel.py", Phase.FINAL, "app/routes/admin"),  # deeper beats parent
        ("app/routes/admin/legacy_tool.py", Phase.LEGACY, "app/routes/admin/legacy_tool.py"),  # file beats dir
        ("app/routes/admin/tests/test_panel.py", Phase.LEGACY, "**/tests"),  # deeper match wins
    ],
)
def test_most_specific_key_wins(project: Path, rel: str, phase: Phase, key: str | None) -> None:
    settings = SettingsResolver(cwd=project).for_path(project / rel)
    assert settings.phase is phase
    assert (settings.phase_key.key if settings.phase_key else None) == key


def test_key_order_in_the_file_does_not_matter(tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "ctxsep.toml", '[phases]\n"pkg" = "legacy"\n"pkg/sub" = "final"\n')
    b = write(tmp_path / "b" / "ctxsep.toml", '[phases]\n"pkg/sub" = "final"\n"pkg" = "legacy"\n')
    for config in (a, b):
        settings = SettingsResolver(cwd=config.parent).for_path(config.parent / "pkg/sub/m.py")
        assert settings.phase is Phase.FINAL


def test_severity_override_applies_to_its_phase_only(project: Path) -> None:
    resolver = SettingsResolver(cwd=project)
    assert resolver.for_path(project / "app/services/x.py").severities["CTX004"] is Severity.ERROR
    assert resolver.for_path(project / "app/main.py").severities["CTX004"] is Severity.OFF
    assert resolver.for_path(project / "app/routes/x.py").severities["CTX007"] is Severity.OFF


def test_config_is_found_from_the_file_not_the_cwd(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = SettingsResolver().for_path(project / "app/routes/users.py")
    assert settings.config.path == project / "pyproject.toml"
    assert settings.phase is Phase.MIGRATED


def test_nearest_config_wins_and_ctxsep_toml_beats_pyproject(project: Path) -> None:
    write(project / "app/plugins/ctxsep.toml", 'default-phase = "final"\n')
    write(project / "app/plugins/pyproject.toml", '[tool.ctxsep]\ndefault-phase = "legacy"\n')
    settings = SettingsResolver(cwd=project).for_path(project / "app/plugins/p.py")
    assert settings.config.path == project / "app/plugins/ctxsep.toml"
    assert settings.phase is Phase.FINAL
    assert settings.rel_path == "p.py"  # keys resolve against that config's own directory


def test_pyproject_without_our_table_is_passed_over(project: Path) -> None:
    write(project / "lib/pyproject.toml", '[project]\nname = "lib"\n')
    assert find_config(project / "lib") == project / "pyproject.toml"


def test_no_config_means_migrated(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    settings = SettingsResolver(cwd=tmp_path).for_path(tmp_path / "x.py")
    assert settings.config.path is None
    assert settings.phase is Phase.MIGRATED


def test_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / "ctxsep.toml", 'default-phase = "final"\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert find_config(tmp_path / "repo") is None


def test_edited_config_is_reread(project: Path) -> None:
    resolver = SettingsResolver(cwd=project)
    assert resolver.for_path(project / "app/x.py").phase is Phase.LEGACY
    text = (project / "pyproject.toml").read_text().replace('default-phase = "legacy"', 'default-phase = "final"')
    (project / "pyproject.toml").write_text(text + "\n# edited\n")
    assert resolver.for_path(project / "app/x.py").phase is Phase.FINAL


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ('default-phase = "migratd"\n', ["'default-phase'", "unknown phase 'migratd'", "did you mean 'migrated'"]),
        ("default-phase = 3\n", ["'default-phase'", "must be a phase name", "not a number"]),
        ('defualt-phase = "legacy"\n', ["'defualt-phase'", "unknown key", "did you mean 'default-phase'"]),
        ('[phases]\n"app" = "strict"\n', ["[phases] 'app'", "unknown phase 'strict'"]),
        ('[phases]\n"../other" = "final"\n', ["[phases] '../other'", "inside the project"]),
        ('[phases]\n"/abs" = "final"\n', ["[phases] '/abs'", "inside the project"]),
        ('[phases]\n"app" = "final"\n"./app/" = "legacy"\n', ["'./app/'", "same path as 'app'"]),
        ("phases = 3\n", ["'phases'", "must be a table"]),
        ('[names]\nlegacy-types = ["X"]\n', ["[names] 'legacy-types'", "did you mean 'legacy-context-types'"]),
        ('[names]\nsession-names = "db"\n', ["[names] 'session-names'", "list of non-empty strings"]),
        ('[names]\nsession-types = ["not a name"]\n', ["'not a name' is not a (dotted) Python name"]),
        ('[severity.migrated]\nCTX099 = "off"\n', ["[severity.migrated] 'CTX099'", "unknown rule code"]),
        (
            '[severity.migrated]\nlegacy-context-constructor = "off"\n',
            ["unknown rule code", "did you mean 'CTX002'"],
        ),
        ('[severity.migrated]\nCTX002 = "fatal"\n', ["'CTX002'", "unknown severity 'fatal'"]),
        ('[severity.strict]\nCTX002 = "off"\n', ["[severity] 'strict'", "unknown phase"]),
        ("baseline = 3\n", ["'baseline'", "non-empty string"]),
        (
            '[tool.ctxsep]\ndefault-phase = "legacy"\n',
            [
                "top level 'tool'",
                "in ctxsep.toml the settings sit at the top level",
                "[phases], not [tool.ctxsep.phases]",
            ],
        ),
        ("default-phase = legacy\nphases = {}\n", ["invalid TOML", "line 1"]),
    ],
)
def test_every_problem_names_the_file_and_the_key(tmp_path: Path, body: str, fragments: list[str]) -> None:
    config = write(tmp_path / "ctxsep.toml", body)
    with pytest.raises(ConfigError) as info:
        load_config(config)
    text = str(info.value)
    assert str(config) in text
    for fragment in fragments:
        assert fragment in text, text


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    config = write(
        tmp_path / "pyproject.toml", '[tool.ctxsep]\nbogus = 1\ndefault-phase = "x"\n[tool.ctxsep.phases]\n"a" = "y"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert len(info.value.problems) == 3
    assert all(p.startswith(f"{config}: [tool.ctxsep") for p in info.value.problems)


def test_equally_specific_keys_with_different_phases_are_an_error(tmp_path: Path) -> None:
    write(tmp_path / "ctxsep.toml", '[phases]\n"app/*" = "legacy"\n"*/services" = "final"\n')
    resolver = SettingsResolver(cwd=tmp_path)
    with pytest.raises(ConfigError) as info:
        resolver.for_path(tmp_path / "app/services/x.py")
    assert "'app/*' and '*/services'" in str(info.value)


def test_names_replace_or_extend_the_defaults(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path / "ctxsep.toml",
            '[names]\nlegacy-context-types = ["app.ctx.UserExecutionContext"]\n'
            'extend-request-scoped-context-types = ["RequestScopedContextDep"]\n',
        )
    )
    vocab = config.vocabulary
    from ctxsep.semantics import Category

    assert vocab.names_in(Category.LEGACY_CONTEXT_TYPE) == ("app.ctx.UserExecutionContext",)
    assert vocab.names_in(Category.SCOPED_CONTEXT_TYPE)[-1] == "RequestScopedContextDep"
    assert "RequestScopedContext" in vocab.names_in(Category.SCOPED_CONTEXT_TYPE)


def test_explain_names_config_key_phase_and_reasons(project: Path) -> None:
    text = explain(str(project / "app/routes/v1_users.py"), SettingsResolver(cwd=project))
    assert f"config:  {project / 'pyproject.toml'}" in text
    assert "* 'app/routes/v1_*.py' = 'transitional'  (glob, depth 4: this path itself)" in text
    assert "'app/routes' = 'migrated'  (path, depth 2: directory app/routes/)" in text
    assert "phase:   transitional (from key 'app/routes/v1_*.py')" in text
    assert (
        "CTX004 context-mutation             error  [tool.ctxsep.severity.transitional] overrides the default warn"
        in text
    )
    assert "CTX002 legacy-context-constructor   warn   default for transitional" in text


def test_explain_without_config(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    text = explain(str(tmp_path / "x.py"), SettingsResolver(cwd=tmp_path))
    assert "none found" in text and "phase:   migrated (from default-phase)" in text


def test_a_huge_pyproject_is_reported_not_read_nor_passed_over(tmp_path: Path) -> None:
    """A pyproject.toml over the config size limit is never read whole (a
    sparse 17 MiB file here); it is named as the config that cannot be read
    rather than skipped for a parent's config or the defaults."""
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    with open(tmp_path / "pyproject.toml", "wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    with pytest.raises(ConfigError) as caught:
        SettingsResolver().config_for_dir(tmp_path)
    assert "pyproject.toml: cannot read config" in str(caught.value) and "larger than 16 MiB" in str(caught.value)
