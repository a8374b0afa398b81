"""One file as a fix sees it: its text, its libcst tree with positions and
parents, its shown findings, its settings and the project index; and the
helpers that turn "replace this node" into an :class:`~ctxsep.model.Edit`.

Edits are computed from the positions libcst gives each node, and the new
text of a node is libcst's code for it, so everything outside the edited
nodes stays byte for byte.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange, PositionProvider

from ctxsep.config import FileSettings
from ctxsep.fixes.lines import SourceLines
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import Edit, Finding
from ctxsep.semantics.vocabulary import Category


@dataclass
class FileView:
    path: str  # absolute
    source: str
    settings: FileSettings
    findings: list[Finding]  # the shown findings of this file
    project: ProjectIndex
    #: why a fix a user would expect was not offered (``ctxsep fix`` prints them)
    notes: list[str] = field(default_factory=list)
    module: cst.Module = field(init=False)
    parents: Mapping[cst.CSTNode, cst.CSTNode] = field(init=False)

    def __post_init__(self) -> None:
        self.module = cst.parse_module(self.source)
        self.parents = parent_map(self.module)

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """Where each node is (worked out on first use: it costs more than
        parsing). What ``MetadataWrapper(module).resolve(PositionProvider)``
        gives, without the wrapper's second walk of the whole tree (libcst
        visits it for the batchable providers even when there are none,
        ~40 % of the cost) and its two copies of the table."""
        provider = PositionProvider()
        provider._gen_impl(self.module)
        return cast("dict[cst.CSTNode, CodeRange]", provider._computed)

    # -- vocabulary ----------------------------------------------------------------

    def names(self, category: Category) -> frozenset[str]:
        """Last components of the vocabulary entries of ``category``."""
        return frozenset(name.rsplit(".", 1)[-1] for name in self.settings.vocabulary.names_in(category))

    @property
    def session_names(self) -> frozenset[str]:
        return self.settings.vocabulary.session_names

    def enabled(self, code: str) -> bool:
        return code in self.settings.enabled_codes()

    # -- findings ------------------------------------------------------------------

    @cached_property
    def _text(self) -> SourceLines:
        return SourceLines(self.source)

    def char_col(self, line: int, byte_col: int) -> int:
        """``ast``'s UTF-8 byte column as a character column."""
        return self._text.char_col(line, byte_col)

    @cached_property
    def _findings_at(self) -> dict[tuple[int, int], list[Finding]]:
        table: dict[tuple[int, int], list[Finding]] = {}
        for finding in self.findings:
            table.setdefault((finding.line, self.char_col(finding.line, finding.col)), []).append(finding)
        return table

    def findings_at(self, node: cst.CSTNode, *codes: str) -> list[Finding]:
        """Shown findings reported at ``node``'s first character."""
        start = self.positions[node].start
        found = self._findings_at.get((start.line, start.column), [])
        return [f for f in found if not codes or f.code in codes]

    def shown(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]

    def nodes_at(self, finding: Finding) -> Iterator[cst.CSTNode]:
        """Nodes starting where ``finding`` is reported, innermost first."""
        key = (finding.line, self.char_col(finding.line, finding.col))
        return iter(self._nodes_by_start.get(key, ()))

    @cached_property
    def _nodes_by_start(self) -> dict[tuple[int, int], list[cst.CSTNode]]:
        table: dict[tuple[int, int], list[cst.CSTNode]] = {}
        for node, where in self.positions.items():
            table.setdefault((where.start.line, where.start.column), []).append(node)
        return table

    # -- tree ----------------------------------------------------------------------

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        """The function whose own body holds ``node`` (None inside a lambda
        or a class body nested in the function, or at module level)."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
            if isinstance(ancestor, (cst.Lambda, cst.ClassDef)):
                return None
        return None

    @cached_property
    def calls_by_name(self) -> dict[str, list[cst.Call]]:
        """Every call in the file by the callee's last name (one walk,
        shared by the fixes that look for calls of a name)."""
        table: dict[str, list[cst.Call]] = {}
        for node in self.parents:
            if isinstance(node, cst.Call):
                name = last_name(node.func)
                if name is not None:
                    table.setdefault(name, []).append(node)
        return table

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    @property
    def newline(self) -> str:
        return self.module.default_newline

    # -- edits ---------------------------------------------------------------------

    def offset(self, line: int, col: int) -> int:
        return self._text.offset(line, col)

    def code_at(self, node: cst.CSTNode, new: cst.CSTNode) -> str:
        """libcst's code for ``new`` written where ``node`` is: lines inside
        it are indented as the blocks around ``node`` indent them."""
        state = CodegenState(default_indent=self.module.default_indent, default_newline=self.module.default_newline)
        blocks = [a for a in self.ancestors(node) if isinstance(a, cst.IndentedBlock)]
        state.indent_tokens = [
            b.indent if b.indent is not None else self.module.default_indent for b in reversed(blocks)
        ]
        new._codegen(state)
        return "".join(state.tokens)

    def replace(self, node: cst.CSTNode, new: cst.CSTNode | str) -> Edit:
        where = self.positions[node]
        text = new if isinstance(new, str) else self.code_at(node, new)
        return Edit(
            path=self.path,
            start=self.offset(where.start.line, where.start.column),
            end=self.offset(where.end.line, where.end.column),
            replacement=text,
            start_line=where.start.line,
            start_col=where.start.column,
            end_line=where.end.line,
            end_col=where.end.column,
        )

    def insert_after(self, node: cst.CSTNode, text: str) -> Edit:
        end = self.positions[node].end
        return self.insert_at(end.line, end.column, text)

    def insert_at(self, line: int, col: int, text: str) -> Edit:
        at = self.offset(line, col)
        return Edit(self.path, at, at, text, line, col, line, col)

    def insert_line_after(self, node: cst.CSTNode, text: str) -> Edit:
        """A new line ``text`` (without newline) after the line ``node`` ends on."""
        end_line = self.positions[node].end.line
        lines = self._text.lines
        if end_line < len(lines) or lines[-1].endswith(("\n", "\r")):
            return self.insert_at(end_line + 1, 0, text + self.newline)
        return self.insert_at(len(lines), len(lines[-1]), self.newline + text)


_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}
#: per type of a field's value: 1 a node, 2 a list or tuple, 0 anything else
#: (a dict lookup instead of an ``isinstance`` through ``CSTNode``'s ABC)
_KINDS: dict[type, int] = {}


def _kind(value_type: type) -> int:
    kind = _KINDS.get(value_type)
    if kind is None:
        node = issubclass(value_type, cst.CSTNode)
        kind = _KINDS[value_type] = 1 if node else 2 if issubclass(value_type, (list, tuple)) else 0
    return kind


def parent_map(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    """Each node's parent, from the nodes' own fields (what libcst's
    ParentNodeProvider gives, several times faster)."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        names = _FIELDS.get(type(node))
        if names is None:
            names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
        for name in names:
            value = getattr(node, name)
            kind = _KINDS.get(type(value), -1)
            if kind < 0:
                kind = _kind(type(value))
            if kind == 1:
                parents[value] = node
                stack.append(value)
            elif kind == 2:
                for child in value:
                    if _KINDS.get(type(child), -1) == 1 or _kind(type(child)) == 1:
                        parents[child] = node
                        stack.append(child)
    return parents


def last_name(node: cst.BaseExpression) -> str | None:
    """``f`` -> f, ``a.b.f`` -> f; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def params_of(function: cst.FunctionDef) -> list[cst.Param]:
    """A function's named parameters (positional-only, plain, keyword-only)."""
    p = function.params
    return [*p.posonly_params, *p.params, *p.kwonly_params]


def mentioned_names(node: cst.CSTNode | None) -> set[str]:
    """Every identifier (last components of dotted names, and names inside
    string annotations) in an annotation or expression."""
    found: set[str] = set()
    if node is None:
        return found

    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            value = string.evaluated_value
            if isinstance(value, str):
                with contextlib.suppress(cst.ParserSyntaxError):
                    found.update(mentioned_names(cst.parse_expression(value)))

    node.visit(_Names())
    return found


def join_tail(kept_comma: cst.Comma | cst.MaybeSentinel, tail: cst.BaseParenthesizableWhitespace) -> cst.Comma | None:
    """When the last item of a bracketed list is removed, the new last item
    keeps its comma and any comment after it, and takes the removed item's
    line break and indentation before the closing bracket. None: drop the
    comma (it carried nothing worth keeping)."""
    if not isinstance(kept_comma, cst.Comma):
        return None
    ws = kept_comma.whitespace_after
    if isinstance(ws, cst.ParenthesizedWhitespace) and isinstance(tail, cst.ParenthesizedWhitespace):
        return kept_comma.with_changes(whitespace_after=tail.with_changes(first_line=ws.first_line))
    return None
