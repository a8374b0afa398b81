"""Fix 3, final-phase cleanup (CTX007): once the legacy API is gone,

- an import of a legacy name nothing else in the module mentions is
  removed (safe);
- ``Union[Legacy, Scoped]`` / ``Legacy | Scoped`` annotations are narrowed
  to the request-scoped type (unsafe: callers passing a legacy context stop
  type-checking);
- ``if isinstance(x, Legacy): ... else: ...`` keeps only the other branch
  (unsafe: a legacy context reaching it now takes the other path).
"""

from __future__ import annotations

import re

import libcst as cst

from ctxsep.fixes.base import FixExample, FixProvider
from ctxsep.fixes.view import FileView, join_tail, last_name, mentioned_names
from ctxsep.model import SAFE, UNSAFE, Edit, Finding, Fix
from ctxsep.semantics.vocabulary import Category


class CleanupFix(FixProvider):
    name = "final-cleanup"
    summary = (
        "In the final phase: an import of a legacy name nothing else in the module mentions is removed (safe); "
        "`Union[Legacy, Scoped]` / `Legacy | Scoped` annotations are narrowed to the request-scoped type and "
        "`if isinstance(x, Legacy):` branches are dropped, keeping the other branch (unsafe)."
    )
    examples = (
        FixExample(
            before="""
                from app.context import RequestScopedContext, UserExecutionContext


                def user_of(context: RequestScopedContext) -> str:
                    return context.user_id
                """,
            after="""
                from app.context import RequestScopedContext


                def user_of(context: RequestScopedContext) -> str:
                    return context.user_id
                """,
            phase="final",
        ),
        FixExample(
            before="""
                from typing import Union

                from app.context import RequestScopedContext, UserExecutionContext


                def user_of(context: Union[UserExecutionContext, RequestScopedContext]) -> str:
                    if isinstance(context, UserExecutionContext):
                        return context.legacy_user_id
                    else:
                        return context.user_id
                """,
            after="""
                from typing import Union

                from app.context import RequestScopedContext


                def user_of(context: RequestScopedContext) -> str:
                    return context.user_id
                """,
            unsafe=True,
            phase="final",
        ),
    )
    codes = ("CTX007",)
    applicability = SAFE
    conditions = (
        "removing an import is safe when the imported name appears nowhere else in the module (not in code, "
        "strings or comments) and the import is not the only statement of its block; narrowing a union and "
        "dropping an `isinstance(x, Legacy)` branch are always unsafe: they change what the code accepts"
    )

    def fixes(self, view: FileView) -> list[Fix]:
        findings = view.shown("CTX007")
        if not findings:
            return []
        legacy = view.names(Category.LEGACY_CONTEXT_TYPE) | view.names(Category.LEGACY_CONSTRUCTOR)
        scoped = view.names(Category.SCOPED_CONTEXT_TYPE)
        result: list[Fix] = []
        imports: dict[cst.ImportFrom, list[tuple[cst.ImportAlias, Finding]]] = {}
        for finding in findings:
            nodes = list(view.nodes_at(finding))
            alias = next((n for n in nodes if isinstance(n, cst.ImportAlias)), None)
            if alias is not None:
                statement = view.parent(alias)
                if isinstance(statement, cst.ImportFrom):
                    imports.setdefault(statement, []).append((alias, finding))
                continue
            name = next((n for n in nodes if isinstance(n, cst.Name) and n.value in legacy), None)
            if name is not None:
                fix = _narrow(view, name, finding, scoped) or _drop_branch(view, name, finding)
                if fix is not None:
                    result.append(fix)
        for statement, aliases in imports.items():
            fix = _unused_imports(view, statement, aliases)
            if fix is not None:
                result.append(fix)
        return result


def bound_name(alias: cst.ImportAlias) -> str | None:
    """The name an import alias binds (its ``as`` name, else its own)."""
    node = alias.asname.name if alias.asname is not None else alias.name
    return node.value if isinstance(node, cst.Name) else None


def source_without(view: FileView, node: cst.CSTNode) -> str:
    """The module's text with ``node``'s cut out (where an import's name is
    looked for before the import is removed)."""
    where = view.positions[node]
    start = view.offset(where.start.line, where.start.column)
    end = view.offset(where.end.line, where.end.column)
    return view.source[:start] + view.source[end:]


def _unused_imports(
    view: FileView, statement: cst.ImportFrom, aliases: list[tuple[cst.ImportAlias, Finding]]
) -> Fix | None:
    rest = source_without(view, statement)
    unused = [(a, f) for a, f in aliases if (name := bound_name(a)) and not re.search(rf"\b{re.escape(name)}\b", rest)]
    if not unused or isinstance(statement.names, cst.ImportStar):
        return None
    names = ", ".join(bound_name(a) or "" for a, _ in unused)
    fixed = tuple((f.code, f.line, f.col) for _, f in unused)
    edit = remove_from_import(view, statement, [a for a, _ in unused])
    if edit is None:
        return None
    return Fix("CTX007", SAFE, f"Remove the unused import of {names}", (edit,), fixed)


def remove_from_import(view: FileView, statement: cst.ImportFrom, drop: list[cst.ImportAlias]) -> Edit | None:
    """The edit removing ``drop`` from a ``from m import ...`` (the whole
    line when nothing is left; None when that would empty a block)."""
    if isinstance(statement.names, cst.ImportStar):
        return None
    dropped = {id(a) for a in drop}
    keep = [a for a in statement.names if id(a) not in dropped]
    if keep:
        last = statement.names[-1]
        if keep[-1] is not last:
            tail = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
            joined = join_tail(keep[-1].comma, tail) if tail is not None and statement.rpar is not None else None
            keep[-1] = keep[-1].with_changes(comma=joined if joined is not None else last.comma)
        return view.replace(statement, statement.with_changes(names=keep))
    line = view.parent(statement)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    block = view.parent(line)
    if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
        return None  # the block would be empty
    return _delete_lines(view, line)


def _delete_lines(view: FileView, node: cst.CSTNode) -> Edit:
    where = view.positions[node]
    start = view.offset(where.start.line, 0)
    end = view.offset(where.end.line + 1, 0) if where.end.column else view.offset(where.end.line, 0)
    return Edit(view.path, start, end, "", where.start.line, 0, where.end.line + 1, 0)


def _narrow(view: FileView, name: cst.Name, finding: Finding, scoped: frozenset[str]) -> Fix | None:
    """``Union[Legacy, Scoped]`` -> ``Scoped``; ``Legacy | Scoped`` -> ``Scoped``."""
    parent = view.parent(name)
    fixed = ((finding.code, finding.line, finding.col),)
    title = f"Narrow the annotation to drop {name.value}"
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.BitOr):
        other = parent.right if parent.left is name else parent.left
        if not mentioned_names(other) & scoped:
            return None
        return Fix(
            "CTX007", UNSAFE, title, (view.replace(parent, view.code(other.with_changes(lpar=[], rpar=[]))),), fixed
        )
    index = parent
    element = view.parent(index) if isinstance(index, cst.Index) else None
    subscript = view.parent(element) if isinstance(element, cst.SubscriptElement) else None
    if not isinstance(subscript, cst.Subscript) or last_name(subscript.value) != "Union":
        return None
    others = [e for e in subscript.slice if e is not element]
    if not any(mentioned_names(e) & scoped for e in others):
        return None
    if len(others) == 1:
        only = others[0].slice
        if not isinstance(only, cst.Index):
            return None
        return Fix("CTX007", UNSAFE, title, (view.replace(subscript, view.code(only.value)),), fixed)
    others[-1] = others[-1].with_changes(comma=subscript.slice[-1].comma)
    return Fix("CTX007", UNSAFE, title, (view.replace(subscript, subscript.with_changes(slice=others)),), fixed)


def _drop_branch(view: FileView, name: cst.Name, finding: Finding) -> Fix | None:
    """``if isinstance(x, Legacy): A else: B`` -> ``B`` (``elif`` becomes ``if``;
    with no other branch the ``if`` goes, unless it is alone in its block)."""
    arg = view.parent(name)
    call = view.parent(arg) if isinstance(arg, cst.Arg) else None
    statement = view.parent(call) if isinstance(call, cst.Call) else None
    if not (
        isinstance(call, cst.Call)
        and isinstance(statement, cst.If)
        and statement.test is call
        and last_name(call.func) == "isinstance"
        and len(call.args) == 2
        and call.args[1] is arg
        and not any(a.keyword or a.star for a in call.args)
    ):
        return None
    fixed = ((finding.code, finding.line, finding.col),)
    title = f"Drop the isinstance(..., {name.value}) branch"
    orelse = statement.orelse
    if orelse is None:
        block = view.parent(statement)
        if isinstance(block, (cst.IndentedBlock, cst.Module)) and len(block.body) > 1:
            return Fix("CTX007", UNSAFE, title, (_delete_lines(view, statement),), fixed)
        return None
    if isinstance(orelse, cst.If):
        new: list[cst.BaseStatement] = [orelse]
    elif isinstance(orelse.body, cst.IndentedBlock):
        new = list(orelse.body.body)
    else:
        return None
    where = view.positions[statement]
    blocks = [a for a in view.ancestors(statement) if isinstance(a, cst.IndentedBlock)]
    from libcst._nodes.internal import CodegenState

    state = CodegenState(default_indent=view.module.default_indent, default_newline=view.newline)
    state.indent_tokens = [b.indent if b.indent is not None else view.module.default_indent for b in reversed(blocks)]
    for stmt in new:
        stmt._codegen(state)
    text = "".join(state.tokens)
    start = view.offset(where.start.line, 0)
    end = view.offset(where.end.line + 1, 0) if where.end.column else view.offset(where.end.line, 0)
    edit = Edit(view.path, start, end, text, where.start.line, 0, where.end.line + 1, 0)
    return Fix("CTX007", UNSAFE, title, (edit,), fixed)
