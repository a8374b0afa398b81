"""mypy error codes, derived from the rule registry: ``ctx-<symbol>``.

Created at import (mypy validates ``--disable-error-code`` and
``# type: ignore[...]`` names after loading plugins), one per rule, so
``# type: ignore[ctx-dual-pattern-call]``, ``--disable-error-code
ctx-session-in-context`` and ``disable_error_code`` in a per-module section
work for every rule — including CTX003 and CTX007, which only the AST front
ends report (naming them is harmless).
"""

from __future__ import annotations

from mypy.errorcodes import ErrorCode

from ctxsep.model import CONFIG_ERROR_SYMBOL, SKIPPED_SYMBOL
from ctxsep.rules import ALL_RULES

CATEGORY = "ctxsep"


def code_name(symbol: str) -> str:
    return f"ctx-{symbol}"


#: rule code (``CTX006``) -> mypy error code (``ctx-dual-pattern-call``)
CODES: dict[str, ErrorCode] = {
    rule.code: ErrorCode(code_name(rule.symbol), f"{rule.code}: {rule.summary}", CATEGORY) for rule in ALL_RULES
}
#: A ctxsep config or baseline that cannot be used (CTX901 elsewhere).
CONFIG_ERROR = ErrorCode(code_name(CONFIG_ERROR_SYMBOL), "ctxsep config or baseline cannot be used", CATEGORY)
#: ctxsep failed on a call, attribute or class (a bug in ctxsep; CTX900 elsewhere).
SKIPPED = ErrorCode(code_name(SKIPPED_SYMBOL), "ctxsep could not check something (a bug in ctxsep)", CATEGORY)
