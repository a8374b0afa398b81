"""What the attribute and class hooks check.

- ``get_attribute_hook`` fires for every access of a declared attribute of a
  context class, with the receiver's *inferred* type: a write is CTX004 (or
  CTX001 for a session attribute), a session read is CTX005 — also when the
  context came from a helper in another module, which single-file analysis
  cannot know. It needs ``AttributeContext.is_lvalue`` (mypy ≥ 1.14).
- The class hooks (the default plugin's dataclass hook, wrapped, and the
  base-class hook for subclasses of context types) see a context class's
  fields with their *resolved* types: a field typed with a session type
  through an alias from another module is CTX001.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mypy.nodes import AssignmentStmt, Context, MemberExpr, NameExpr
from mypy.options import Options
from mypy.plugin import AttributeContext, ClassDefContext
from mypy.types import Type

from mypy_ctxsep.calls import CTX001, CTX004, CTX005, is_own_self
from mypy_ctxsep.report import Reporter, Span
from mypy_ctxsep.typeview import TypeView

_LOCAL_CLASS = re.compile(r"@\d+")


class AttributeChecks:
    def __init__(self, reporter: Reporter, types: TypeView) -> None:
        self.reporter = reporter
        self.types = types

    def attribute(self, ctx: AttributeContext, attr: str, is_session: bool) -> None:
        is_lvalue = getattr(ctx, "is_lvalue", None)  # mypy < 1.14 cannot tell a write from a read
        if is_lvalue is None or not (is_lvalue or is_session):
            return  # the hot path: a plain read of a context's field
        node = ctx.context
        if not isinstance(node, MemberExpr) or is_own_self(ctx.api, node.expr, self.types):
            return
        api = ctx.api
        code = CTX001.code if is_lvalue and is_session else CTX004.code if is_lvalue else CTX005.code
        if not self.reporter.wanted(api, code, Span.of(node)):
            return
        text = self.reporter.text(api, node)
        context_type = self.types.context(ctx.type)[1]
        if code == CTX001.code:
            fields = CTX001.write_fields(text)
        elif code == CTX004.code:
            fields = CTX004.fields(f"assignment to {text!r}", context_type)
        else:
            fields = CTX005.fields(text, context_type, self.types.vocab)
        self.reporter.report(api, code, fields, Span.of(node))

    # -- a context class's fields ----------------------------------------------------

    def class_fields(self, ctx: ClassDefContext) -> None:
        info = ctx.cls.info
        if not self.types.info(info).kind.is_context:
            return
        api = SemanalApi(ctx.api)
        if not self.reporter.enabled(api, CTX001.code):
            return
        module = ctx.api.cur_mod_id
        scope = _LOCAL_CLASS.sub("", info.fullname.removeprefix(module + "."))
        for stmt in ctx.cls.defs.body:
            if not (isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1):
                continue
            target = stmt.lvalues[0]
            if not isinstance(target, NameExpr) or stmt.unanalyzed_type is None:
                continue  # fields are annotated
            symbol = info.names.get(target.name)
            declared: Type | None = symbol.type if symbol is not None else None
            if declared is None:
                continue  # not resolved yet: the hook runs again when it is
            if CTX001.is_session_attribute(target.name, self.types.fullnames(declared), self.types.vocab):
                self.reporter.report(
                    api,
                    CTX001.code,
                    CTX001.field_fields(info.name, target.name),
                    Span(stmt.line, stmt.column, target.end_line, target.end_column),
                    scope=(scope, None),
                    anchor=CTX001.field_anchor(info.name, target.name),
                )


@dataclass
class SemanalApi:
    """The checker API's shape (``path``, ``options``, ``fail``, ``msg.note``)
    over the semantic analyzer's, for the class hooks."""

    api: Any

    @property
    def path(self) -> str:
        module = self.api.modules.get(self.api.cur_mod_id)
        return str(getattr(module, "path", "") or "")

    @property
    def options(self) -> Options:
        options: Options = self.api.options
        return options

    @property
    def msg(self) -> SemanalApi:
        return self

    def fail(self, message: str, context: Context, *, code: Any = None) -> None:
        self.api.fail(message, context, code=code)

    def note(self, message: str, context: Context, *, code: Any = None) -> None:
        self.api.note(message, context, code=code)
