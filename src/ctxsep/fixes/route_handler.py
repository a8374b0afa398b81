"""Fix 1, the route handler (CTX002 + CTX001, and the CTX005 reads it removes).

In an ``async def``::

    user_context = create_user_execution_context(user_id=u, thread_id=t, db_session=db)
    ... user_context.user_id ... user_context.db_session ... service.process(user_context)

becomes::

    user_context = await get_request_scoped_user_context(user_id=u, thread_id=t)
    ... user_context.user_id ... db ... service.process(user_context, db)

A session that may be None (``db: Optional[AsyncSession] = None``) is not
passed on to a dual-pattern callable: the fix is not offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from ctxsep.fixes.base import FixExample, FixProvider, NotOffered
from ctxsep.fixes.quick import scoped_factory_name
from ctxsep.fixes.view import FileView, join_tail, last_name, mentioned_names, params_of
from ctxsep.model import SAFE, Edit, Finding, Fix
from ctxsep.semantics.vocabulary import Category

_STORE_PARENTS = (cst.AssignTarget, cst.Del, cst.AsName, cst.NameItem)


def is_identifier_field(name: str, renames: dict[str, str]) -> bool:
    """An identifier field of a context: ``*_id``, ``id``, or a renamed field."""
    return name == "id" or name.endswith("_id") or name in renames or name in renames.values()


def is_store(view: FileView, node: cst.CSTNode) -> bool:
    """Whether ``node`` is (part of) an assignment, deletion or loop target."""
    child = node
    for parent in view.ancestors(node):
        if isinstance(parent, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)):
            child = parent
            continue
        if isinstance(parent, _STORE_PARENTS):
            return True
        if isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)):
            return getattr(parent, "target", None) is child
        return False
    return False


def names_in(node: cst.CSTNode, value: str) -> list[cst.Name]:
    """The names ``value`` in ``node`` that are variables (not ``x.value``
    attribute names, not ``f(value=...)`` keywords)."""
    found: list[cst.Name] = []

    class _Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            if name.value == value:
                found.append(name)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False

    node.visit(_Collect())
    return found


def module_binds(module: cst.Module, name: str) -> bool:
    """Whether a module-level import, def, class or assignment binds ``name``."""
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value == name:
            return True
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(bound, cst.Name) and bound.value == name:
                        return True
            if isinstance(small, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
            ):
                return True
    return False


def import_edit(view: FileView, dotted: str, after: str | None) -> Edit:
    """A ``from pkg.mod import name`` line: after the module-level import of
    ``after`` when there is one, else after the last leading import."""
    module, name = dotted.rsplit(".", 1)
    text = f"from {module} import {name}"
    anchor: cst.CSTNode | None = None
    for stmt in view.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            if anchor is not None:
                break
            continue
        imports = [s for s in stmt.body if isinstance(s, (cst.Import, cst.ImportFrom))]
        if imports:
            if after is not None and any(
                not isinstance(s.names, cst.ImportStar)
                and any(last_name(a.name) == after for a in s.names if isinstance(a.name, (cst.Name, cst.Attribute)))
                for s in imports
            ):
                anchor = stmt
                break
            anchor = stmt
        elif anchor is not None or not _is_docstring(stmt):
            break
    if anchor is None:
        return view.insert_at(1, 0, text + view.newline)
    return view.insert_line_after(anchor, text)


def _is_docstring(stmt: cst.SimpleStatementLine) -> bool:
    return (
        len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, cst.SimpleString)
    )


def possibly_none(param: cst.Param) -> bool:
    """Whether a parameter may hold None: annotated ``Optional[...]``,
    ``... | None`` or ``Union[..., None]``, or defaulting to None (the
    bridge pattern's ``db_session: Optional[AsyncSession] = None``)."""
    if isinstance(param.default, cst.Name) and param.default.value == "None":
        return True
    return bool(mentioned_names(param.annotation) & {"Optional", "None"})


def may_be_none(view: FileView, node: cst.CSTNode, name: str) -> bool:
    """Whether ``name``, where ``node`` is, is a parameter of an enclosing
    function (the innermost that has one so named) that may hold None."""
    for ancestor in view.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            for param in params_of(ancestor):
                if param.name.value == name:
                    return possibly_none(param)
    return False


def session_arg_edit(view: FileView, call: cst.Call, arg: cst.Arg, session: str) -> Edit | None:
    """The edit passing ``session`` to a dual-pattern call whose context
    argument is ``arg`` (None: it already passes one). Raises NotOffered."""
    dual = view.project.dual_for(last_name(call.func))
    if dual is None:
        raise NotOffered("the call is not of a dual-pattern callable defined in the project")
    if any(a.star for a in call.args):
        raise NotOffered("the call unpacks *args or **kwargs")
    positional = [a for a in call.args if a.keyword is None]
    if arg.keyword is None:
        if dual.context_index is None or positional.index(arg) != dual.context_index:
            raise NotOffered("the context is not the callable's context argument")
    elif arg.keyword.value != dual.context_param:
        raise NotOffered("the context is not the callable's context argument")
    if any(a.keyword is not None and a.keyword.value == dual.session_param for a in call.args):
        return None
    if dual.session_index is not None and len(positional) > dual.session_index:
        return None
    if (
        arg.keyword is None
        and dual.session_index is not None
        and dual.context_index is not None
        and dual.session_index == dual.context_index + 1
        and positional[-1] is arg
    ):
        return view.insert_after(arg.value, f", {session}")
    last = call.args[-1]
    return view.insert_after(last.value, f", {dual.session_param}={session}")


@dataclass
class _Plan:
    edits: list[Edit] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)


class RouteHandlerFix(FixProvider):
    name = "route-handler"
    summary = (
        "In an `async def`, the legacy constructor call becomes `await <scoped factory>(...)` without the "
        "session keyword; `.db_session` reads of the context become the session that was passed; calls of "
        "dual-pattern callables get that session; renamed identifier fields follow `[tool.ctxsep.fix] "
        "renamed-fields`; the factory's import is added from `[tool.ctxsep.fix] scoped-factory`, and the "
        "constructor's import goes when this was its last use."
    )
    examples = (
        FixExample(
            before="""
                from app.context import create_user_execution_context
                from app.queries import query_for


                async def post_message(body, db):
                    # one context per request
                    ctx = create_user_execution_context(user_id=body.user_id, thread_id="t", db_session=db)
                    rows = await ctx.db_session.execute(query_for(ctx.user_id))
                    return rows
                """,
            after="""
                from app.context import get_request_scoped_user_context
                from app.queries import query_for


                async def post_message(body, db):
                    # one context per request
                    ctx = await get_request_scoped_user_context(user_id=body.user_id, thread_id="t")
                    rows = await db.execute(query_for(ctx.user_id))
                    return rows
                """,
            config='[fix]\nscoped-factory = "app.context.get_request_scoped_user_context"\n',
        ),
    )
    codes = ("CTX002", "CTX001", "CTX005")
    applicability = SAFE
    conditions = (
        "the legacy constructor call is the whole right-hand side of `name = ...` inside an `async def`, passes only "
        "keyword arguments, and its session keyword (if any) is a plain name the function never rebinds (and, when the"
        " context is passed to a dual-pattern callable, cannot be None: not a parameter annotated `Optional[...]` / "
        "`... | None` or defaulting to None); the context name is bound nowhere else in the function, is not used in a"
        " nested function or lambda, and every use of it is an identifier field read (`*_id`, or a renamed field; one "
        "the project's request-scoped context class declares, when the project defines it), a session read "
        "(`.db_session`), or the context argument of a dual-pattern callable defined in the project; the scoped "
        "factory is already imported or named by `[tool.ctxsep.fix] scoped-factory`, and (when the project defines it)"
        " accepts every keyword the call passes"
    )

    def fixes(self, view: FileView) -> list[Fix]:
        result = []
        for finding in view.shown("CTX002"):
            call = next((n for n in view.nodes_at(finding) if isinstance(n, cst.Call)), None)
            if call is None:
                continue
            try:
                plan = self._plan(view, call)
            except NotOffered:
                continue
            factory = self._factory_name(view)
            title = f"Replace the legacy constructor with `await {factory}(...)` and pass the session separately"
            fixed = tuple((f.code, f.line, f.col) for f in [finding, *plan.fixed])
            result.append(Fix("CTX002", SAFE, title, tuple(plan.edits), tuple(dict.fromkeys(fixed))))
        return result

    def _factory_name(self, view: FileView) -> str:
        factory = scoped_factory_name(view.settings)
        if factory is None:
            raise NotOffered("no scoped factory is configured")
        return factory

    def _plan(self, view: FileView, call: cst.Call) -> _Plan:
        if not isinstance(call.func, cst.Name):
            raise NotOffered("the constructor is not called by a plain name")
        assign = view.parent(call)
        if not isinstance(assign, cst.Assign) or assign.value is not call or len(assign.targets) != 1:
            raise NotOffered("the call is not the whole right-hand side of one assignment")
        target = assign.targets[0].target
        if not isinstance(target, cst.Name):
            raise NotOffered("the context is not bound to a plain name")
        function = view.enclosing_function(assign)
        if function is None or function.asynchronous is None:
            raise NotOffered("not inside an async def")
        if any(a.keyword is None or a.star for a in call.args):
            raise NotOffered("the constructor takes positional or unpacked arguments")
        plan = _Plan()
        renames = view.settings.config.fix.renames
        session: str | None = None
        new_args: list[cst.Arg] = []
        for arg in call.args:
            assert arg.keyword is not None
            if arg.keyword.value in view.session_names:
                if not isinstance(arg.value, cst.Name):
                    raise NotOffered("the session passed is not a plain name")
                session = arg.value.value
                plan.fixed.extend(view.findings_at(arg, "CTX001"))
                continue
            if arg.keyword.value in renames:
                arg = arg.with_changes(keyword=cst.Name(renames[arg.keyword.value]))
            new_args.append(arg)
        if session is not None:
            after = view.positions[call].start
            for other in names_in(function, session):
                where = view.positions[other].start
                if (where.line, where.column) > (after.line, after.column) and is_store(view, other):
                    raise NotOffered("the function rebinds the session name after the constructor call")
        removed = len(new_args) != len(call.args)
        if removed and new_args and call.args[-1].keyword is not None and new_args[-1] is not call.args[-1]:
            last = call.args[-1]
            tail = last.whitespace_after_arg
            if isinstance(last.comma, cst.Comma):
                tail = last.comma.whitespace_after
            kept = new_args[-1].comma
            commented = (
                isinstance(kept, cst.Comma)
                and isinstance(kept.whitespace_after, cst.ParenthesizedWhitespace)
                and kept.whitespace_after.first_line.comment is not None
            )
            joined = join_tail(kept, tail) if commented or isinstance(last.comma, cst.Comma) else None
            if joined is not None:
                new_args[-1] = new_args[-1].with_changes(comma=joined)
            else:
                new_args[-1] = new_args[-1].with_changes(
                    comma=last.comma, whitespace_after_arg=last.whitespace_after_arg
                )
        name = target.value
        for use in names_in(function.body, name):
            if use is target:
                continue
            self._use(view, use, session, renames, plan, function)
        factory = self._factory_name(view)
        accepted = view.project.keywords_of(factory)
        if accepted is not None and "*" not in accepted:
            unknown = [a.keyword.value for a in new_args if a.keyword is not None and a.keyword.value not in accepted]
            if unknown:
                raise NotOffered(f"{factory}() takes no {', '.join(unknown)} argument")
        new_call = call.with_changes(func=cst.Name(factory), args=new_args, lpar=[], rpar=[])
        plan.edits.append(view.replace(call, cst.Await(expression=new_call, lpar=call.lpar, rpar=call.rpar)))
        if not module_binds(view.module, factory):
            plan.edits.append(import_edit(view, self._factory_dotted(view), call.func.value))
        unused = _unused_import(view, call.func.value)
        if unused is not None:
            plan.edits.append(unused)
        return plan

    def _factory_dotted(self, view: FileView) -> str:
        configured = view.settings.config.fix.scoped_factory
        if configured:
            return configured
        dotted = [n for n in view.settings.vocabulary.names_in(Category.SCOPED_FACTORY) if "." in n]
        if not dotted:
            raise NotOffered("the scoped factory is not imported here; set [tool.ctxsep.fix] scoped-factory")
        return dotted[0]

    def _use(
        self,
        view: FileView,
        use: cst.Name,
        session: str | None,
        renames: dict[str, str],
        plan: _Plan,
        function: cst.FunctionDef,
    ) -> None:
        if view.enclosing_function(use) is not function:
            raise NotOffered("the context is used in a nested function, lambda or class")
        parent = view.parent(use)
        if isinstance(parent, cst.Attribute) and parent.value is use:
            grand = view.parent(parent)
            if isinstance(grand, cst.Call) and grand.func is parent:
                raise NotOffered("a method of the context is called")
            if is_store(view, parent):
                raise NotOffered("the context is written to")
            attr = parent.attr.value
            if attr in view.session_names:
                if session is None:
                    raise NotOffered("the context's session is read but none was passed")
                plan.fixed.extend(view.findings_at(parent, "CTX005"))
                plan.edits.append(view.replace(parent, cst.Name(session, lpar=parent.lpar, rpar=parent.rpar)))
                return
            if not is_identifier_field(attr, renames):
                raise NotOffered(f"the context's {attr!r} is not an identifier field")
            known = view.project.attributes_of(view.names(Category.SCOPED_CONTEXT_TYPE))
            if known is not None and renames.get(attr, attr) not in known:
                raise NotOffered(
                    f"the request-scoped context has no {renames.get(attr, attr)!r}; "
                    "map it in [tool.ctxsep.fix] renamed-fields"
                )
            if attr in renames:
                plan.edits.append(view.replace(parent.attr, renames[attr]))
            return
        if isinstance(parent, cst.Arg) and parent.value is use:
            call = view.parent(parent)
            if not isinstance(call, cst.Call):
                raise NotOffered("the context escapes")
            if is_store(view, use):
                raise NotOffered("the context name is rebound")
            if session is None:
                dual = view.project.dual_for(last_name(call.func))
                if dual is None:
                    raise NotOffered("the context escapes to a callee that is not dual-pattern")
                raise NotOffered("a dual-pattern call needs a session and none was passed")
            edit = session_arg_edit(view, call, parent, session)
            if edit is not None:
                if may_be_none(view, call, session):
                    raise NotOffered(f"the session {session!r} may be None, so it cannot be passed on")
                plan.edits.append(edit)
            return
        raise NotOffered("the context escapes or is rebound")


def _unused_import(view: FileView, name: str) -> Edit | None:
    """Removing the module-level ``from m import name`` when the call being
    fixed was the name's only other mention in the module."""
    from ctxsep.fixes.cleanup import bound_name, remove_from_import, source_without

    for stmt in view.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                if bound_name(alias) != name:
                    continue
                if len(re.findall(rf"\b{re.escape(name)}\b", source_without(view, small))) != 1:
                    return None  # used elsewhere (or named in a string or comment)
                return remove_from_import(view, small, [alias])
    return None
