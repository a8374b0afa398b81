"""What the call hooks check, one small function per case.

Each ``check_*`` receives mypy's ``FunctionContext``/``MethodContext`` after
mypy checked the call, describes the case in the rule's terms (with the
rule's own message helpers) and hands it to the :class:`Reporter`. None of
them changes a type: the hook returns ``default_return_type`` (see
``hooks._chain``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mypy.nodes import (
    ARG_STAR,
    ARG_STAR2,
    FUNC_NO_INFO,
    CallExpr,
    Expression,
    FuncDef,
    FuncItem,
    IndexExpr,
    MemberExpr,
    NameExpr,
    RefExpr,
    StrExpr,
)
from mypy.types import Instance, Type, UnionType, get_proper_type

from ctxsep.rules.ctx001_session_in_context import SessionInContext
from ctxsep.rules.ctx002_legacy_context_constructor import LegacyContextConstructor
from ctxsep.rules.ctx004_context_mutation import MUTATING_METHODS, ContextMutation
from ctxsep.rules.ctx005_session_from_context import SessionFromContext
from ctxsep.rules.ctx006_dual_pattern_call import ArgContext, DualPatternCall, DualPatternCallRule
from mypy_ctxsep.report import Reporter, Span
from mypy_ctxsep.typeview import TypeView, members, only_none

CTX001, CTX002, CTX004, CTX005, CTX006 = (
    SessionInContext(),
    LegacyContextConstructor(),
    ContextMutation(),
    SessionFromContext(),
    DualPatternCallRule(),
)
#: Method names whose call mutates the receiver: the rule's list, plus the
#: item assignment and deletion mypy checks as ``__setitem__``/``__delitem__``.
MUTATORS = MUTATING_METHODS | {"__setitem__", "__delitem__"}


@dataclass(frozen=True, slots=True)
class DualSpec:
    """Where a dual-pattern callable's two parameters are, by name and by
    position counted from the end (which survives binding ``self``/``cls``)."""

    callee: str
    context_param: str
    context_offset: int
    session_param: str
    session_offset: int


class CallChecks:
    def __init__(self, reporter: Reporter, types: TypeView, legacy_constructor: Callable[[str], str | None]) -> None:
        self.reporter = reporter
        self.types = types
        self.legacy_constructor_named = legacy_constructor  # fullname -> the legacy constructor it names

    # -- CTX006 ------------------------------------------------------------------------

    def dual_pattern(self, ctx: Any, spec: DualSpec) -> None:
        if not self.reporter.enabled(ctx.api, CTX006.code):
            return
        names = ctx.callee_arg_names
        context_at = _formal(names, spec.context_param, spec.context_offset)
        session_at = _formal(names, spec.session_param, spec.session_offset)
        if context_at < 0 or session_at < 0 or len(ctx.arg_types[context_at]) != 1:
            return  # a partial object, or the context comes through *args
        if any(kind in (ARG_STAR, ARG_STAR2) for kind in ctx.arg_kinds[context_at] + ctx.arg_kinds[session_at]):
            return
        kind, type_name = self.types.context(ctx.arg_types[context_at][0])
        if kind is ArgContext.UNKNOWN:
            return  # a union (not narrowed), Any, or not a context
        session = ctx.arg_types[session_at]
        call = DualPatternCall(
            callee=_union_callee(ctx) or spec.callee,
            context_param=spec.context_param,
            session_param=spec.session_param,
            context=kind,
            context_type=type_name,
            session_passed=bool(session) and not only_none(session[0]),
        )
        fields = CTX006.problem(call)
        if fields is not None:
            self.reporter.report(ctx.api, CTX006.code, fields, Span.of(ctx.context))

    # -- CTX002 ------------------------------------------------------------------------

    def legacy_constructor(self, ctx: Any, resolves_to: str) -> None:
        node = ctx.context
        if not self.reporter.wanted(ctx.api, CTX002.code, Span.of(node)):
            return
        name = self.reporter.text(ctx.api, node.callee) if isinstance(node, CallExpr) else resolves_to
        fields = CTX002.fields(name, True, self.types.vocab, resolves_to)
        self.reporter.report(ctx.api, CTX002.code, fields, Span.of(node))

    def depends(self, ctx: Any) -> None:
        """``Depends(make_ctx)``: a reference to a legacy constructor handed
        to FastAPI's dependency injection."""
        if not ctx.args or not ctx.args[0] or not self.reporter.enabled(ctx.api, CTX002.code):
            return
        expr = ctx.args[0][0]
        target = self.legacy_constructor_named(expr.fullname) if isinstance(expr, RefExpr) and expr.fullname else None
        if target is None or not self.reporter.wanted(ctx.api, CTX002.code, Span.of(expr)):
            return
        fields = CTX002.fields(self.reporter.text(ctx.api, expr), False, self.types.vocab, target)
        self.reporter.report(ctx.api, CTX002.code, fields, Span.of(expr))

    # -- CTX001: a session handed to whatever builds a context ----------------------------

    def session_arguments(self, ctx: Any, skip_first: bool = False) -> None:
        """Session arguments of a context's constructor or classmethod, a
        legacy constructor, or ``dataclasses.replace`` (``skip_first``: its
        first argument is the context itself)."""
        if not self.reporter.enabled(ctx.api, CTX001.code) or _builds_own_class(ctx):
            return
        session_names = self.types.vocab.session_names
        callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
        for formal, (names, types, exprs, kinds) in enumerate(
            zip(ctx.arg_names, ctx.arg_types, ctx.args, ctx.arg_kinds, strict=False)
        ):
            if skip_first and formal == 0:
                continue
            for name, typ, expr, kind in zip(names, types, exprs, kinds, strict=False):
                if kind in (ARG_STAR, ARG_STAR2) or only_none(typ):
                    continue
                if not (name in session_names or self.types.is_session(typ)):
                    continue
                span = self._argument_span(ctx.api, name, expr)
                if span is None or not self.reporter.wanted(ctx.api, CTX001.code, span, converted=True):
                    continue
                where = "<call>" if callee is None else self.reporter.text(ctx.api, callee)
                fields = CTX001.argument_fields(where, name, self.reporter.text(ctx.api, expr))
                self.reporter.report(ctx.api, CTX001.code, fields, span, converted=True)

    def _argument_span(self, api: Any, keyword: str | None, expr: Expression) -> Span | None:
        """Where an argument's finding sits (``ast`` columns): at the keyword
        for ``db_session=db`` (SPEC §3), else at the argument."""
        source = self.reporter.source(api)
        if source is None:
            return None
        line, column, end_line, end_column = source.ast_span(expr.line, expr.column, expr.end_line, expr.end_column)
        if keyword is not None:
            start = source.keyword_start(keyword, line, column)
            if start is not None:
                line, column = start
        return Span(line, column, end_line, end_column)

    def replace(self, ctx: Any) -> None:
        """``dataclasses.replace(ctx, db_session=db)``."""
        if ctx.arg_types and ctx.arg_types[0] and self.types.is_context(ctx.arg_types[0][0]):
            self.session_arguments(ctx, skip_first=True)

    # -- setattr / getattr / delattr on a context ---------------------------------------

    def attribute_function(self, ctx: Any) -> None:
        """``setattr``/``delattr``/``getattr`` and ``object.__setattr__``
        with a literal attribute name, on a value whose type is a context."""
        types = [t for group in ctx.arg_types for t in group]
        exprs = [e for group in ctx.args for e in group]
        node = ctx.context
        if len(exprs) < 2 or not isinstance(node, CallExpr) or not self.types.is_context(types[0]):
            return
        target, attr = exprs[0], exprs[1].value if isinstance(exprs[1], StrExpr) else None
        if attr is None or is_own_self(ctx.api, target, self.types):
            return
        function = node.callee.name if isinstance(node.callee, (NameExpr, MemberExpr)) else ""
        is_session = self._is_session_attribute(types[0], attr)
        if function == "getattr":
            code = CTX005.code if is_session else None
        elif is_session:
            code = CTX001.code if function != "delattr" else None
        else:
            code = CTX004.code
        api, span = ctx.api, Span.of(node)
        if code is None or not self.reporter.wanted(api, code, span):
            return
        text, context_type = self.reporter.text, self.types.context(types[0])[1]
        if code == CTX005.code:
            fields = CTX005.fields(text(api, node), context_type, self.types.vocab)
        elif code == CTX001.code:
            fields = CTX001.setattr_fields(text(api, node.callee), attr)
        else:
            fields = CTX004.fields(f"'{text(api, node.callee)}({text(api, target)}, ...)'", context_type)
        self.reporter.report(api, code, fields, span)

    def _is_session_attribute(self, typ: Type, attr: str) -> bool:
        declared: tuple[str, ...] = ()
        proper = get_proper_type(typ)
        if isinstance(proper, Instance):
            symbol = proper.type.get(attr)
            declared = self.types.fullnames(symbol.type) if symbol is not None else ()
        return CTX001.is_session_attribute(attr, declared, self.types.vocab)

    # -- CTX004: a mutating call on something reached from a context ----------------------

    def mutator(self, ctx: Any) -> None:
        """Hooked for every call of a mutating method anywhere (``list.append``):
        cheap until a context turns up in the receiver chain."""
        node = ctx.context
        if isinstance(node, IndexExpr):  # ``x[k] = v``
            receiver: Expression = node.base
        elif isinstance(node, CallExpr) and isinstance(node.callee, MemberExpr):
            receiver = node.callee.expr
        else:
            return
        if not isinstance(receiver, (MemberExpr, IndexExpr)):
            return  # ``items.append(x)``: nothing is reached *from* a context
        lookup = getattr(ctx.api, "lookup_type_or_none", None)  # TypeChecker's; reads the type map
        if lookup is None:
            return
        session_names = self.types.vocab.session_names
        current: Expression = receiver
        while isinstance(current, (MemberExpr, IndexExpr)):
            inner = current.expr if isinstance(current, MemberExpr) else current.base
            inner_type = lookup(inner)
            if inner_type is not None and self.types.is_context(inner_type):
                if isinstance(current, MemberExpr) and current.name in session_names:
                    return  # a session read out of a context is not context state
                if not is_own_self(ctx.api, inner, self.types):
                    self._report_mutation(ctx.api, node, receiver, inner_type)
                return
            current = inner

    def _report_mutation(self, api: Any, node: Expression, receiver: Expression, context_type: Type) -> None:
        text = self.reporter.text
        describe: Callable[[], str]
        if isinstance(node, IndexExpr):  # ``x[k] = v``
            span = Span.of(node)
            describe = lambda: f"assignment to {text(api, node)!r}"  # noqa: E731
        elif isinstance(node, CallExpr) and isinstance(node.callee, MemberExpr):
            callee = node.callee
            if callee.name == "__delitem__" and node.args:  # ``del x[k]``: a call mypy makes up
                index = node.args[0]
                span = _subscript_span(receiver, index)
                describe = lambda: f"deletion of {text(api, receiver) + '[' + text(api, index) + ']'!r}"  # noqa: E731
            else:
                span = Span.of(node)
                describe = lambda: f"'{text(api, callee)}()'"  # noqa: E731
        else:
            return
        if self.reporter.wanted(api, CTX004.code, span):
            fields = CTX004.fields(describe(), self.types.context(context_type)[1])
            self.reporter.report(api, CTX004.code, fields, span)


def _subscript_span(base: Expression, index: Expression) -> Span:
    """``ctx.a[k]`` of ``del ctx.a[k]``: from the base to the ``]`` after the index."""
    return Span(base.line, base.column, index.end_line, (index.end_column or 0) + 1)


def _formal(names: list[str | None], name: str, offset: int) -> int:
    """The formal's index at this call site: by name, else by position from
    the end (binding dropped ``self``; positional-only parameters have no name)."""
    if name and name in names:
        return names.index(name)
    index = len(names) + offset
    return index if 0 <= index < len(names) else -1


def _union_callee(ctx: Any) -> str | None:
    """``A.process | B.process`` when the receiver's type is a union: mypy
    runs the method hook once per member, and one call is one finding (mypy
    prints identical messages on a line once)."""
    node = ctx.context
    if not (isinstance(node, CallExpr) and isinstance(node.callee, MemberExpr)):
        return None
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    receiver = get_proper_type(lookup(node.callee.expr)) if lookup is not None else None
    if not isinstance(receiver, UnionType):
        return None
    names = {m.type.name for m in members(receiver) if isinstance(m, Instance)}
    return " | ".join(f"{name}.{node.callee.name}" for name in sorted(names)) if len(names) > 1 else None


def _methods_in_scope(api: Any) -> list[FuncDef]:
    stack = getattr(getattr(api, "scope", None), "stack", None) or ()
    return [item for item in stack if isinstance(item, FuncDef) and item.info is not FUNC_NO_INFO]


def _builds_own_class(ctx: Any) -> bool:
    """``cls(...)``, ``type(self)(...)`` or ``Own(...)`` inside the class's
    own methods: its plumbing, reported once with the class (SPEC §2)."""
    built = get_proper_type(ctx.default_return_type)
    if not isinstance(built, Instance):
        return False
    return any(method.info is built.type for method in _methods_in_scope(ctx.api))


def is_own_self(api: Any, expr: Expression, types: TypeView) -> bool:
    """``self``/``cls`` of a method of a context class, in its own body."""
    if not isinstance(expr, NameExpr) or expr.node is None:
        return False
    stack = getattr(getattr(api, "scope", None), "stack", None) or ()
    for item in reversed(stack):
        if isinstance(item, FuncItem) and item.arguments and item.arguments[0].variable is expr.node:
            if not isinstance(item, FuncDef) or item.info is FUNC_NO_INFO or item.is_static:
                return False
            return types.info(item.info).kind.is_context
    return False


__all__ = ["MUTATORS", "CallChecks", "DualSpec", "is_own_self"]
