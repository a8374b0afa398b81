"""Findings a type-aware front end finds itself, through the engine's policy.

The AST engine (:func:`ctxsep.engine.check_source`) produces everything the
CLI, flake8 and pylint report. The mypy plugin sees some cases only types
show — CTX006, and the type-exact cases of CTX001/CTX002/CTX004/CTX005 (an
alias from another module, a value whose *inferred* type is a context). It
formats each with the rule's own helpers and hands it here as a
:class:`TypedCase`; :class:`FileGate` applies, per file, what the engine
applies to its own findings, in this order:

1. **severity** from the file's phase (``off``: nothing);
2. ``# ctxsep: ignore[...]`` comments on the finding's line;
3. **overlap with the AST engine**: a case the engine reports too — same code,
   line and column, shown or baselined — is dropped, because the AST front
   ends already show it (a team runs mypy next to flake8 or ``ctxsep check``,
   and one finding must not appear twice). For the same reason a CTX005 read
   inside a function the engine reports as CTX003 is dropped (SPEC §3: a
   session read that CTX003 reports is not also CTX005). When the engine's
   result for exactly this source is at hand (``ctxsep check``'s result
   cache, ``known_result``) that is a set lookup; otherwise the engine's
   rules run only on the nodes enclosing the case (every AST finding at a
   position comes from visiting that position or one of its ancestors), not
   on the whole file;
4. the **baseline**, through :func:`ctxsep.engine.apply_baseline`, with the
   identity the engine would give the same node: the enclosing named scopes
   and the fingerprint of the flagged source.

The gate keeps no host types; it sees text, positions and messages.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ctxsep.baseline.fileformat import NO_FINGERPRINT
from ctxsep.baseline.typed import record, recording
from ctxsep.config import FileSettings
from ctxsep.engine import (
    FileResult,
    SkipFile,
    apply_baseline,
    baseline_for,
    dispatch_table,
    file_semantics,
    fingerprint,
    parse,
)
from ctxsep.model import Finding, Severity
from ctxsep.rules import RULES_BY_CODE, RuleContext
from ctxsep.rules.base import segment_anchor
from ctxsep.semantics import SCOPE_NODES, FileSemantics, Scope
from ctxsep.suppression import Suppressions, find_suppressions, is_suppressed

#: CTX005 defers to CTX003 in the same function (SPEC §3).
_DEFERS = {"CTX005": "CTX003"}


@dataclass(frozen=True, slots=True)
class TypedCase:
    """One case a type-aware host found, before the file's policy applies."""

    code: str
    line: int  # 1-based
    col: int  # 0-based, as ``ast`` counts it (UTF-8 bytes)
    message: str  # complete, code first: ``Rule.format_message(**rule.<...>_fields(...))``
    scope: str  # the enclosing classes and functions, ``Service.process``; ``<module>`` at top level
    segment: str  # the flagged source as written, for the baseline fingerprint
    anchor: str | None = None  # a ready anchor instead (a class's field: ``Context.db_session``)
    #: ``def`` line of the innermost enclosing function, when there is one
    function_line: int | None = None


@dataclass
class FileGate:
    """The engine's policy for the typed findings of one file (one source text).

    ``admit`` returns the finding to show — with its severity, ``warn`` or
    ``error`` — or None. Its fingerprint is computed when the file's
    baseline has entries for the file (it is only ever matched against
    them); otherwise it is ``-``. Hosts call it as they find cases, in any order and
    as often as they like: the same case admitted twice counts once against
    the baseline.
    """

    path: str  # the file on disk (config and phase come from here)
    settings: FileSettings
    source: str  # the text the host checks (an editor's unsaved buffer included)
    display_path: str
    #: The engine's complete result for exactly this source, if one is at
    #: hand (``ctxsep check``'s result cache): the overlap is then a set lookup.
    known_result: Callable[[], FileResult | None] | None = None
    #: the host's name for ``CTXSEP_RECORD`` records ("mypy"); "" records nothing
    via: str = ""
    _suppressions: Suppressions | None = field(default=None, init=False, repr=False)
    _semantics: FileSemantics | bool | None = field(default=False, init=False, repr=False)  # False: not yet
    _entries: bool | None = field(default=None, init=False, repr=False)
    _known: tuple[frozenset[tuple[str, int, int]], frozenset[tuple[str, int]]] | bool | None = field(
        default=False, init=False, repr=False
    )
    _admitted: dict[tuple[str, str, str], list[Finding]] = field(default_factory=dict, init=False, repr=False)
    _shows: dict[tuple[str, int, int, int | None], bool] = field(default_factory=dict, init=False, repr=False)

    def severity(self, code: str) -> Severity:
        return self.settings.severities.get(code, Severity.OFF)

    def shows(self, code: str, line: int, col: int, function_line: int | None = None) -> bool:
        """Whether a case of ``code`` at this position gets past the
        severity, ``# ctxsep: ignore`` and the overlap with the AST engine —
        everything but the baseline. Memoised: a host asks before it spends
        anything on describing the case, then ``admit`` asks again."""
        key = (code, line, col, function_line)
        known = self._shows.get(key)
        if known is None:
            known = self._shows[key] = (
                code in RULES_BY_CODE
                and self.severity(code) is not Severity.OFF
                and not is_suppressed(self.suppressions, line, code)
                and not self.reported_by_ast(code, line, col, function_line)
                and not self.exempt_by_ast(code, line, col)
            )
        return known

    def exempt_by_ast(self, code: str, line: int, col: int) -> bool:
        """A case the AST rules deliberately leave out, so a typed host must
        too: a CTX004 write inside ``with pytest.raises(...)`` (SPEC §3)."""
        if code != "CTX004" or "aises" not in self.source:
            return False
        sem = self._file_semantics()
        return sem is not None and sem.in_raises_block(ast.Constant(value=None, lineno=line, col_offset=col))

    def admit(self, case: TypedCase, recordable: bool = True) -> Finding | None:
        """The finding to show for ``case``, or None. ``recordable`` False:
        the host itself will not show it (its own ignore comment or
        switch), so ``CTXSEP_RECORD`` leaves it out."""
        if not self.shows(case.code, case.line, case.col, case.function_line):
            return None
        records = bool(self.via and recordable and recording())
        if not records and not self._has_baseline_entries():
            return self._finding(case)  # the fingerprint is only for the baseline: skip the work (a parse per case)
        finding = self._identify(case)
        if records:
            record(finding, self.via, self.path)
        return None if self._baselined(finding) else finding

    def _identify(self, case: TypedCase) -> Finding:
        """The finding for ``case`` with its baseline identity, the baseline
        aside (what ``CTXSEP_RECORD`` records)."""
        anchor = case.anchor if case.anchor is not None else segment_anchor(case.segment)
        return replace(self._finding(case), fingerprint=fingerprint(anchor))

    def _finding(self, case: TypedCase) -> Finding:
        rule = RULES_BY_CODE[case.code]
        return Finding(
            path=self.display_path,
            line=case.line,
            col=case.col,
            code=case.code,
            symbol=rule.symbol,
            severity=self.severity(case.code),
            message=case.message,
            scope=case.scope,
            fingerprint=NO_FINGERPRINT,
            phase=self.settings.phase,
        )

    @property
    def suppressions(self) -> Suppressions:
        if self._suppressions is None:
            self._suppressions = find_suppressions(self.source)
        return self._suppressions

    # -- overlap with the AST engine ----------------------------------------------

    def reported_by_ast(self, code: str, line: int, col: int, function_line: int | None = None) -> bool:
        if RULES_BY_CODE[code].needs_types:
            return False  # CTX006: the AST engine never reports it
        deferred_to = _DEFERS.get(code)
        known = self._known_findings()
        if known is not None:
            positions, lines = known
            return (code, line, col) in positions or (deferred_to is not None and (deferred_to, function_line) in lines)
        sem = self._file_semantics()
        if sem is None:
            return False  # the engine cannot check this file (CTX900): nothing to overlap
        codes = (code,) if deferred_to is None else (code, deferred_to)
        for found, found_line, found_col in reports_at(sem, self.settings, codes, line, col):
            if (found, found_line, found_col) == (code, line, col):
                return True
            if found == deferred_to and found_line == function_line:
                return True
        return False

    def _known_findings(self) -> tuple[frozenset[tuple[str, int, int]], frozenset[tuple[str, int]]] | None:
        if self._known is False:
            result = self.known_result() if self.known_result is not None else None
            if result is None or result.skipped is not None:
                self._known = None
            else:
                every = (*result.findings, *result.baselined)
                self._known = (
                    frozenset((f.code, f.line, f.col) for f in every),
                    frozenset((f.code, f.line) for f in every),
                )
        return self._known if isinstance(self._known, tuple) else None

    def _file_semantics(self) -> FileSemantics | None:
        if self._semantics is False:
            try:
                tree = parse(self.source, self.display_path)
                self._semantics = file_semantics(tree, self.source, self.settings)
            except (SkipFile, RecursionError):
                self._semantics = None
        return self._semantics if isinstance(self._semantics, FileSemantics) else None

    # -- the baseline ----------------------------------------------------------------

    def _has_baseline_entries(self) -> bool:
        """Whether the file's baseline records anything for this file (read
        once per gate; raises BaselineError for a broken baseline)."""
        if self._entries is None:
            self._entries = bool(baseline_for(self.settings.config).for_file(self.settings.rel_path))
        return self._entries

    def _baselined(self, finding: Finding) -> bool:
        """Whether the baseline hides ``finding``: entries hide up to their
        count of same-key findings, in the order the host met them."""
        if not self._has_baseline_entries():
            return False
        same_key = self._admitted.setdefault((finding.code, finding.scope, finding.fingerprint), [])
        if not any(_same_case(finding, other) for other in same_key):
            same_key.append(finding)
        _, hidden = apply_baseline(same_key, self.settings)
        return any(_same_case(finding, other) for other in hidden)


def reports_at(
    sem: FileSemantics, settings: FileSettings, codes: tuple[str, ...], line: int, col: int
) -> list[tuple[str, int, int]]:
    """(code, line, col) of what the AST rules ``codes`` report while the
    engine's walk visits the nodes that enclose (``line``, ``col``): the
    same visits, in the same scopes, with the same parents as in
    :func:`ctxsep.engine.check_source`, for one path down the tree."""
    enabled = settings.enabled_codes()
    dispatch = dispatch_table(frozenset(codes) & enabled)
    if not dispatch:
        return []
    ctx = RuleContext(sem=sem, phase=settings.phase, enabled_codes=enabled, scope=sem.module)
    # Usually one path; more where siblings share a span: on Python 3.11 every
    # part of an f-string (its literal pieces and each ``{...}``) carries the
    # whole f-string's position, and only one of them holds the expression.
    stack: list[tuple[ast.AST, ast.AST | None, Scope]] = [(sem.tree, None, sem.module)]
    steps = 0
    while stack and steps < _MAX_STEPS:
        steps += 1
        node, parent, scope = stack.pop()
        ctx.scope = scope
        visitors = dispatch.get(type(node))
        if visitors:
            ctx.parent = parent
            for visit in visitors:
                visit(node, ctx)
        inner = sem.scope_of(node, scope) if isinstance(node, SCOPE_NODES) else scope
        enclosing = [child for child in ast.iter_child_nodes(node) if _encloses(child, line, col)]
        stack.extend((child, node, inner) for child in reversed(enclosing))  # popped in source order
    return [(report.code, report.line, report.col) for report, _ in ctx.reports]


_MAX_STEPS = 10_000


def _encloses(node: ast.AST, line: int, col: int) -> bool:
    end_line = getattr(node, "end_lineno", None)
    if end_line is not None:  # the common case, mostly decided on line numbers alone
        if end_line < line:
            return False
        if getattr(node, "lineno", line) > line and not getattr(node, "decorator_list", None):
            return False
    span = _span(node)
    return span is not None and span[0] <= (line, col) <= span[1]


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Where a node starts and ends; a definition starts at its first
    decorator; a node ``ast`` gives no position (``arguments``,
    ``comprehension``, ``withitem``, ``match_case``) spans its children."""
    start_line = getattr(node, "lineno", None)
    if start_line is not None:
        start = (start_line, node.col_offset)  # type: ignore[attr-defined]
        end = (node.end_lineno or start_line, node.end_col_offset or 0)  # type: ignore[attr-defined]
        decorators = getattr(node, "decorator_list", None)
        if decorators:
            start = min(start, *((d.lineno, d.col_offset) for d in decorators))
        return start, end
    spans = [span for child in ast.iter_child_nodes(node) if (span := _span(child)) is not None]
    if not spans:
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)


def _same_case(a: Finding, b: Finding) -> bool:
    return (a.line, a.col, a.message) == (b.line, b.col, b.message)


__all__ = ["FileGate", "TypedCase", "reports_at"]
