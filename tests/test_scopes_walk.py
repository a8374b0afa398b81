"""The binding collector's shortcut skips only node types it never handles."""

from __future__ import annotations

import ast
import inspect
import re

from ctxsep.semantics.scopes import NEVER_BINDS, _BindingCollector


def test_the_collector_has_no_branch_for_a_skipped_type() -> None:
    source = inspect.getsource(_BindingCollector._node)
    tested = set()
    for match in re.finditer(r"isinstance\(node, \(?([^)]*)\)?\)", source):
        tested.update(re.findall(r"ast\.(\w+)", match.group(1)))
    assert tested, "the collector's isinstance tests moved: update this test"
    assert not {t.__name__ for t in NEVER_BINDS} & tested


def test_skipped_types_bind_nothing_anywhere_they_occur() -> None:
    tree = ast.parse("x = f(a, *b, k=c[1:2]) + (d.e < 2 and not g) or [h, {i: j}, {k}, f'{m}']\nreturn_ = x\n")
    for node in ast.walk(tree):
        if type(node) in NEVER_BINDS:
            collector = _BindingCollector.__new__(_BindingCollector)
            collector.out = {}
            collector._node(node)
            assert collector.out == {}, type(node).__name__
