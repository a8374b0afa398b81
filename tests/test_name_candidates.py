"""The cheap test before resolving a bare name (``FileSemantics.might_name``)
is sound: every loaded name that resolves to a vocabulary entry — or names
a class deriving from a legacy type, or a module-level alias — passes it.
Checked by brute force over the rule fixtures, every rule's examples and
cases made to trip a text-based filter."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from ctxsep.rules import AST_RULES
from ctxsep.semantics import SCOPE_NODES, FileSemantics, Scope, Vocabulary

FIXTURES = Path(__file__).parent / "fixtures"

TRICKY = [
    # a rename split by a line continuation
    "from app.context import create_user_execution_context as \\\n    make\nctx = make(user_id='u')\n",
    # a class right after a comment ending in "as"
    "from app.context import UserExecutionContext\nx = 1  # the same as\nclass Mine(UserExecutionContext):\n"
    "    pass\ndef f():\n    return Mine()\n",
    # a local alias of a module-level name, and a nested legacy class
    "import json\nfrom app.context import create_user_execution_context\n"
    "def f():\n    json = create_user_execution_context\n    return json(user_id='u')\n"
    "def g():\n    from app.context import UserExecutionContext\n"
    "    class Local(UserExecutionContext):\n        pass\n    return Local()\n",
    # module-level aliases, annotated and unpacked
    "from app import context\nmake: object = context.create_user_execution_context\n"
    "a, b = context.UserExecutionContext, 1\ndef f():\n    return make(), a()\n",
    # a star import, global declarations, a walrus at module level
    "from app.context import *\nglobal_ctx = None\ndef f():\n    global global_ctx\n"
    "    global_ctx = create_user_execution_context()\n    return UserExecutionContext\n"
    "if (ctor := create_user_execution_context):\n    ctor()\n",
]


def _sources() -> list[tuple[str, str]]:
    found = [(str(p.relative_to(FIXTURES)), p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.rglob("*.py"))]
    for rule in AST_RULES:
        for i, snippet in enumerate((*rule.valid, *rule.invalid)):
            found.append((f"{rule.code}[{i}]", textwrap.dedent(snippet)))
    found += [(f"tricky[{i}]", text) for i, text in enumerate(TRICKY)]
    return found


def _names_with_scopes(sem: FileSemantics) -> list[tuple[ast.Name, Scope]]:
    out: list[tuple[ast.Name, Scope]] = []
    stack: list[tuple[ast.AST, Scope]] = [(sem.tree, sem.module)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.append((node, scope))
        inner = sem.scope_of(node, scope) if isinstance(node, SCOPE_NODES) else scope
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return out


@pytest.mark.parametrize(("name", "source"), _sources(), ids=[name for name, _ in _sources()])
def test_every_name_that_can_mean_vocabulary_is_a_candidate(name: str, source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        pytest.skip("not Python")
    vocab = Vocabulary.default()
    sem = FileSemantics(tree, vocab, ("app", "mod"), source)
    judged = FileSemantics(tree, vocab, ("app", "mod"), source)  # untouched by the filter's own lookups
    for node, scope in _names_with_scopes(judged):
        _, binding = scope.lookup(node.id, None)
        resolves = judged.category(node, scope) is not None
        is_class = binding is not None and isinstance(binding.node, ast.ClassDef)
        is_alias = judged.resolver.alias_value(node, scope) is not None
        if resolves or is_class or is_alias:
            assert sem.might_name(node.id), f"{name}: {node.id!r} at line {node.lineno} was filtered out"


def test_word_start_scan_equals_a_leading_word_boundary() -> None:
    """``word_start_groups`` (the text scans behind the candidate names and
    the file's ``def`` names) finds exactly what the same pattern with a
    leading ``\\b`` finds, on every standard-library module and on text made
    to trip it (a keyword inside a word, at the start, after non-ASCII
    letters and digits, across a line continuation)."""
    import re
    import sysconfig

    from ctxsep.semantics import _AS_OR_CLASS
    from ctxsep.semantics.followed import _DEF_NAME
    from ctxsep.semantics.nodes import word_start_groups

    tricky = "as x\nalias y\nclass\\\n C\n_as z\né as w\n9as v\nclassy  q\nxdef f\ndef g\n\u00e9def h\nas\nclass K"
    texts = [tricky] + [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    ]
    for pattern in (_AS_OR_CLASS, _DEF_NAME):
        bounded = re.compile(r"\b" + pattern.pattern)
        for text in texts:
            assert word_start_groups(pattern, text) == bounded.findall(text)
