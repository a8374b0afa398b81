"""What a rule is, and the one object through which it sees a file.

A rule is a stateless class in its own module: code, symbol, message
template, default severity per phase, the node types it visits, its
documentation (class docstring, fixed sections) and its examples. The engine
walks each file once and calls ``visit`` for the node types a rule declares;
the rule answers semantic questions through ``ctx.sem`` and reports with
``ctx.report``. Rules never print and never read config: what they need
arrives in the :class:`RuleContext`.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ctxsep.model import Phase, Severity
from ctxsep.semantics import ContextKind, FileSemantics, Scope
from ctxsep.semantics.nodes import last_name, source_text

#: Section headings every rule docstring has, in this order (STYLE §3).
DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Use instead", "How to fix", "Options")


@dataclass(frozen=True, slots=True)
class Report:
    """A rule's raw report, before the engine turns it into a Finding."""

    code: str
    line: int
    col: int
    message: str  # already formatted, without the code prefix
    anchor: str  # the flagged source, for the baseline fingerprint


@dataclass
class RuleContext:
    """Everything a rule may know while visiting one file."""

    sem: FileSemantics
    phase: Phase
    enabled_codes: frozenset[str]
    scope: Scope
    parent: ast.AST | None = None  # the parent of the node being visited
    scope_names: list[str] = field(default_factory=list)  # qualified enclosing scope, for baselines
    reports: list[tuple[Report, str]] = field(default_factory=list)  # (report, scope name)

    def enabled(self, code: str) -> bool:
        """Whether a rule reports at all in this file (not ``off``)."""
        return code in self.enabled_codes

    def report(self, rule: Rule, node: ast.AST, anchor: str | None = None, **fields: Any) -> None:
        message = rule.message.format(**fields)
        if anchor is None:
            # A flagged callee stands for its call: editing the arguments of a
            # baselined legacy call is "touching the flagged code" and must
            # resurface it, and two different calls in one function must not
            # share a fingerprint.
            flagged = self.parent if isinstance(self.parent, ast.Call) and self.parent.func is node else node
            anchor = _anchor_text(flagged)
        self.reports.append(
            (
                Report(rule.code, getattr(node, "lineno", 1), getattr(node, "col_offset", 0), message, anchor),
                ".".join(self.scope_names) or "<module>",
            )
        )


class Rule:
    code: ClassVar[str]
    symbol: ClassVar[str]
    summary: ClassVar[str]
    message: ClassVar[str]
    defaults: ClassVar[dict[Phase, Severity]]
    node_types: ClassVar[tuple[type[ast.AST], ...]] = ()
    #: True for rules only a type-aware front end (mypy, pylint+astroid) can check.
    needs_types: ClassVar[bool] = False
    #: True for AST rules whose type-exact cases the mypy plugin adds (cases a
    #: single file's names cannot show: aliases from other modules, inferred types).
    type_exact: ClassVar[bool] = False
    #: The kinds of context the rule's findings need evidence of. The
    #: prefilter reads a file only when it spells a vocabulary name that can
    #: give such evidence (``prefilter.needles_for``); a rule whose findings
    #: all start from a request-scoped context says ``ContextKind.SCOPED``.
    context_kinds: ClassVar[ContextKind] = ContextKind.LEGACY | ContextKind.SCOPED | ContextKind.UNKNOWN
    #: Config keys (under [tool.ctxsep]) the rule reads, for the docs check.
    options: ClassVar[tuple[str, ...]] = ()
    #: Snippets that must produce nothing / exactly their ``# expect:`` findings.
    valid: ClassVar[tuple[str, ...]] = ()
    invalid: ClassVar[tuple[str, ...]] = ()

    def visit(self, node: ast.AST, ctx: RuleContext) -> None:
        raise NotImplementedError

    def format_message(self, **fields: Any) -> str:
        """The full message, code first, as every front end prints it. Front
        ends that find a case themselves (the mypy plugin's type-exact cases)
        format it here, with the fields the rule's own helpers build, so the
        text is the rule's and not the host's."""
        return f"{self.code} {self.message.format(**fields)}"

    @property
    def number(self) -> int:
        """``CTX003`` -> 3: the basis of host-specific ids."""
        return int(self.code[3:])

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(type(self).__doc__ or "")

    def severity(self, phase: Phase) -> Severity:
        return self.defaults[phase]


def defaults(legacy: str, transitional: str, migrated: str, final: str) -> dict[Phase, Severity]:
    """The default severity table row of a rule (SPEC §4)."""
    return {
        Phase.LEGACY: Severity.parse(legacy),
        Phase.TRANSITIONAL: Severity.parse(transitional),
        Phase.MIGRATED: Severity.parse(migrated),
        Phase.FINAL: Severity.parse(final),
    }


def _anchor_text(node: ast.AST) -> str:
    """Whitespace-independent source of the flagged node (for fingerprints):
    ``ast.unparse`` normalises formatting, so reformatting keeps the anchor."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return f"{type(node).__name__}:{node.name}"
    try:
        text = ast.unparse(node)
    except (ValueError, TypeError, AttributeError, RecursionError):
        text = type(node).__name__
    return text[:500]


_DOTTED_NAME = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*\Z")


def segment_text(segment: str) -> str:
    """What :func:`source_text` gives for the node a host located as a piece
    of source text (``helpers.make_ctx(user_id='u')``, ``db_session=db``):
    a host that finds a case itself names things exactly as the AST rules do.
    Falls back to the text with its whitespace collapsed."""
    if _DOTTED_NAME.match(segment):  # the common case, already in ast.unparse's form
        return segment
    node = parse_segment(segment)
    return source_text(node) if node is not None else " ".join(segment.split())


def segment_anchor(segment: str) -> str:
    """The baseline anchor the engine would record for the node spelled by
    ``segment`` (see :meth:`RuleContext.report`)."""
    if _DOTTED_NAME.match(segment):
        return segment
    node = parse_segment(segment)
    return _anchor_text(node) if node is not None else " ".join(segment.split())[:500]


def parse_segment(segment: str) -> ast.AST | None:
    """An expression, or a keyword argument ``name=value``, parsed from its
    source text (possibly spanning lines); None when it is neither."""
    text = segment.strip()
    if not text:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call = ast.parse(f"_(\n{text}\n)", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    assert isinstance(call, ast.Call)
    if len(call.args) == 1 and not call.keywords:
        return call.args[0]
    if len(call.keywords) == 1 and not call.args and call.keywords[0].arg is not None:
        return call.keywords[0]
    return None


Visitor = Callable[[ast.AST, RuleContext], None]

__all__ = [
    "DOC_SECTIONS",
    "Report",
    "Rule",
    "RuleContext",
    "defaults",
    "last_name",
    "parse_segment",
    "segment_anchor",
    "segment_text",
    "source_text",
]
