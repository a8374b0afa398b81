"""docs/adoption.md and the example configs stay true to the product."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import ROOT

from ctxsep.cli import build_parser
from ctxsep.config import load_config

EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_configs_load(path: Path) -> None:
    config = load_config(path)  # raises ConfigError naming the key on any problem
    assert config.phase_map.keys
    assert any("." in name for names in config.vocabulary.entries.values() for name in names)


def test_every_command_the_adoption_guide_uses_exists() -> None:
    text = (ROOT / "docs" / "adoption.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    used = set(re.findall(r"`ctxsep ([a-z]+)", text)) | set(re.findall(r"\$ ctxsep ([a-z]+)", text))
    assert used, "the guide names no command"
    assert used <= commands, used - commands
