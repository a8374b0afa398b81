"""The codebase's shape: registry, docs and layers agree with each other."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from ctxsep.cli import build_parser
from ctxsep.config.loader import NAME_KEYS
from ctxsep.config.schema import TOP_LEVEL_KEYS
from ctxsep.output.rule_docs import render
from ctxsep.rules import ALL_RULES, DOC_SECTIONS

RULE_DIR = ROOT / "src" / "ctxsep" / "rules"


def test_registry_matches_modules_on_disk() -> None:
    modules = sorted(p.stem for p in RULE_DIR.glob("ctx[0-9][0-9][0-9]_*.py"))
    registered = sorted(type(rule).__module__.rsplit(".", 1)[1] for rule in ALL_RULES)
    assert modules == registered
    for rule in ALL_RULES:
        module = type(rule).__module__.rsplit(".", 1)[1]
        assert module.startswith(rule.code.lower() + "_"), (module, rule.code)


def test_codes_and_symbols_are_unique_and_ordered() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert len({rule.symbol for rule in ALL_RULES}) == len(ALL_RULES)
    for rule in ALL_RULES:
        assert re.fullmatch(r"CTX\d{3}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.symbol)


def test_only_the_rule_module_emits_its_code() -> None:
    for path in (ROOT / "src" / "ctxsep").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for rule in ALL_RULES:
            own = path.stem.startswith(rule.code.lower())
            if not own and path.name not in ("__init__.py",):
                # other modules may mention a code in prose, but never report it
                assert f'code = "{rule.code}"' not in text, (path, rule.code)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_docstring_has_every_section_in_order(rule: object) -> None:
    doc = rule.doc  # type: ignore[attr-defined]
    positions = [doc.find(f"## {section}\n") for section in DOC_SECTIONS]
    assert all(p >= 0 for p in positions), [s for s, p in zip(DOC_SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_option_a_rule_names_exists(rule: object) -> None:
    options = rule.options  # type: ignore[attr-defined]
    assert options
    for option in options:
        table, _, key = option.partition(".")
        assert table in TOP_LEVEL_KEYS, option
        if table == "names":
            assert key in NAME_KEYS, option
        assert f"`{option}`" in rule.doc, f"{option} is not in the docstring's Options"  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_doc_pages_are_current(rule: object, update_goldens: bool) -> None:
    page = ROOT / "docs" / "rules" / f"{rule.code}.md"  # type: ignore[attr-defined]
    expected = render(rule)  # type: ignore[arg-type]
    if update_goldens:
        page.write_text(expected, encoding="utf-8")
    assert page.exists() and page.read_text(encoding="utf-8") == expected, (
        f"{page} is stale: run `pytest --update-goldens` (or python -m ctxsep.output.rule_docs docs/rules)"
    )


def test_every_config_key_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for key in TOP_LEVEL_KEYS:
        assert f"`{key}`" in text, key
    for key in NAME_KEYS:
        assert f"`{key}`" in text, key


def _cli_flags() -> list[tuple[str, str]]:
    """(command, flag) for every command and nested subcommand (``baseline create``)."""
    found: list[tuple[str, str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for option in parser._actions:
            if isinstance(option, argparse._SubParsersAction):
                for name, sub in option.choices.items():
                    walk(sub, f"{prefix} {name}".strip())
            for flag in option.option_strings:
                if flag not in ("-h", "--help", "--version"):
                    found.append((prefix, flag))

    walk(build_parser(), "")
    return found


def test_every_cli_command_and_flag_is_documented() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    flags = _cli_flags()
    assert ("baseline create", "--force") in flags  # nested subcommands are walked
    for command, flag in flags:
        assert f"ctxsep {command}" in text, command
        section = text[text.index(f"## `ctxsep {command}") :] if f"## `ctxsep {command}" in text else text
        assert f"`{flag}" in section.split("\n## ")[0], (command, flag)


@pytest.mark.skipif(
    shutil.which("lint-imports") is None and not (Path(sys.executable).parent / "lint-imports").exists(),
    reason="import-linter not installed",
)
def test_layers_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(exe) if exe.exists() else "lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
