"""CTX006 dual-pattern-call as astroid sees it.

This module only translates: astroid's view of a call becomes the rule's
host-neutral :class:`ParamShape` list and :class:`DualPatternCall`; whether a
callable is dual-pattern (``dual_pattern_signature``) and whether a call is
wrong (``DualPatternCallRule.problem``) is decided in
``ctxsep.rules.ctx006_dual_pattern_call``, exactly as for the mypy plugin.

- The callee is ``safe_infer(call.func)``: one function, bound or unbound
  method, classmethod, staticmethod or class (its ``__init__``); several
  candidates or none means no report.
- Its parameters' types come from their annotations, resolved to qualified
  names by :mod:`pylint_ctxsep.annotations` (lookup, never value inference).
- The context argument's kind comes from inferring the argument: every value
  astroid finds must be an instance of a class that is (or derives from) a
  legacy or a request-scoped context type, all of the same kind. Uninferable,
  mixed or non-context values mean no report. astroid does not infer
  ``await``; ``await f()`` — directly or through a name bound once to it — is
  inferred as ``f()``, which astroid evaluates to the coroutine's result.
- A call with ``*args``/``**kwargs`` cannot be bound to parameters: skipped.
- A call none of whose arguments astroid could infer to a context (literals,
  plain parameters and what is reached from them, ...) is skipped before its
  callee is inferred, which is most of the cost; each such rule is argued,
  and tested against astroid, in :mod:`pylint_ctxsep.pruning`.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterator

from astroid import bases, nodes, util

from ctxsep.config import FileSettings
from ctxsep.engine import decode_source
from ctxsep.model import Finding
from ctxsep.prefilter import might_have_findings
from ctxsep.rules import ALL_RULES
from ctxsep.rules.ctx006_dual_pattern_call import (
    ArgContext,
    DualPatternCall,
    DualPatternCallRule,
    DualPatternSignature,
    ParamShape,
    classify_type,
    dual_pattern_signature,
)
from ctxsep.semantics import Vocabulary
from ctxsep.typed_findings import FileGate, TypedCase
from pylint_ctxsep.annotations import ASTROID_FAILURES, lookup, union_members
from pylint_ctxsep.pruning import literals_can_be_contexts, might_be_context

RULE = next(rule for rule in ALL_RULES if isinstance(rule, DualPatternCallRule))
#: More inferred values than this for one argument is "ambiguous".
_MAX_VALUES = 8


def could_have_dual_pattern_calls(source: bytes | str, vocab: Vocabulary) -> bool:
    """The cheap test before any inference: the module mentions a
    context-related vocabulary name (the engine's prefilter).

    It is sound under the engine's contract, not against everything astroid
    could infer. A report needs the context argument to infer to a
    context instance, and that instance has to be built somewhere the file
    can be seen to reach — a constructor, a legacy constructor or a scoped
    factory call, a context class — which the file spells, or an alias named
    in the vocabulary (SPEC §2: aliases from other modules are named there).
    Parameters are invisible to astroid (annotations are not values), so a
    module that never names a context cannot hand one to a call *that astroid
    can see* — except a value made in another module under a name the
    vocabulary does not know: a helper (``ctx = make_test_context()``) or a
    module-level constant (``from app.jobs import SYSTEM_CONTEXT``). Such
    modules are skipped; adding a helper to ``scoped-context-factories`` or
    ``legacy-constructors`` brings them back (and teaches the AST rules the
    same fact), and so does importing or annotating with a context type.
    Everything else about a call — its callee, its signature — lives in other
    modules and cannot be tested on this file's text.
    """
    return might_have_findings(source, vocab)


def dual_pattern_findings(
    module: nodes.Module,
    source: bytes,
    settings: FileSettings,
    path: str,
    host_shows: Callable[[int], bool] = lambda line: True,
) -> list[Finding]:
    """The CTX006 findings to show for one module, through the engine's gate
    for findings a host finds itself (``ctxsep.typed_findings``): severity,
    ``# ctxsep: ignore``, the baseline and ``CTXSEP_RECORD``, with the
    identity mypy's plugin gives the same call. ``host_shows(line)``: whether
    pylint's own switches and pragmas let a finding on ``line`` through
    (what they silence is not recorded)."""
    if not could_have_dual_pattern_calls(source, settings.vocabulary):
        return []
    gate: FileGate | None = None
    findings = []
    for call, described in dual_pattern_calls(module, settings.vocabulary):
        message = RULE.format(described)
        if message is None:
            continue
        if gate is None:
            gate = FileGate(os.path.abspath(path), settings, decode_source(source), path, via="pylint")
        line = call.lineno or 1
        segment = ast.get_source_segment(gate.source, call) or call.as_string()  # type: ignore[arg-type]
        case = TypedCase(RULE.code, line, call.col_offset or 0, message, _scope_name(call), segment)
        finding = gate.admit(case, recordable=host_shows(line))
        if finding is not None:
            findings.append(finding)
    return findings


def dual_pattern_calls(module: nodes.Module, vocab: Vocabulary) -> Iterator[tuple[nodes.Call, DualPatternCall]]:
    """Every call of a dual-pattern callable whose arguments astroid can pin down."""
    # Per module pass, per callee as called (a method called bound or unbound differs).
    signatures: dict[tuple[nodes.FunctionDef, int], DualPatternSignature | None] = {}
    literals_ok = not literals_can_be_contexts(vocab)
    for call in module.nodes_of_class(nodes.Call):
        if not (call.args or call.keywords) or _has_unpacking(call):
            continue
        # Before the costly part: a call none of whose arguments astroid could
        # infer to a context cannot be reported, whatever it calls (pruning.py).
        candidates = [arg for arg in _arguments(call) if might_be_context(arg, literals_ok)]
        if not candidates:
            continue
        callee = _callee(call)
        if callee is None:
            continue
        func, implicit = callee
        if callee not in signatures:
            signatures[callee] = dual_pattern_signature(_param_shapes(func, implicit, vocab), vocab)
        signature = signatures[callee]
        if signature is None:
            continue
        bound = _Binding(func, implicit)
        context_arg = bound.argument(call, signature.context_index, signature.context_param)
        if context_arg is None or not any(context_arg is arg for arg in candidates):
            continue
        kind, type_name = _context_kind(context_arg, vocab)
        if kind is ArgContext.UNKNOWN:
            continue
        session_arg = bound.argument(call, signature.session_index, signature.session_param)
        yield (
            call,
            DualPatternCall(
                callee=_display_name(func),
                context_param=signature.context_param,
                session_param=signature.session_param,
                context=kind,
                context_type=type_name,
                session_passed=session_arg is not None
                and not (isinstance(session_arg, nodes.Const) and session_arg.value is None),
            ),
        )


def _arguments(call: nodes.Call) -> list[nodes.NodeNG]:
    return [*call.args, *(keyword.value for keyword in call.keywords)]


def _has_unpacking(call: nodes.Call) -> bool:
    return any(isinstance(arg, nodes.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords)


def _callee(call: nodes.Call) -> tuple[nodes.FunctionDef, int] | None:
    """The called function and how many leading parameters the call fills
    implicitly (``self``/``cls`` of a bound method or a constructor)."""
    try:
        value = util.safe_infer(call.func)
    except ASTROID_FAILURES:  # safe_infer lets some through; failing means "cannot see"
        return None
    if isinstance(value, (bases.UnboundMethod, nodes.FunctionDef)):
        # A BoundMethod (instance or classmethod) fills self/cls; an
        # UnboundMethod (Class.method(instance, ...)) or a function does not.
        implicit = 1 if isinstance(value, bases.BoundMethod) else 0
        target: object = value
        while isinstance(target, bases.UnboundMethod):  # BoundMethod proxies an UnboundMethod
            target = target._proxied
        if not isinstance(target, nodes.FunctionDef):
            return None
        return target, 0 if target.type == "staticmethod" else implicit
    if isinstance(value, nodes.ClassDef):
        try:
            init = value.getattr("__init__")
        except ASTROID_FAILURES:
            return None
        # The nearest __init__ in the MRO comes first; object's does not count.
        if init and isinstance(init[0], nodes.FunctionDef) and init[0].root().name != "builtins":
            return init[0], 1
    return None


def _display_name(func: nodes.FunctionDef) -> str:
    owner = func.parent.frame() if func.parent is not None else None
    if isinstance(owner, nodes.ClassDef):
        return owner.name if func.name == "__init__" else f"{owner.name}.{func.name}"
    return str(func.name)


def _param_shapes(func: nodes.FunctionDef, implicit: int, vocab: Vocabulary) -> list[ParamShape]:
    """The parameters a caller fills, positional ones first, then keyword-only."""
    args = func.args
    if args.args is None:  # built from a living object: no signature to read
        return []
    positional = [*args.posonlyargs, *args.args]
    annotations = [*args.posonlyargs_annotations, *args.annotations]
    first_default = len(positional) - len(args.defaults or [])

    def is_context_type(name: str) -> bool:
        return classify_type(name, vocab) is not ArgContext.UNKNOWN

    def types(annotation: nodes.NodeNG | None) -> tuple[str, ...]:
        return () if annotation is None else union_members(annotation, is_context_type)

    shapes = [
        ParamShape(param.name, types(annotation), index >= first_default)
        for index, (param, annotation) in enumerate(zip(positional, annotations, strict=True))
    ][implicit:]
    shapes.extend(
        ParamShape(param.name, types(annotation), default is not None)
        for param, annotation, default in zip(
            args.kwonlyargs, args.kwonlyargs_annotations, args.kw_defaults or [], strict=True
        )
    )
    return shapes


class _Binding:
    """Which argument of a call fills which parameter of ``func``."""

    def __init__(self, func: nodes.FunctionDef, implicit: int) -> None:
        args = func.args
        self.positional = len(args.posonlyargs) + len(args.args or []) - implicit
        self.positional_only = max(len(args.posonlyargs) - implicit, 0)

    def argument(self, call: nodes.Call, index: int, name: str) -> nodes.NodeNG | None:
        if index < self.positional and index < len(call.args):
            return call.args[index]
        if index >= self.positional_only:
            for keyword in call.keywords:
                if keyword.arg == name:
                    return keyword.value
        return None


def _context_kind(expr: nodes.NodeNG, vocab: Vocabulary) -> tuple[ArgContext, str]:
    """(kind, class name) of the context an argument holds, UNKNOWN unless
    every value astroid infers is an instance of a context class of one kind."""
    try:
        values = list(_through_await(expr).infer())
    except ASTROID_FAILURES:
        return ArgContext.UNKNOWN, ""
    if not values or len(values) > _MAX_VALUES:
        return ArgContext.UNKNOWN, ""
    kinds = set()
    names = set()
    for value in values:
        if not isinstance(value, bases.Instance) or not isinstance(value._proxied, nodes.ClassDef):
            return ArgContext.UNKNOWN, ""
        klass = value._proxied
        kinds.add(_class_kind(klass, vocab))
        names.add(klass.name)
    if len(kinds) != 1:
        return ArgContext.UNKNOWN, ""
    kind = kinds.pop()
    return kind, names.pop() if len(names) == 1 else " or ".join(sorted(names))


def _class_kind(klass: nodes.ClassDef, vocab: Vocabulary) -> ArgContext:
    try:
        lineage = [klass, *klass.ancestors()]
    except ASTROID_FAILURES:
        lineage = [klass]
    for candidate in lineage:
        kind = classify_type(candidate.qname(), vocab)
        if kind is not ArgContext.UNKNOWN:
            return kind
    return ArgContext.UNKNOWN


def _through_await(expr: nodes.NodeNG) -> nodes.NodeNG:
    """``await f()`` -> ``f()``; a name bound once by ``x = await f()`` -> ``f()``."""
    if isinstance(expr, nodes.Await):
        return expr.value
    if isinstance(expr, nodes.Name):
        try:
            bindings = lookup(expr, expr.name)
        except ASTROID_FAILURES:
            return expr
        if len(bindings) == 1 and isinstance(bindings[0], nodes.AssignName):
            parent = bindings[0].parent  # a target inside a tuple has the Tuple as parent
            if isinstance(parent, (nodes.Assign, nodes.AnnAssign)):
                single = not isinstance(parent, nodes.Assign) or parent.targets == [bindings[0]]
                if single and isinstance(parent.value, nodes.Await):
                    return parent.value.value
    return expr


def _scope_name(node: nodes.NodeNG) -> str:
    """The enclosing classes and functions, as the engine names scopes
    (``Service.process``; ``<module>`` at the top level)."""
    names = []
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.Module):
        if isinstance(parent, (nodes.FunctionDef, nodes.ClassDef)):  # AsyncFunctionDef is a FunctionDef
            names.append(parent.name)
        parent = parent.parent
    return ".".join(reversed(names)) or "<module>"
