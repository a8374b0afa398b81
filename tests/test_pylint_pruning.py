"""CTX006's pruning (plugins/pylint_ctxsep/pruning.py) against astroid itself.

Pruning skips inferring a call's callee when no argument can be a context as
astroid infers it. These tests check each claim where it matters, in-process
with astroid (no pylint run):

- the shapes: which arguments are ruled out and which are kept, one snippet each;
- soundness: every argument ruled out, over the fixtures, a generated app and
  standard-library modules, infers to something that is not an instance of a
  non-builtin class (so no vocabulary naming no builtin can make it a context);
- no finding changes: CTX006 over the pylint fixture trees is the same with
  pruning and with pruning switched off.

(The fixture tree tests/fixtures/pylint/ctx006/chat_app/routes/shapes.py holds
the shapes that must still be reported, run through a real pylint by
test_pylint_frontend.py.)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import astroid
import pytest
from astroid import bases, nodes, util
from support import FIXTURES

from ctxsep.config import SettingsResolver
from ctxsep.semantics import Vocabulary
from pylint_ctxsep import dual_pattern
from pylint_ctxsep.dual_pattern import _context_kind, _through_await, dual_pattern_calls
from pylint_ctxsep.pruning import literals_can_be_contexts, might_be_context

PRELUDE = """
class RequestScopedContext: ...
def make(): return RequestScopedContext()
def decorate(f): return f
class Service:
    def process(self, context, db_session=None): ...
svc = Service()
"""


@pytest.fixture(autouse=True)
def _fresh_astroid() -> Iterator[None]:
    yield
    astroid.MANAGER.clear_cache()  # modules built here must not leak into other tests


def _argument(code: str) -> nodes.NodeNG:
    """The first argument of the ``svc.process(...)`` call on the line marked
    ``#@`` in ``code`` (after the prelude)."""
    marked = astroid.extract_node(PRELUDE + code)
    call = next(c for c in marked.nodes_of_class(nodes.Call) if c.func.as_string() == "svc.process")
    return [*call.args, *(k.value for k in call.keywords)][0]


PRUNED = {
    "literal": "svc.process('ctx') #@",
    "None": "svc.process(None) #@",
    "f-string": "def f(c):\n    svc.process(f'{c}') #@",
    "comparison": "def f(c):\n    svc.process(c == 1) #@",
    "list display": "def f(c):\n    svc.process([c]) #@",
    "dict display": "def f(c):\n    svc.process({'c': c}) #@",
    "lambda": "svc.process(lambda: make()) #@",
    "comprehension": "svc.process([make() for _ in range(3)]) #@",
    "parameter": "def f(context):\n    svc.process(context) #@",
    "parameter with a context default": "def f(context=make()):\n    svc.process(context) #@",
    "keyword-only parameter": "def f(*, context):\n    svc.process(context=context) #@",
    "closure over a parameter": "def f(context):\n    def g():\n        svc.process(context) #@",
    "attribute of a parameter": "def f(request):\n    svc.process(request.state.context) #@",
    "call on a parameter": "def f(request):\n    svc.process(request.context()) #@",
    "subscript of a parameter": "def f(request):\n    svc.process(request['context']) #@",
    "awaited call on a parameter": "async def f(request):\n    svc.process(await request.context()) #@",
    "self attribute from a parameter": (
        "class Job:\n    def __init__(self, context):\n        self.context = context\n"
        "    def run(self):\n        svc.process(self.context) #@"
    ),
    "self attribute, one binding from a parameter": (
        "class Job:\n    def __init__(self, context):\n        self.context = context\n"
        "    def reset(self):\n        self.context = make()\n"
        "    def run(self):\n        svc.process(self.context) #@"
    ),
}

KEPT = {
    "a constructor call": "svc.process(RequestScopedContext()) #@",
    "a factory call": "svc.process(make()) #@",
    "a name bound to a call": "ctx = make()\nsvc.process(ctx) #@",
    "a name bound to an awaited call": "async def f():\n    ctx = await make()\n    svc.process(ctx) #@",
    "a module-level name": "CTX = make()\ndef f():\n    svc.process(CTX) #@",
    "a parameter rebound": "def f(ctx):\n    ctx = make()\n    svc.process(ctx) #@",
    "self": "class C(RequestScopedContext):\n    def m(self):\n        svc.process(self) #@",
    "cls": "class C(RequestScopedContext):\n    @classmethod\n    def m(cls):\n        svc.process(cls) #@",
    "first parameter of a decorated function": "@decorate\ndef f(ctx):\n    svc.process(ctx) #@",
    "a lambda's self in a class body": "class C:\n    f = lambda self: svc.process(self) #@",
    "self attribute bound to a context": (
        "class Job:\n    def __init__(self):\n        self.context = make()\n"
        "    def run(self):\n        svc.process(self.context) #@"
    ),
    "*args": "def f(*args):\n    svc.process(args) #@",
    "**kwargs": "def f(**kwargs):\n    svc.process(kwargs) #@",
    "a loop variable": "for ctx in [make()]:\n    svc.process(ctx) #@",
    "a conditional expression": "def f(flag):\n    svc.process(make() if flag else None) #@",
    "an or-expression": "def f(ctx):\n    svc.process(ctx or make()) #@",
}


@pytest.mark.parametrize("code", PRUNED.values(), ids=PRUNED.keys())
def test_pruned_shapes(code: str) -> None:
    argument = _argument(code)
    assert not might_be_context(argument, literals_ok=True)
    assert _harmless(argument), "astroid infers a non-builtin instance for a pruned argument"


@pytest.mark.parametrize("code", KEPT.values(), ids=KEPT.keys())
def test_kept_shapes(code: str) -> None:
    assert might_be_context(_argument(code), literals_ok=True)


def test_literals_are_kept_when_the_vocabulary_names_a_builtin() -> None:
    odd = Vocabulary.from_mapping({"legacy-context-types": ["UserExecutionContext", "dict"]})
    assert literals_can_be_contexts(odd)
    assert not literals_can_be_contexts(Vocabulary.default())
    argument = _argument("svc.process({}) #@")
    assert might_be_context(argument, literals_ok=not literals_can_be_contexts(odd))


def test_a_parameter_default_never_makes_a_report() -> None:
    """Why parameters are pruned whatever their default: astroid yields the
    default and then Uninferable, which the rule reads as "unknown"."""
    argument = _argument("def f(context=RequestScopedContext()):\n    svc.process(context) #@")
    values = list(argument.infer())
    assert any(isinstance(v, util.UninferableBase) for v in values)
    assert (
        _context_kind(argument, Vocabulary.from_mapping({"request-scoped-context-types": ["RequestScopedContext"]}))[
            0
        ].value
        == "unknown"
    )


def test_an_inference_tip_is_never_second_guessed() -> None:
    argument = _argument("def f(context):\n    svc.process(context) #@")
    argument._explicit_inference = lambda node, context=None: iter(())  # as a brain would set it
    assert might_be_context(argument, literals_ok=True)


# -- soundness over real code --------------------------------------------------------


def _harmless(argument: nodes.NodeNG) -> bool:
    """Some value astroid infers for the argument (as CTX006 infers it) is
    not an instance of a non-builtin class, or inference fails: then no
    vocabulary that names no builtin class can make it a context of one kind."""
    try:
        values = list(_through_await(argument).infer())
    except (astroid.AstroidError, RecursionError):
        return True
    return not values or any(
        isinstance(v, util.UninferableBase) or not isinstance(v, bases.Instance) or v._proxied.root().name == "builtins"
        for v in values
    )


def _modules(paths: list[Path], roots: list[Path]) -> Iterator[nodes.Module]:
    for path in paths:
        root = next((r for r in roots if r in path.parents), path.parent)
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        try:
            yield astroid.MANAGER.ast_from_file(str(path), ".".join(parts) or path.stem)
        except astroid.AstroidBuildingError:
            continue  # fixtures of broken files


def _stdlib_sample() -> list[Path]:
    stdlib = Path(json.__file__).parents[1]
    names = ["json/decoder.py", "email/message.py", "asyncio/tasks.py", "logging/__init__.py", "argparse.py",
             "dataclasses.py", "pathlib.py", "unittest/case.py", "http/client.py", "tempfile.py"]  # fmt: skip
    return [stdlib / name for name in names if (stdlib / name).exists()]


def _app(tmp: Path) -> list[Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))
    try:
        from synthetic import write_app
    finally:
        sys.path.pop(0)
    write_app(tmp, 3000)
    return sorted((tmp / "app").rglob("*.py"))


def test_pruned_arguments_never_infer_to_a_non_builtin_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trees = sorted(p.parent for p in (FIXTURES / "pylint").glob("*/ctxsep.toml"))
    for root in [*trees, tmp_path]:
        monkeypatch.syspath_prepend(str(root))
    files = [*sorted(FIXTURES.rglob("*.py")), *_app(tmp_path), *_stdlib_sample()]
    pruned = unsound = 0
    for module in _modules(files, [*trees, FIXTURES / "rules", tmp_path]):
        for call in module.nodes_of_class(nodes.Call):
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                if isinstance(argument, nodes.Starred) or might_be_context(argument, literals_ok=True):
                    continue
                pruned += 1
                if not _harmless(argument):
                    unsound += 1
                    print(f"{module.file}:{argument.lineno}: {argument.as_string()}")
    assert pruned > 1000  # the test looked at something
    assert unsound == 0


def test_pruning_changes_no_ctx006_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    trees = sorted(p.parent for p in (FIXTURES / "pylint").glob("*/ctxsep.toml"))
    for root in trees:
        monkeypatch.syspath_prepend(str(root))
    resolver = SettingsResolver()
    files = sorted(path for root in trees for path in root.rglob("*.py"))

    def findings() -> list[tuple[str, int, int, dual_pattern.DualPatternCall]]:
        astroid.MANAGER.clear_cache()
        out = []
        for module in _modules(files, trees):
            assert module.file is not None
            vocab = resolver.for_path(module.file).vocabulary
            for call, described in dual_pattern_calls(module, vocab):
                out.append((module.file, call.lineno, call.col_offset, described))
        return out

    pruned = findings()
    asked: list[object] = []
    monkeypatch.setattr(dual_pattern, "might_be_context", lambda expr, literals_ok: asked.append(expr) or True)
    unpruned = findings()
    assert len(pruned) >= 20
    assert pruned == unpruned
    assert asked, "the patch took: dual_pattern consulted the (disabled) pruning"
