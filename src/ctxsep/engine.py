"""The rule engine: one file in, findings out. Every front end calls this.

``check_source`` decodes, prefilters, parses, walks the tree once (iteratively)
calling only the rules that are not ``off`` in the file's phase, and turns
their reports into :class:`~ctxsep.model.Finding` objects with severity,
suppression comments and the baseline already applied. It never prints and
never raises for bad input: an unparsable file or a bug in a rule becomes a
single ``CTX900`` finding.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from ctxsep import atomic
from ctxsep.baseline import Baseline, BaselineStore
from ctxsep.config import Config, FileSettings, SettingsResolver
from ctxsep.model import SKIPPED_CODE, SKIPPED_SYMBOL, Finding, Phase, Severity, internal_error
from ctxsep.prefilter import ANY_CONTEXT, might_have_findings
from ctxsep.rules import AST_RULES, RULES_BY_CODE, RuleContext
from ctxsep.semantics import SCOPE_NODES, ContextKind, FileSemantics, Vocabulary
from ctxsep.semantics.astwalk import node_fields
from ctxsep.semantics.conftest import fixture_source, is_test_module, might_use_fixtures
from ctxsep.suppression import find_suppressions, is_suppressed

Visitor = Callable[[ast.AST, RuleContext], None]
#: the codes of the rules this engine runs
AST_CODES = frozenset(rule.code for rule in AST_RULES)
#: Splits one file's findings into (shown, hidden by the baseline).
FindingFilter = Callable[[list[Finding], FileSettings], tuple[list[Finding], list[Finding]]]
_NAMED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class SkipFile(Exception):
    """The file cannot be checked; the message is the reason shown to users."""


@dataclass(frozen=True)
class FileResult:
    path: str  # as displayed
    phase: Phase
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None  # why the file was not checked
    parsed: bool = False  # False when the prefilter ruled the file out
    #: findings hidden by the baseline (counted by reports, shown on request)
    baselined: tuple[Finding, ...] = field(default=())


def decode_source(data: bytes) -> str:
    """Bytes to text as Python would read them (BOM, coding cookie)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SkipFile(f"cannot decode: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SkipFile(f"cannot decode as {encoding}: {exc}") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse(source: str, filename: str) -> ast.Module:
    try:
        # The compiler warns about things like invalid escape sequences while
        # parsing; those are the user's other linters' business, not ours.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=filename)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        raise SkipFile(f"syntax error{where}: {exc.msg}") from None
    except ValueError as exc:  # NUL bytes on Python 3.11
        raise SkipFile(f"cannot parse: {exc}") from None
    except (RecursionError, MemoryError):
        raise SkipFile("nesting too deep for Python's parser") from None


@lru_cache(maxsize=64)
def dispatch_table(enabled: frozenset[str]) -> dict[type[ast.AST], tuple[Visitor, ...]]:
    """Node type -> the visit methods of the enabled rules, derived from the
    rules' ``visit_<NodeType>`` methods."""
    table: dict[type[ast.AST], list[Visitor]] = {}
    for rule in AST_RULES:
        if rule.code not in enabled:
            continue
        for attr in dir(type(rule)):
            if not attr.startswith("visit_"):
                continue
            node_type = getattr(ast, attr.removeprefix("visit_"), None)
            if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                table.setdefault(node_type, []).append(getattr(rule, attr))
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=64)
def needed_kinds(enabled: frozenset[str]) -> ContextKind:
    """The kinds of context evidence some enabled AST rule needs (what the
    prefilter must look for)."""
    kinds = ContextKind.NONE
    for rule in AST_RULES:
        if rule.code in enabled:
            kinds |= rule.context_kinds
    return kinds


def check_source(
    source: str | bytes,
    display_path: str,
    settings: FileSettings,
    tree: ast.Module | None = None,
    filter_findings: FindingFilter | None = None,
) -> FileResult:
    """Check one file's source. ``tree`` may be passed when the host already
    parsed exactly this source with ``ast`` (flake8 does). ``filter_findings``
    splits findings into (shown, hidden by the baseline)."""
    phase = settings.phase
    enabled = settings.enabled_codes()
    if enabled.isdisjoint(AST_CODES):
        return FileResult(display_path, phase)
    try:
        uses_fixtures = _might_use_fixtures(source, settings)
        if not uses_fixtures and not might_have_findings(source, settings.vocabulary, needed_kinds(enabled)):
            return FileResult(display_path, phase)
        text = decode_source(source) if isinstance(source, bytes) else source
        if tree is None:
            tree = parse(text, display_path)
        active = enabled if uses_fixtures else _active_codes(source, settings.vocabulary, enabled)
        findings = _run_rules(tree, text, display_path, settings, enabled, active)
    except SkipFile as exc:
        return _skipped(display_path, phase, str(exc))
    except RecursionError:
        return _skipped(display_path, phase, "nesting too deep to analyse")
    except Exception as exc:  # a bug in ctxsep must never take the host down
        return _skipped(display_path, phase, internal_error(exc))
    hidden: list[Finding] = []
    if filter_findings is not None and findings:
        findings, hidden = filter_findings(findings, settings)
    return FileResult(display_path, phase, tuple(findings), parsed=True, baselined=tuple(hidden))


def needs_analysis(source: str | bytes, settings: FileSettings) -> bool:
    """Whether ``check_source`` would parse ``source`` (False: its result is
    known to be empty without parsing). Errs on True: whatever it cannot
    tell, ``check_source`` reports."""
    enabled = settings.enabled_codes()
    if enabled.isdisjoint(AST_CODES):
        return False
    try:
        return might_have_findings(source, settings.vocabulary, needed_kinds(enabled)) or _might_use_fixtures(
            source, settings
        )
    except Exception:
        return True


def _active_codes(source: str | bytes, vocab: Vocabulary, enabled: frozenset[str]) -> frozenset[str]:
    """The enabled rules worth running on a file the prefilter let through
    (one that may use no conftest fixture: a fixture can give any kind): a
    rule that needs fewer kinds of context evidence than the file was let
    through for (CTX003: request-scoped) runs only where the file spells a
    name that can give them."""
    idle = {
        rule.code
        for rule in AST_RULES
        if rule.code in enabled
        and rule.context_kinds != ANY_CONTEXT
        and not might_have_findings(source, vocab, rule.context_kinds)
    }
    return enabled - idle if idle else enabled


def _skipped(path: str, phase: Phase, reason: str) -> FileResult:
    finding = Finding(
        path=path,
        line=1,
        col=0,
        code=SKIPPED_CODE,
        symbol=SKIPPED_SYMBOL,
        severity=Severity.ERROR,
        message=f"{SKIPPED_CODE} file not checked: {reason}",
        phase=phase,
    )
    return FileResult(path, phase, (finding,), skipped=reason)


def _run_rules(
    tree: ast.Module,
    source: str,
    display_path: str,
    settings: FileSettings,
    enabled: frozenset[str],
    active: frozenset[str] | None = None,
) -> list[Finding]:
    """The findings of the ``enabled`` rules; only the ``active`` ones (all
    when None) are run: the others are known to find nothing here."""
    sem = file_semantics(tree, source, settings)
    ctx = RuleContext(sem=sem, phase=settings.phase, enabled_codes=enabled, scope=sem.module)
    _walk(tree, ctx, dispatch_table(enabled if active is None else active))
    if not ctx.reports:
        return []
    suppressions = find_suppressions(source)
    severities = settings.severities
    findings = []
    seen = set()
    for report, scope_name in ctx.reports:
        key = (report.code, report.line, report.col, report.message)
        if key in seen or is_suppressed(suppressions, report.line, report.code):
            continue
        seen.add(key)
        rule = RULES_BY_CODE[report.code]
        findings.append(
            Finding(
                path=display_path,
                line=report.line,
                col=report.col,
                code=report.code,
                symbol=rule.symbol,
                severity=severities[report.code],
                message=f"{report.code} {report.message}",
                scope=scope_name,
                fingerprint=fingerprint(report.anchor),
                phase=settings.phase,
            )
        )
    findings.sort(key=lambda f: f.sort_key)
    return findings


def file_semantics(tree: ast.Module, source: str, settings: FileSettings) -> FileSemantics:
    """The semantics of one file as every front end sees it: with the
    ``conftest.py`` fixtures above it when pytest would give it any."""
    source_of_fixtures = None
    if is_test_module(settings.rel_path):
        path = settings.config.root / settings.rel_path
        source_of_fixtures = fixture_source(path, settings.config.root, settings.vocabulary)
    return FileSemantics(tree, settings.vocabulary, settings.module_parts, source, conftest=source_of_fixtures)


def _might_use_fixtures(source: str | bytes, settings: FileSettings) -> bool:
    """The prefilter's second question, for a test module: does it spell the
    name of a context fixture of a ``conftest.py`` above it?"""
    return might_use_fixtures(source, settings.rel_path, settings.config.root, settings.vocabulary)


def fingerprint(anchor: str) -> str:
    """8 hex digits of the whitespace-normalised flagged source."""
    normalized = " ".join(anchor.split())
    return hashlib.blake2b(normalized.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()


def _walk(tree: ast.Module, ctx: RuleContext, dispatch: dict[type[ast.AST], tuple[Visitor, ...]]) -> None:
    """One iterative pre-order walk; scopes are entered and left as the walk
    passes, so each visit sees the scope its node sits in.

    Expression contexts and operators are not walked (see
    ``semantics.astwalk``): no rule visits them. What the walk does with a
    node depends only on its type, so that is decided once per type."""
    sem = ctx.sem
    plans: dict[type[ast.AST], tuple[tuple[Visitor, ...], bool, bool, tuple[str, ...]]] = {}
    scope_names = ctx.scope_names
    # Stack items: (node, parent) to visit, or (None, (scope, named)) to leave a scope.
    stack: list[tuple[ast.AST | None, Any]] = [(tree, None)]
    pop, push = stack.pop, stack.append
    while stack:
        node, extra = pop()
        if node is None:
            ctx.scope, named = extra
            if named:
                scope_names.pop()
            continue
        node_type = type(node)
        plan = plans.get(node_type)
        if plan is None:
            plan = (
                dispatch.get(node_type, ()),
                issubclass(node_type, _NAMED_SCOPES),
                issubclass(node_type, SCOPE_NODES),
                node_fields(node_type),
            )
            plans[node_type] = plan
        visitors, named, opens_scope, fields = plan
        if named:
            scope_names.append(node.name)  # type: ignore[attr-defined]
        if visitors:
            ctx.parent = extra
            for visit in visitors:
                visit(node, ctx)
        if opens_scope:
            push((None, (ctx.scope, named)))
            ctx.scope = sem.scope_of(node, ctx.scope)
        # Children in reverse, so they are popped in source order.
        for name in reversed(fields):
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                push((value, node))
            elif isinstance(value, list):
                for item in reversed(value):
                    if isinstance(item, ast.AST):
                        push((item, node))


# -- the front ends' entry point ----------------------------------------------------

#: Every baseline file this process has read, re-read when it changes. A memo
#: of file contents (like ``dispatch_table``'s cache), not a setting: which
#: baseline applies always comes from the file's own config.
_BASELINES = BaselineStore()


def baseline_for(config: Config) -> Baseline:
    """The baseline named by ``config`` (empty if the file does not exist).
    Raises BaselineError when it exists but cannot be used."""
    return _BASELINES.for_config(config)


def with_baseline(result: FileResult, settings: FileSettings) -> FileResult:
    """``result`` (checked without a baseline, perhaps cached) with the
    file's baseline applied, as ``check_file`` would have returned it."""
    if not result.parsed or not result.findings:
        return result
    shown, hidden = baseline_for(settings.config).split(list(result.findings), settings)
    return replace(result, findings=tuple(shown), baselined=tuple(hidden))


def apply_baseline(findings: list[Finding], settings: FileSettings) -> tuple[list[Finding], list[Finding]]:
    """(shown, hidden) for findings a front end produced itself (the mypy
    plugin's type-exact findings), with the file's baseline and phase."""
    return baseline_for(settings.config).split(findings, settings)


def check_file(
    path: str | os.PathLike[str],
    resolver: SettingsResolver,
    source: str | bytes | None = None,
    display_path: str | None = None,
    tree: ast.Module | None = None,
    filter_findings: FindingFilter | None = None,
    baseline: bool = True,
) -> FileResult:
    """Check ``path`` with the config found from its own directory.

    ``source`` is the text a host already holds (stdin, an editor buffer);
    when None the file is read from disk. Findings recorded in the config's
    baseline come back in ``FileResult.baselined`` instead of ``findings``
    (``baseline=False`` reports everything). Raises ConfigError for a broken
    config and BaselineError (a ConfigError) for a broken baseline;
    everything about the file itself becomes findings.
    """
    settings = resolver.for_path(path)
    if filter_findings is None and baseline:
        filter_findings = baseline_for(settings.config).split
    shown = display_path if display_path is not None else os.fspath(path)
    return check_path(path, settings, shown, source=source, tree=tree, filter_findings=filter_findings)


def check_path(
    path: str | os.PathLike[str],
    settings: FileSettings,
    display_path: str,
    source: str | bytes | None = None,
    tree: ast.Module | None = None,
    filter_findings: FindingFilter | None = None,
) -> FileResult:
    """Check ``path`` with the given settings (the promotion gate passes a
    file's settings as they would be after a promotion). Reads the file when
    ``source`` is None; applies no baseline unless ``filter_findings`` does."""
    if source is None:
        try:
            source = atomic.read_source(path)
        except OSError as exc:
            return _skipped(display_path, settings.phase, f"cannot read: {exc.strerror or exc}")
    return check_source(source, display_path, settings, tree=tree, filter_findings=filter_findings)
