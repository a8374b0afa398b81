"""Fix 4, dual-pattern calls (CTX006): a call of a dual-pattern callable
defined in the project that passes a request-scoped context and no session
gets the one session in scope as its session argument::

    async def route(context: RequestScopedContext, db: AsyncSession = Depends(get_db)):
        return await service.process(context)        # -> service.process(context, db)

CTX006 is found by the type-aware front ends (mypy, pylint); ``ctxsep fix``
finds the same calls through the project index, in files where CTX006 is
not ``off``, on lines no ``# ctxsep: ignore[CTX006]``, ``# noqa: CTX006`` or
``# type: ignore[ctx-dual-pattern-call]`` silences. A session that may be
None (a parameter annotated ``Optional[...]`` / ``... | None`` or
defaulting to None) is not passed on: the callee would get None.
"""

from __future__ import annotations

import re

import libcst as cst

from ctxsep.fixes.base import FixExample, FixProvider, NotOffered
from ctxsep.fixes.route_handler import is_store, may_be_none, names_in, session_arg_edit
from ctxsep.fixes.view import FileView, last_name, mentioned_names, params_of
from ctxsep.model import SAFE, Fix
from ctxsep.semantics.vocabulary import Category
from ctxsep.suppression import find_suppressions, is_suppressed

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9, ]+))?", re.IGNORECASE)
_TYPE_IGNORE = re.compile(r"#\s*type:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")


def silenced(view: FileView, line: int, code: str, mypy_code: str) -> bool:
    if is_suppressed(find_suppressions(view.source), line, code):
        return True
    lines = view.source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    for pattern, wanted in ((_NOQA, code), (_TYPE_IGNORE, mypy_code)):
        match = pattern.search(text)
        if match and (match.group("codes") is None or wanted in match.group("codes")):
            return True
    return False


def functions_around(view: FileView, node: cst.CSTNode) -> list[cst.FunctionDef]:
    """The functions around ``node``, innermost first (stops at a class)."""
    found = []
    for ancestor in view.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            found.append(ancestor)
        elif isinstance(ancestor, (cst.ClassDef, cst.Lambda)) and not found:
            return []
    return found


def _depends_on(default: cst.BaseExpression | None, names: frozenset[str]) -> bool:
    if isinstance(default, cst.Call) and last_name(default.func) == "Depends" and default.args:
        return last_name(default.args[0].value) in names
    return False


def scoped_context(view: FileView, name: str, functions: list[cst.FunctionDef]) -> bool:
    """Whether ``name`` is a request-scoped context where the call is: a
    parameter annotated with a scoped type only (or ``Depends(<scoped
    factory>)``), or bound once to a (awaited) scoped factory call."""
    scoped = view.names(Category.SCOPED_CONTEXT_TYPE)
    legacy = view.names(Category.LEGACY_CONTEXT_TYPE)
    factories = view.names(Category.SCOPED_FACTORY)
    function = functions[0]
    stores = [n for n in names_in(function.body, name) if is_store(view, n)]
    for param in params_of(function):
        if param.name.value != name:
            continue
        if stores:
            return False
        mentioned = mentioned_names(param.annotation)
        return bool(mentioned & scoped and not mentioned & legacy) or _depends_on(param.default, factories)
    if len(stores) != 1:
        return False
    assign = view.parent(view.parent(stores[0]) or stores[0])
    if not isinstance(assign, cst.Assign):
        return False
    value = assign.value.expression if isinstance(assign.value, cst.Await) else assign.value
    return isinstance(value, cst.Call) and last_name(value.func) in factories


def sessions_in_scope(view: FileView, call: cst.Call, functions: list[cst.FunctionDef]) -> set[str]:
    """The names holding a session where ``call`` is: session-typed
    parameters (or ``Depends(<session factory>)``), ``with``/``async with``
    targets of a session factory around the call, and names assigned from
    one, in this function and the ones around it."""
    types = view.names(Category.SESSION_TYPE)
    factories = view.names(Category.SESSION_FACTORY)
    found: set[str] = set()
    for function in functions:
        for param in params_of(function):
            if mentioned_names(param.annotation) & types or _depends_on(param.default, factories):
                found.add(param.name.value)
    for ancestor in view.ancestors(call):
        if isinstance(ancestor, cst.With):
            for item in ancestor.items:
                value = item.item.expression if isinstance(item.item, cst.Await) else item.item
                if (
                    isinstance(value, cst.Call)
                    and last_name(value.func) in factories
                    and item.asname is not None
                    and isinstance(item.asname.name, cst.Name)
                ):
                    found.add(item.asname.name.value)
    for function in functions:
        found |= _assigned_from(view, function, call, factories)
    return found


def _assigned_from(view: FileView, function: cst.FunctionDef, call: cst.Call, factories: frozenset[str]) -> set[str]:
    """Names assigned from a session factory by a statement of the function's
    own block (not a branch) before ``call``."""
    found: set[str] = set()
    before = view.positions[call].start
    if not isinstance(function.body, cst.IndentedBlock):
        return found
    for stmt in function.body.body:
        where = view.positions[stmt].start
        if (where.line, where.column) >= (before.line, before.column):
            break
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Assign):
                continue
            value = small.value.expression if isinstance(small.value, cst.Await) else small.value
            if isinstance(value, cst.Call) and last_name(value.func) in factories:
                found.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
    return found


class DualCallFix(FixProvider):
    name = "dual-pattern-call"
    summary = (
        "A call of a dual-pattern callable defined in the project that passes a request-scoped context and no "
        "session gets the one session in scope as its session argument (positionally when the session "
        "parameter follows the context parameter, else by keyword)."
    )
    examples = (
        FixExample(
            before="""
                from typing import Optional, Union

                from sqlalchemy.ext.asyncio import AsyncSession

                from app.context import RequestScopedContext, UserExecutionContext


                async def process(
                    context: Union[UserExecutionContext, RequestScopedContext],
                    db_session: Optional[AsyncSession] = None,
                ): ...


                async def handler(context: RequestScopedContext, db: AsyncSession):
                    return await process(context)
                """,
            after="""
                from typing import Optional, Union

                from sqlalchemy.ext.asyncio import AsyncSession

                from app.context import RequestScopedContext, UserExecutionContext


                async def process(
                    context: Union[UserExecutionContext, RequestScopedContext],
                    db_session: Optional[AsyncSession] = None,
                ): ...


                async def handler(context: RequestScopedContext, db: AsyncSession):
                    return await process(context, db)
                """,
        ),
    )
    codes = ("CTX006",)
    applicability = SAFE
    conditions = (
        "the callee is a dual-pattern callable defined in the project (every definition of that name takes its context"
        " and session the same way); the context argument is a plain name that is a request-scoped context (a "
        "parameter typed only with a request-scoped type, or bound once to the scoped factory); the call passes no "
        "session and unpacks nothing; exactly one session is in scope (a session-typed parameter, a `with` target or "
        "an assignment from a session factory), it is never rebound, and it cannot be None (a parameter annotated "
        "`Optional[...]` / `... | None` or defaulting to None does not count)"
    )

    def fixes(self, view: FileView) -> list[Fix]:
        if not view.project.dual or not view.enabled("CTX006"):
            return []
        result = []
        calls = [call for name in view.project.dual for call in view.calls_by_name.get(name, [])]
        for call in calls:
            try:
                fix = self._fix(view, call)
            except NotOffered:
                continue
            if fix is not None:
                result.append(fix)
        return result

    def _fix(self, view: FileView, call: cst.Call) -> Fix | None:
        dual = view.project.dual_for(last_name(call.func))
        if dual is None:
            return None
        line = view.positions[call].start.line
        if silenced(view, line, "CTX006", "ctx-dual-pattern-call"):
            return None
        positional = [a for a in call.args if a.keyword is None and not a.star]
        arg = next((a for a in call.args if a.keyword is not None and a.keyword.value == dual.context_param), None)
        if arg is None and dual.context_index is not None and len(positional) > dual.context_index:
            arg = positional[dual.context_index]
        if arg is None or not isinstance(arg.value, cst.Name):
            return None
        functions = functions_around(view, call)
        if not functions or not scoped_context(view, arg.value.value, functions):
            return None
        sessions = sessions_in_scope(view, call, functions)
        if len(sessions) != 1:
            return None
        (session,) = sessions
        if may_be_none(view, call, session):
            return None
        stores = [n for f in functions for n in names_in(f.body, session) if is_store(view, n)]
        is_param = any(p.name.value == session for f in functions for p in params_of(f))
        if len(stores) != (0 if is_param else 1):
            return None
        edit = session_arg_edit(view, call, arg, session)
        if edit is None:
            return None
        title = f"Pass the session `{session}` to `{dual.name}`"
        return Fix("CTX006", SAFE, title, (edit,), ())
