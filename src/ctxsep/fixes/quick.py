"""``check``'s route-handler and cleanup marks from the ``ast``, without libcst.

A cold ``check`` marks a legacy constructor call the route-handler fix
(:mod:`ctxsep.fixes.route_handler`) takes. Working that out with libcst
(import ~0.15 s, parse, positions over the whole module) costs far more
than the check of the file, and most candidates are refused anyway (a
method, a sync function, a context passed to a callee that is not
dual-pattern). :func:`route_fixes` answers from the stdlib ``ast``:

- **refused** when the libcst fix certainly raises ``NotOffered`` for the
  finding (each test below is one of its refusals, on the same nodes);
- **the fix** when the call is a shape whose edit is plain text: the
  constructor bound to a name in an ``async def``, only identifier-field
  reads of the context, sessions passed by keyword and not last, the
  factory already bound in the module, and the constructor's import still
  used elsewhere; the edit is the call's own text with ``await``, the
  factory's name and without the session keywords, which is what libcst's
  code for the new call is (every other node is written back as it was);
- **unsure** (``None``) otherwise: the caller asks libcst.

A file with CTX007 findings is answered only when the final-phase cleanup
(:mod:`ctxsep.fixes.cleanup`) certainly offers nothing for any of them.

``tests/test_fix_quick.py`` checks on every fix example and on variants of
each condition that a non-``None`` answer is exactly libcst's. One
assumption is not checked here: that libcst parses what ``ast`` parses
(libcst 1.x takes Python 3.11's grammar; a file it could not parse would
get no fix from libcst and may get one from here).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ctxsep.config import FileSettings
from ctxsep.fixes.lines import SourceLines
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import SAFE, Edit, Finding, Fix
from ctxsep.semantics.nodes import last_name
from ctxsep.semantics.vocabulary import Category

#: characters ``str.splitlines`` breaks at and the tokenizer does not (the
#: fix's offsets count lines with ``splitlines``; ``ast`` with the tokenizer)
_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_EQUALS = re.compile(rb"\s*=\s*")
#: the only CTX002 line the route-handler fix takes: ``name = constructor(`` (a cheap screen
#: before parsing, shared by ``compute.needs_view`` and ``check``'s marks)
BOUND_CALL = re.compile(r"^\s*\w+\s*=\s*\w+\s*\(")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


class _Unsure(Exception):
    """libcst must decide."""


class _Refused(Exception):
    """The route-handler fix is certainly not offered for this finding."""


def route_fixes(
    path: str | Path, source: str, settings: FileSettings, findings: Sequence[Finding], project: ProjectIndex
) -> list[Fix] | None:
    """What ``compute_fixes(path, source, settings, findings, project,
    providers=marked())`` gives (the route-handler fixes, when the cleanup
    certainly offers none), or None when libcst must say."""
    if _ODD_BREAKS.search(source):
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    file = _File(str(Path(path).absolute()), source, settings, list(findings), project, tree)
    if not all(file.no_cleanup(f) for f in findings if f.code == "CTX007"):
        return None  # the final-phase cleanup may offer a fix: libcst writes it
    result: list[Fix] = []
    pending: list[_Plan | None] = []
    for finding in findings:
        if finding.code != "CTX002":
            continue
        try:
            pending.append(file.plan(finding))
        except _Refused:
            pending.append(None)
        except _Unsure:
            return None
    # the project is asked only now: a cheap refusal elsewhere needs no answer here
    for plan in pending:
        if plan is None:
            continue
        try:
            fix = file.finish(plan)
        except _Refused:
            continue
        except _Unsure:
            return None
        result.append(fix)
    return result


@dataclass
class _Plan:
    finding: Finding
    call: ast.Call
    session: str | None
    removed: list[ast.keyword]
    fixed: list[Finding]
    fields: list[str] = field(default_factory=list)  # identifier fields read (the project's class must have them)
    dual_calls: list[ast.Call] = field(default_factory=list)  # calls the context is passed to
    #: why libcst must decide if nothing refuses the finding (an edit this module does not write)
    doubts: list[str] = field(default_factory=list)


@dataclass
class _File:
    path: str
    source: str
    settings: FileSettings
    findings: list[Finding]
    project: ProjectIndex
    tree: ast.Module
    text: SourceLines = field(init=False)
    _calls: dict[tuple[int, int], list[tuple[ast.Call, ast.Assign | None, ast.AST | None]]] | None = None
    _at: dict[tuple[int, int], list[tuple[ast.AST, ast.AST | None, ast.AST | None]]] | None = None

    def __post_init__(self) -> None:
        self.text = SourceLines(self.source)

    # -- positions -----------------------------------------------------------------

    def segment(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """The text between two ``ast`` positions (line, byte column)."""
        a = self.text.offset(start[0], self.text.char_col(*start))
        b = self.text.offset(end[0], self.text.char_col(*end))
        return self.source[a:b]

    # -- the calls a CTX002 can point at -----------------------------------------

    def calls_at(self, line: int, col: int) -> list[tuple[ast.Call, ast.Assign | None, ast.AST | None]]:
        """The calls starting at ``line``/``col``: each with the assignment
        whose value it is (if any) and the innermost def/class around it."""
        if self._calls is None:
            table: dict[tuple[int, int], list[tuple[ast.Call, ast.Assign | None, ast.AST | None]]] = {}
            stack: list[tuple[ast.AST, ast.AST | None, ast.AST | None]] = [(self.tree, None, None)]
            while stack:
                node, parent, scope = stack.pop()
                if isinstance(node, ast.Call):
                    assign = parent if isinstance(parent, ast.Assign) and parent.value is node else None
                    table.setdefault((node.lineno, node.col_offset), []).append((node, assign, scope))
                inner = node if isinstance(node, _SCOPES) else scope
                for child in ast.iter_child_nodes(node):
                    stack.append((child, node, inner))
            self._calls = table
        return self._calls.get((line, col), [])

    def nodes_at(self, line: int, col: int) -> list[tuple[ast.AST, ast.AST | None, ast.AST | None]]:
        """The nodes starting at ``line``/``col``, each with its parent and grandparent."""
        if self._at is None:
            table: dict[tuple[int, int], list[tuple[ast.AST, ast.AST | None, ast.AST | None]]] = {}
            stack: list[tuple[ast.AST, ast.AST | None, ast.AST | None]] = [(self.tree, None, None)]
            while stack:
                node, parent, grand = stack.pop()
                where = (getattr(node, "lineno", None), getattr(node, "col_offset", None))
                if where[0] is not None:
                    table.setdefault((int(where[0]), int(where[1] or 0)), []).append((node, parent, grand))
                stack.extend((child, node, parent) for child in ast.iter_child_nodes(node))
            self._at = table
        return self._at.get((line, col), [])

    # -- the final-phase cleanup, refused ------------------------------------------

    def no_cleanup(self, finding: Finding) -> bool:
        """Whether the cleanup fix (:mod:`ctxsep.fixes.cleanup`) certainly
        offers nothing for this CTX007: an imported name the module still
        mentions elsewhere, or a legacy name that is neither in a ``|`` or
        ``Union[...]`` annotation nor an ``isinstance`` argument."""
        at = self.nodes_at(finding.line, finding.col)
        for node, parent, _ in at:
            if isinstance(node, ast.alias):  # the fix's ImportAlias there
                if not isinstance(parent, ast.ImportFrom):
                    return True  # ``import x``: the fix removes only ``from`` imports
                return (
                    any(a.name == "*" for a in parent.names)
                    or self._mentions_outside(parent, node.asname or node.name) > 0
                )
        vocabulary = self.settings.vocabulary
        legacy = {
            n.rsplit(".", 1)[-1]
            for category in (Category.LEGACY_CONTEXT_TYPE, Category.LEGACY_CONSTRUCTOR)
            for n in vocabulary.names_in(category)
        }
        for node, parent, grand in at:
            if not isinstance(node, ast.Name) or node.id not in legacy:
                continue
            if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.BitOr):
                return False  # may be narrowed
            if isinstance(parent, ast.Subscript) and parent.slice is node:
                return False  # ``Union[Legacy]``
            if isinstance(parent, ast.Tuple) and isinstance(grand, ast.Subscript) and grand.slice is parent:
                return False  # ``Union[Legacy, Scoped]``
            # ``isinstance(x, Legacy)``: its branch may be dropped
            return not (isinstance(parent, ast.Call) and node in parent.args)
        return True  # no legacy name starts there (a string annotation, a def or class line)

    def _mentions_outside(self, statement: ast.ImportFrom, name: str) -> int:
        """How often ``name`` occurs as a word outside ``statement`` (code,
        strings or comments: what the fixes ask before removing an import)."""
        word = re.compile(rf"\b{re.escape(name)}\b")
        assert statement.end_lineno is not None and statement.end_col_offset is not None
        inside = self.segment(
            (statement.lineno, statement.col_offset), (statement.end_lineno, statement.end_col_offset)
        )
        return len(word.findall(self.source)) - len(word.findall(inside))

    # -- the route-handler fix's conditions, in its order ---------------------------

    def plan(self, finding: Finding) -> _Plan:
        calls = self.calls_at(finding.line, finding.col)
        if len(calls) != 1:
            raise _Unsure  # no call there, or several (libcst picks the innermost)
        call, assign, function = calls[0]
        if assign is None:
            raise _Unsure  # libcst's node there may differ (parentheses)
        last = assign.targets[-1]
        between = self.text.line_bytes(call.lineno)[last.end_col_offset or 0 : call.col_offset]
        if last.end_lineno != call.lineno or not _EQUALS.fullmatch(between):
            raise _Unsure  # parentheses around the call: libcst's call starts elsewhere
        if not isinstance(call.func, ast.Name):
            raise _Refused  # "the constructor is not called by a plain name"
        if len(assign.targets) != 1:
            raise _Refused  # "not the whole right-hand side of one assignment"
        target = assign.targets[0]
        if not isinstance(target, ast.Name):
            raise _Refused  # "the context is not bound to a plain name"
        if not isinstance(function, ast.AsyncFunctionDef):
            raise _Refused  # "not inside an async def"
        if call.args or any(k.arg is None for k in call.keywords):
            raise _Refused  # "positional or unpacked arguments"
        vocabulary = self.settings.vocabulary
        renames = self.settings.config.fix.renames
        plan = _Plan(finding, call, None, [], [])
        for keyword in call.keywords:
            if keyword.arg in vocabulary.session_names:
                if not isinstance(keyword.value, ast.Name):
                    raise _Refused  # "the session passed is not a plain name"
                plan.session = keyword.value.id
                plan.removed.append(keyword)
                plan.fixed.extend(
                    f
                    for f in self.findings
                    if f.code == "CTX001" and (f.line, f.col) == (keyword.lineno, keyword.col_offset)
                )
            elif keyword.arg in renames:
                plan.doubts.append("a renamed keyword")
        if plan.removed and plan.removed[-1] is call.keywords[-1]:
            plan.doubts.append("the last argument goes: libcst moves its comma and comments")
        if plan.session is not None:
            self._session_kept(function, call, plan.session, plan)
        self._uses(function, target, plan, renames)
        _factory_name(self.settings)  # refused when no factory is configured
        return plan

    def _session_kept(self, function: ast.AsyncFunctionDef, call: ast.Call, session: str, plan: _Plan) -> None:
        """Refused when the function rebinds the session after the call;
        unsure when libcst could see a rebinding ``ast`` does not name."""
        after = (call.lineno, call.col_offset)
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id == session:
                if isinstance(node.ctx, (ast.Store, ast.Del)) and (node.lineno, node.col_offset) > after:
                    raise _Refused  # "the function rebinds the session name after the constructor call"
            elif (
                (isinstance(node, ast.ExceptHandler) and node.name == session)
                or (isinstance(node, (ast.Global, ast.Nonlocal)) and session in node.names)
                or (isinstance(node, ast.alias) and node.asname == session)
            ):
                plan.doubts.append("the session may be rebound where ast keeps a string")

    def _uses(self, function: ast.AsyncFunctionDef, target: ast.Name, plan: _Plan, renames: dict[str, str]) -> None:
        """Each variable use of the context name in the function's body, as
        the fix's ``_use`` judges it. Refusals win over doubts (any one
        refusal refuses the finding)."""
        name = target.id
        session_names = self.settings.vocabulary.session_names
        stack: list[tuple[ast.AST, ast.AST, ast.AST | None, bool]] = [
            (stmt, function, None, False) for stmt in function.body
        ]
        while stack:
            node, parent, grand, nested = stack.pop()
            if isinstance(node, ast.Name):
                if node.id != name or node is target:
                    continue
                if nested:
                    raise _Refused  # "used in a nested function, lambda or class"
                if isinstance(parent, ast.Attribute) and parent.value is node:
                    if isinstance(grand, ast.Call) and grand.func is parent:
                        raise _Refused  # "a method of the context is called"
                    if isinstance(parent.ctx, (ast.Store, ast.Del)):
                        raise _Refused  # "the context is written to"
                    attr = parent.attr
                    if attr in session_names:
                        if plan.session is None:
                            raise _Refused  # "the context's session is read but none was passed"
                        plan.doubts.append("a session read")
                    elif not _identifier_field(attr, renames):
                        raise _Refused  # "not an identifier field"
                    elif attr in renames:
                        plan.doubts.append("a renamed field")
                    else:
                        plan.fields.append(attr)
                    continue
                call = _call_of_argument(node, parent, grand)
                if call is not None:
                    if plan.session is None:
                        raise _Refused  # "a dual-pattern call needs a session and none was passed"
                    plan.dual_calls.append(call)
                    continue
                raise _Refused  # "the context escapes or is rebound"
            if _names_identifier(node, name):
                plan.doubts.append("a name libcst sees and ast keeps as a string")
            inner = nested or isinstance(node, _SCOPES)
            for child in ast.iter_child_nodes(node):
                stack.append((child, node, parent, inner))

    def finish(self, plan: _Plan) -> Fix:
        """The project's answers (refusals), then the fix itself."""
        for call in plan.dual_calls:
            if self.project.dual_for(last_name(call.func) or None) is None:
                raise _Refused  # "the call is not of a dual-pattern callable defined in the project"
        if plan.fields:
            names = frozenset(
                n.rsplit(".", 1)[-1] for n in self.settings.vocabulary.names_in(Category.SCOPED_CONTEXT_TYPE)
            )
            known = self.project.attributes_of(names)
            renames = self.settings.config.fix.renames
            if known is not None and any(renames.get(a, a) not in known for a in plan.fields):
                raise _Refused  # "the request-scoped context has no ..."
        factory = _factory_name(self.settings)
        call = plan.call
        renames = self.settings.config.fix.renames
        kept = [renames.get(k.arg, k.arg) for k in call.keywords if k.arg is not None and k not in plan.removed]
        accepted = self.project.keywords_of(factory)
        if accepted is not None and "*" not in accepted and any(k not in accepted for k in kept):
            raise _Refused  # "<factory>() takes no ... argument"
        if plan.doubts or plan.dual_calls:
            raise _Unsure  # nothing refuses it, and the fix has an edit libcst writes
        if not _module_binds(self.tree, factory):
            raise _Unsure  # the factory's import is added: an edit libcst writes
        assert isinstance(call.func, ast.Name)
        if self._last_use_of_import(call.func.id):
            raise _Unsure  # the constructor's import goes: an edit libcst writes
        return self._fix(plan, factory)

    def _last_use_of_import(self, name: str) -> bool:
        """Whether the module-level ``from m import name`` the fix looks at
        first is the only other mention of ``name`` (then it removes it)."""
        for stmt in self.tree.body:
            if not isinstance(stmt, ast.ImportFrom) or any(a.name == "*" for a in stmt.names):
                continue
            if any((a.asname or a.name) == name for a in stmt.names):
                return self._mentions_outside(stmt, name) == 1
        return False

    def _fix(self, plan: _Plan, factory: str) -> Fix:
        call = plan.call
        assert isinstance(call.func, ast.Name)
        assert call.end_lineno is not None and call.end_col_offset is not None and call.func.end_lineno is not None
        assert call.func.end_col_offset is not None
        start = (call.lineno, call.col_offset)
        end = (call.end_lineno, call.end_col_offset)
        pieces = ["await ", factory]
        at = (call.func.end_lineno, call.func.end_col_offset)
        for index, keyword in enumerate(call.keywords):
            if keyword not in plan.removed:
                continue
            following = call.keywords[index + 1]
            pieces.append(self.segment(at, (keyword.lineno, keyword.col_offset)))
            at = (following.lineno, following.col_offset)
        pieces.append(self.segment(at, end))
        start_col, end_col = self.text.char_col(*start), self.text.char_col(*end)
        edit = Edit(
            path=self.path,
            start=self.text.offset(start[0], start_col),
            end=self.text.offset(end[0], end_col),
            replacement="".join(pieces),
            start_line=start[0],
            start_col=start_col,
            end_line=end[0],
            end_col=end_col,
        )
        title = f"Replace the legacy constructor with `await {factory}(...)` and pass the session separately"
        finding = plan.finding
        fixed = tuple((f.code, f.line, f.col) for f in [finding, *plan.fixed])
        return Fix("CTX002", SAFE, title, (edit,), tuple(dict.fromkeys(fixed)))


def _identifier_field(name: str, renames: dict[str, str]) -> bool:
    return name == "id" or name.endswith("_id") or name in renames or name in renames.values()


def _call_of_argument(node: ast.Name, parent: ast.AST, grand: ast.AST | None) -> ast.Call | None:
    """The call ``node`` is an argument of (libcst's ``Arg``), if it is one."""
    if isinstance(parent, ast.Call) and node in parent.args:
        return parent
    if isinstance(parent, ast.keyword) and isinstance(grand, ast.Call) and parent in grand.keywords:
        return grand
    return None  # ``*name`` (a Starred) is refused on every path of the fix too


def _names_identifier(node: ast.AST, name: str) -> bool:
    """Whether ``node`` holds ``name`` in an identifier field libcst makes a
    ``Name`` of and ``ast`` keeps as a string (a def's or parameter's name,
    an import, ``except ... as``, ``global``, a match capture)."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.keyword, ast.Constant)):
        return False
    for value in ast.iter_fields(node):
        item = value[1]
        for text in item if isinstance(item, list) else [item]:
            if isinstance(text, str) and name in text.split("."):
                return True
    return False


def scoped_factory_name(settings: FileSettings) -> str | None:
    """The name the route-handler fix calls: ``[tool.ctxsep.fix]
    scoped-factory``, else the vocabulary's first scoped factory (None
    when there is neither)."""
    configured = settings.config.fix.scoped_factory
    if configured:
        return configured.rsplit(".", 1)[-1]
    factories = settings.vocabulary.names_in(Category.SCOPED_FACTORY)
    return factories[0].rsplit(".", 1)[-1] if factories else None


def _factory_name(settings: FileSettings) -> str:
    factory = scoped_factory_name(settings)
    if factory is None:
        raise _Refused  # "no scoped factory is configured"
    return factory


def _module_binds(tree: ast.Module, name: str) -> bool:
    """``route_handler.module_binds`` on the ``ast``."""
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.name == name:
            return True
        if isinstance(stmt, (ast.Import, ast.ImportFrom)) and any(
            a.name != "*" and (a.asname or a.name) == name for a in stmt.names
        ):
            return True
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return True
    return False
