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
   session read that CTX003 reports is not also CTX005);
4. the **baseline**, through :func:`ctxsep.engine.apply_baseline`, with the
   identity the engine would give the same node: the enclosing named scopes
   and the fingerprint of the flagged source.

The gate keeps no host types; it sees text, positions and messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ctxsep.config import FileSettings
from ctxsep.engine import apply_baseline, check_path, fingerprint
from ctxsep.model import Finding, Severity
from ctxsep.rules import RULES_BY_CODE
from ctxsep.rules.base import segment_anchor
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
class _AstView:
    """What the AST engine reports for the same file and source."""

    positions: frozenset[tuple[str, int, int]] = frozenset()  # (code, line, col)
    lines: frozenset[tuple[str, int]] = frozenset()  # (code, line)


@dataclass
class FileGate:
    """The engine's policy for the typed findings of one file (one source text).

    ``admit`` returns the finding to show — with its severity, ``warn`` or
    ``error`` — or None. Hosts call it as they find cases, in any order and
    as often as they like: the same case admitted twice counts once against
    the baseline.
    """

    path: str  # the file on disk (config and phase come from here)
    settings: FileSettings
    source: str  # the text the host checks (an editor's unsaved buffer included)
    display_path: str
    _suppressions: Suppressions | None = field(default=None, init=False, repr=False)
    _ast: _AstView | None = field(default=None, init=False, repr=False)
    _admitted: dict[tuple[str, str, str], list[Finding]] = field(default_factory=dict, init=False, repr=False)

    def severity(self, code: str) -> Severity:
        return self.settings.severities.get(code, Severity.OFF)

    def admit(self, case: TypedCase) -> Finding | None:
        severity = self.severity(case.code)
        if severity is Severity.OFF or case.code not in RULES_BY_CODE:
            return None
        if is_suppressed(self.suppressions, case.line, case.code):
            return None
        if self.reported_by_ast(case):
            return None
        rule = RULES_BY_CODE[case.code]
        anchor = case.anchor if case.anchor is not None else segment_anchor(case.segment)
        finding = Finding(
            path=self.display_path,
            line=case.line,
            col=case.col,
            code=case.code,
            symbol=rule.symbol,
            severity=severity,
            message=case.message,
            scope=case.scope,
            fingerprint=fingerprint(anchor),
            phase=self.settings.phase,
        )
        return None if self._baselined(finding) else finding

    @property
    def suppressions(self) -> Suppressions:
        if self._suppressions is None:
            self._suppressions = find_suppressions(self.source)
        return self._suppressions

    # -- overlap with the AST engine ----------------------------------------------

    def reported_by_ast(self, case: TypedCase) -> bool:
        view = self._ast_view()
        if (case.code, case.line, case.col) in view.positions:
            return True
        deferred_to = _DEFERS.get(case.code)
        return deferred_to is not None and case.function_line is not None and (
            (deferred_to, case.function_line) in view.lines
        )

    def _ast_view(self) -> _AstView:
        """Computed once, on the first case that gets this far: files where
        types find nothing never pay for the AST run."""
        if self._ast is None:
            result = check_path(self.path, self.settings, self.display_path, source=self.source)
            if result.skipped is not None:
                self._ast = _AstView()
            else:
                every = (*result.findings, *result.baselined)
                self._ast = _AstView(
                    positions=frozenset((f.code, f.line, f.col) for f in every),
                    lines=frozenset((f.code, f.line) for f in every),
                )
        return self._ast

    # -- the baseline ----------------------------------------------------------------

    def _baselined(self, finding: Finding) -> bool:
        """Whether the baseline hides ``finding``: entries hide up to their
        count of same-key findings, in the order the host met them."""
        same_key = self._admitted.setdefault((finding.code, finding.scope, finding.fingerprint), [])
        if not any(_same_case(finding, other) for other in same_key):
            same_key.append(finding)
        _, hidden = apply_baseline(same_key, self.settings)
        return any(_same_case(finding, other) for other in hidden)


def _same_case(a: Finding, b: Finding) -> bool:
    return (a.line, a.col, a.message) == (b.line, b.col, b.message)


__all__ = ["FileGate", "TypedCase"]
