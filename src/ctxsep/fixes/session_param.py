"""Fix 2, the session parameter (CTX005, CTX003): a function that reads
its session out of a context parameter takes the session as a parameter.

- It already has a session parameter: ``ctx.db_session`` becomes that
  parameter (unsafe: the two may be different sessions).
- It has none: add ``[tool.ctxsep.fix] session-parameter`` (default
  ``db: AsyncSession``) after its last positional parameter without a
  default, replace the reads, and pass a session by keyword at every call
  site in the project — the caller's one session in scope or, in a legacy
  caller, its context's ``.db_session``. Unsafe; not offered when a call site
  cannot be resolved or cannot provide a session (``ctxsep fix`` then says
  how many call sites need a hand).

A session that may be None (a parameter annotated ``Optional[...]`` /
``... | None`` or defaulting to None, as in the bridge pattern's
``db_session: Optional[AsyncSession] = None``) is not a session: a call site
whose one session in scope is such a parameter cannot provide a session, and
an existing session parameter that may be None is not reused.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from ctxsep.fixes.base import FixExample, FixProvider, NotOffered
from ctxsep.fixes.dual_call import functions_around, sessions_in_scope
from ctxsep.fixes.route_handler import import_edit, is_store, may_be_none, module_binds, names_in, possibly_none
from ctxsep.fixes.view import FileView, last_name, mentioned_names, params_of
from ctxsep.model import UNSAFE, Edit, Finding, Fix
from ctxsep.semantics.vocabulary import Category


class Note(NotOffered):
    """Not offered, and worth telling the user (with --unsafe-fixes)."""


#: a function called (by name) from more files than this is not threaded through
MAX_CALLER_FILES = 50
_WORD = re.compile(r"\w")


def at_word_start(pattern: re.Pattern[str], text: str) -> int:
    """``len(re.findall(r"\b" + pattern.pattern, text))`` for a pattern
    starting with a word character, several times faster: a pattern that
    starts with a literal is searched for with a fast scan, a leading ``\b``
    makes the engine try every position. (Skipping a match that is not at a
    word start hides no other: one cannot start inside it.)"""
    return sum(1 for m in pattern.finditer(text) if m.start() == 0 or not _WORD.match(text, m.start() - 1))


#: parsed views of other files, by path, for the text they were parsed from
_VIEWS: dict[Path, tuple[str, FileView]] = {}


@dataclass(frozen=True)
class _Target:
    function: cst.FunctionDef
    cls: str | None  # the enclosing class's name, for methods
    context_params: tuple[str, ...]


class SessionParameterFix(FixProvider):
    name = "session-parameter"
    summary = (
        "A function reading its session out of a context parameter takes the session as a parameter: an existing "
        "session parameter replaces the reads; otherwise `[tool.ctxsep.fix] session-parameter` (default `db: "
        "AsyncSession`) is added, replaces the reads, and every call site in the project passes a session by keyword "
        "(the caller's one session in scope, or a legacy caller's context's `.db_session`). Unsafe; not offered when a"
        " call site cannot be resolved or cannot provide a session (one that may be None, such as a bridge-pattern "
        "`Optional[AsyncSession] = None` parameter, does not count)."
    )
    examples = (
        FixExample(
            before="""
                from sqlalchemy.ext.asyncio import AsyncSession

                from app.context import UserExecutionContext


                async def load_profile(user_context: UserExecutionContext):
                    return await user_context.db_session.get(Profile, user_context.user_id)


                async def route(user_context: UserExecutionContext, db: AsyncSession):
                    return await load_profile(user_context)
                """,
            after="""
                from sqlalchemy.ext.asyncio import AsyncSession

                from app.context import UserExecutionContext


                async def load_profile(user_context: UserExecutionContext, db: AsyncSession):
                    return await db.get(Profile, user_context.user_id)


                async def route(user_context: UserExecutionContext, db: AsyncSession):
                    return await load_profile(user_context, db=db)
                """,
            unsafe=True,
        ),
    )
    codes = ("CTX005", "CTX003")
    applicability = UNSAFE
    conditions = (
        "never safe: the session the caller holds may not be the one the context carried. Offered when every read is "
        "`param.<session name>` on a context parameter; with one session parameter, when it cannot be None (not "
        "annotated `Optional[...]` / `... | None`, no `None` default); with no session parameter, also when the new "
        "parameter's name is free in the function, the function is not decorated (other than staticmethod or "
        "classmethod), its name never appears in the project except in calls and its definition, and every call site "
        "in the project is resolved (a plain call of a name defined once, `self.m(...)` in the class, or `C(...).m` / "
        "a name bound to `C(...)`) and can provide a session: its one session in scope cannot be None (a parameter "
        "annotated `Optional[...]` / `... | None` or defaulting to None does not count), or, with none in scope, it "
        "passes a legacy context parameter"
    )

    def fixes(self, view: FileView) -> list[Fix]:
        functions: dict[cst.FunctionDef, list[Finding]] = {}
        for finding in view.findings:
            if finding.code == "CTX005":
                node = next((n for n in view.nodes_at(finding) if isinstance(n, cst.Attribute)), None)
                function = view.enclosing_function(node) if node is not None else None
            elif finding.code == "CTX003":
                function = next((n for n in view.nodes_at(finding) if isinstance(n, cst.FunctionDef)), None)
            else:
                continue
            if function is not None:
                functions.setdefault(function, []).append(finding)
        result = []
        for function, findings in functions.items():
            try:
                result.append(self._fix(view, function, findings))
            except Note as why:
                line = view.positions[function].start.line
                view.notes.append(f"{line}: no session-parameter fix for '{function.name.value}': {why}")
            except NotOffered:
                continue
        return result

    def _fix(self, view: FileView, function: cst.FunctionDef, findings: list[Finding]) -> Fix:
        contexts = self._context_params(view, function)
        reads = [
            n
            for name in contexts
            for use in names_in(function.body, name)
            if isinstance(n := view.parent(use), cst.Attribute)
            and n.value is use
            and n.attr.value in view.session_names
            and not is_store(view, n)
            and view.enclosing_function(n) is function
        ]
        if not reads:
            raise NotOffered("no session read on a context parameter")
        existing = [
            p.name.value
            for p in params_of(function)
            if p.name.value in view.session_names - set(contexts)
            or mentioned_names(p.annotation) & view.names(Category.SESSION_TYPE)
        ]
        fixed = tuple(
            dict.fromkeys(
                [(f.code, f.line, f.col) for r in reads for f in view.findings_at(r, "CTX005")]
                + [(f.code, f.line, f.col) for f in findings if f.code == "CTX003"]
            )
        )
        if len(existing) == 1:
            param = next(p for p in params_of(function) if p.name.value == existing[0])
            if possibly_none(param):
                raise Note(f"its session parameter '{existing[0]}' may be None (Optional, or defaults to None)")
            edits = [view.replace(r, cst.Name(existing[0], lpar=r.lpar, rpar=r.rpar)) for r in reads]
            title = f"Use the session parameter `{existing[0]}` instead of the context's session"
            return Fix(findings[0].code, UNSAFE, title, tuple(edits), fixed)
        if existing:
            raise NotOffered("more than one session parameter")
        decorators = [last_name(d.decorator) for d in function.decorators]
        if any(d not in ("staticmethod", "classmethod") for d in decorators):
            raise Note("it is decorated, so something else (a framework, a fixture) may call it")
        settings = view.settings.config.fix
        name, annotation = settings.session_name, settings.session_annotation
        if names_in(function, name):
            raise NotOffered(f"the name {name!r} is already used in the function")
        unbound = sorted(
            n
            for n in mentioned_names(cst.parse_expression(annotation))
            if not module_binds(view.module, n) and n not in dir(builtins)
        )
        imports = []
        for missing in unbound:
            module = view.project.import_source(missing)
            if module is None:
                raise Note(f"{missing} is not imported in this module, nor anywhere in the project")
            imports.append(import_edit(view, f"{module}.{missing}", None))
        edits = [view.replace(r, cst.Name(name, lpar=r.lpar, rpar=r.rpar)) for r in reads] + imports
        edits.append(self._param_edit(view, function, f"{name}: {annotation}"))
        edits.extend(self._call_sites(view, function, contexts, name, reads[0].attr.value))
        title = f"Add a `{name}: {annotation}` parameter, use it, and pass a session at every call site"
        return Fix(findings[0].code, UNSAFE, title, tuple(edits), fixed)

    def _context_params(self, view: FileView, function: cst.FunctionDef) -> tuple[str, ...]:
        types = view.names(Category.LEGACY_CONTEXT_TYPE) | view.names(Category.SCOPED_CONTEXT_TYPE)
        return tuple(p.name.value for p in params_of(function) if mentioned_names(p.annotation) & types)

    def _param_edit(self, view: FileView, function: cst.FunctionDef, text: str) -> Edit:
        params = function.params.params
        without_default = [p for p in params if p.default is None]
        if not without_default:
            raise NotOffered("no positional parameter to add the session after")
        after = without_default[-1]
        if function.params.star_arg is not cst.MaybeSentinel.DEFAULT and params and after is not params[-1]:
            raise NotOffered("unusual signature")
        end_node: cst.CSTNode = after.annotation if after.annotation is not None else after.name
        start = view.positions[after].start
        line_text = view.source.splitlines()[start.line - 1]
        if line_text[: start.column].strip() == "" and start.line != view.positions[function].start.line:
            return view.insert_after(end_node, f",{view.newline}{line_text[: start.column]}{text}")
        return view.insert_after(end_node, f", {text}")

    def _call_sites(
        self, view: FileView, function: cst.FunctionDef, contexts: tuple[str, ...], name: str, attr: str
    ) -> list[Edit]:
        fname = function.name.value
        owner = _class_of(view, function)
        candidates = []
        # no leading \b: it makes the regex try every position (see ``at_word_start``)
        call_re = re.compile(rf"{re.escape(fname)}\s*\(")
        name_re = re.compile(rf"{re.escape(fname)}\b")
        references = 0
        for path in view.project.files_mentioning(fname):
            text = view.project.text(path) or ""
            calls = at_word_start(call_re, text)
            if calls:
                candidates.append(path)
            references += at_word_start(name_re, text) - calls
        if len(candidates) > MAX_CALLER_FILES:
            raise Note(
                f"{len(candidates)} files call a function named '{fname}'; "
                f"more than {MAX_CALLER_FILES} is too many to resolve, so the call sites need a hand"
            )
        if references:
            raise Note(
                f"'{fname}' is named without being called in {references} place{'s' * (references != 1)} "
                "(passed as a callback, in a docstring or a string?), so its callers cannot all be found"
            )
        texts = {path: view.project.text(path) or "" for path in candidates}
        def_re = re.compile(rf"def\s+{re.escape(fname)}\b")
        definitions = sum(at_word_start(def_re, text) for text in texts.values())
        if not any(str(path.absolute()) == view.path for path in candidates):
            definitions += at_word_start(def_re, view.source)
        # the defining file first; each other file is parsed only while every call so far resolves
        order = sorted(candidates, key=lambda path: str(path.absolute()) != view.path)
        edits: list[Edit] = []
        unresolved: list[_Where | str] = []
        for index, path in enumerate(order):
            other = self._view_of(view, path)
            if other is None:
                unresolved.append(f"{path.name} (unreadable)")
                break
            for call in other.calls_by_name.get(fname, []):
                where = _Where(other, call)
                verdict = _resolve(other, call, owner, definitions)
                if verdict is False:
                    continue
                if verdict is None:
                    unresolved.append(where)
                    continue
                session = _session_for(other, call, attr, contexts, function)
                if session is not None and may_be_none(other, call, session):
                    unresolved.append(_Where(other, call, f"its session '{session}' may be None"))
                    continue
                if session is None or any(a.star for a in call.args):
                    unresolved.append(where)
                    continue
                if any(a.keyword is not None and a.keyword.value == name for a in call.args):
                    continue
                if not call.args:
                    unresolved.append(where)
                    continue
                edits.append(other.insert_after(call.args[-1].value, f", {name}={session}"))
            if unresolved:
                rest = sum(len(call_re.findall(texts[p])) - len(def_re.findall(texts[p])) for p in order[index + 1 :])
                more = f"; {rest} more call{'s' * (rest != 1)} of '{fname}' not examined" if rest else ""
                count = len(unresolved)
                raise Note(
                    f"{count} call site{'s' * (count != 1)} {'need' if count != 1 else 'needs'} a hand "
                    f"before a session parameter can be added ({', '.join(map(str, unresolved[:5]))}){more}"
                )
        return edits

    def _view_of(self, view: FileView, path: Path) -> FileView | None:
        if str(path.absolute()) == view.path:
            return view
        text = view.project.text(path)
        if text is None:
            return None
        cached = _VIEWS.get(path)
        if cached is not None and cached[0] == text:
            return cached[1]
        try:
            other = FileView(str(path.absolute()), text, view.settings, [], view.project)
        except (cst.ParserSyntaxError, RecursionError):
            return None
        _VIEWS[path] = (text, other)
        return other


class _Where:
    """``file.py:LINE`` of a call, worked out only when shown."""

    def __init__(self, view: FileView, call: cst.Call, why: str = "") -> None:
        self.view, self.call, self.why = view, call, why

    def __str__(self) -> str:
        where = f"{Path(self.view.path).name}:{self.view.positions[self.call].start.line}"
        return f"{where}: {self.why}" if self.why else where


def _class_of(view: FileView, node: cst.CSTNode) -> str | None:
    parent = view.parent(node)
    block = view.parent(parent) if isinstance(parent, cst.IndentedBlock) else None
    return block.name.value if isinstance(block, cst.ClassDef) else None


def _resolve(view: FileView, call: cst.Call, owner: str | None, definitions: int) -> bool | None:
    """True: a call of the function; False: of something else; None: unknown."""
    func = call.func
    if owner is None:
        return (definitions == 1) if isinstance(func, cst.Name) else None
    if not isinstance(func, cst.Attribute):
        return False if definitions > 1 else None
    receiver = func.value
    if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
        functions = functions_around(view, call)
        cls = _class_of(view, functions[-1]) if functions else None
        return cls == owner if cls is not None else None
    cls = _instance_class(view, call, receiver)
    if cls is not None:
        return cls == owner
    return True if definitions == 1 else None


def _instance_class(view: FileView, call: cst.Call, receiver: cst.BaseExpression) -> str | None:
    if isinstance(receiver, cst.Call):
        called = last_name(receiver.func)
        return None if called in ("super", "type") else called
    if not isinstance(receiver, cst.Name):
        return None
    scopes: list[cst.CSTNode] = [*functions_around(view, call)[:1], view.module]
    for scope in scopes:
        stores = [n for n in names_in(scope, receiver.value) if is_store(view, n)]
        if stores:
            assign = view.parent(view.parent(stores[0]) or stores[0])
            if len(stores) == 1 and isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call):
                return last_name(assign.value.func)
            return None
    return None


def _session_for(
    view: FileView, call: cst.Call, attr: str, contexts: tuple[str, ...], target: cst.FunctionDef
) -> str | None:
    functions = functions_around(view, call)
    if not functions:
        return None
    sessions = sessions_in_scope(view, call, functions)
    if len(sessions) == 1:
        return next(iter(sessions))
    if sessions:
        return None
    legacy = view.names(Category.LEGACY_CONTEXT_TYPE)
    for arg in call.args:
        if isinstance(arg.value, cst.Name):
            for param in params_of(functions[0]):
                if param.name.value == arg.value.value and mentioned_names(param.annotation) & legacy:
                    return f"{arg.value.value}.{attr}"
    return None
