"""Each fix's before/after examples (its docs on the rule pages) are tests:
``ctxsep fix`` (with ``--unsafe-fixes`` where the example says so) turns
``before`` into ``after`` in a project of its own, and a second run changes
nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support import ctxsep_cli, write_tree

from ctxsep.fixes.base import FixExample
from ctxsep.fixes.registry import PROVIDERS

EXAMPLES = [(p.name, i, e) for p in PROVIDERS for i, e in enumerate(p.examples)]


def test_every_fix_has_an_example() -> None:
    assert {p.name for p in PROVIDERS} == {name for name, _, _ in EXAMPLES}


@pytest.mark.parametrize(("name", "index", "example"), EXAMPLES, ids=[f"{n}-{i}" for n, i, _ in EXAMPLES])
def test_example(name: str, index: int, example: FixExample, tmp_path: Path) -> None:
    config = f'default-phase = "{example.phase}"\n{example.config}'
    root = write_tree(tmp_path, {"ctxsep.toml": config, "app/example.py": example.before})
    flags = ["--unsafe-fixes"] if example.unsafe else []
    code, out, err = ctxsep_cli(root, "fix", *flags, ".")
    assert code == 0, out + err
    after = (root / "app/example.py").read_text()
    assert after == textwrap.dedent(example.after).lstrip("\n"), out
    if example.unsafe:  # not applied without the flag
        write_tree(root, {"app/example.py": example.before})
        assert ctxsep_cli(root, "fix", ".")[0] == 0
        assert (root / "app/example.py").read_text() == textwrap.dedent(example.before).lstrip("\n")
        write_tree(root, {"app/example.py": example.after})
    assert ctxsep_cli(root, "fix", *flags, ".")[0] == 0
    assert (root / "app/example.py").read_text() == textwrap.dedent(example.after).lstrip("\n")
