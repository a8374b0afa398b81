"""The rules, one module each, and their explicit, ordered registry.

``ALL_RULES`` is the only list of rules: the engine, the config validator,
the docs, the CLI's ``rules`` command and every front end derive what they
need from it. A test checks that it agrees with the modules on disk.
"""

from __future__ import annotations

from ctxsep.rules.base import DOC_SECTIONS, Report, Rule, RuleContext
from ctxsep.rules.ctx001_session_in_context import SessionInContext
from ctxsep.rules.ctx002_legacy_context_constructor import LegacyContextConstructor
from ctxsep.rules.ctx003_missing_db_parameter import MissingDbParameter
from ctxsep.rules.ctx004_context_mutation import ContextMutation
from ctxsep.rules.ctx005_session_from_context import SessionFromContext
from ctxsep.rules.ctx006_dual_pattern_call import DualPatternCallRule
from ctxsep.rules.ctx007_legacy_reference import LegacyReference

ALL_RULES: tuple[Rule, ...] = (
    SessionInContext(),
    LegacyContextConstructor(),
    MissingDbParameter(),
    ContextMutation(),
    SessionFromContext(),
    DualPatternCallRule(),
    LegacyReference(),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
RULES_BY_SYMBOL: dict[str, Rule] = {rule.symbol: rule for rule in ALL_RULES}
#: The rules the AST engine runs (CLI, flake8, pylint); CTX006 needs types.
AST_RULES: tuple[Rule, ...] = tuple(rule for rule in ALL_RULES if not rule.needs_types)


def rule_for(code_or_symbol: str) -> Rule | None:
    key = code_or_symbol.strip()
    return RULES_BY_CODE.get(key.upper()) or RULES_BY_SYMBOL.get(key.lower())


__all__ = [
    "ALL_RULES",
    "AST_RULES",
    "DOC_SECTIONS",
    "RULES_BY_CODE",
    "RULES_BY_SYMBOL",
    "Report",
    "Rule",
    "RuleContext",
    "rule_for",
]
