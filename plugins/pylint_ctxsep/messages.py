"""pylint message ids and symbols, derived from the rule registry.

Every rule ``CTX0NN`` gets two messages in checker id ``57`` (pylint reserves
51-99 for external checkers; 57 is not used by pylint's own extensions nor by
the plugins we surveyed — see docs/integrations/pylint.md):

- ``E57NN`` with the rule's own symbol (``legacy-context-constructor``), used
  where the file's phase makes the rule an error;
- ``W57NN`` with ``<symbol>-warning``, used where the rule is a warning, so
  ``--fail-on=E`` lets a transitional directory's warnings pass.

pylint requires globally unique symbols, so the two cannot share one. The
rule's symbol (the E message) is the rule's switch: the checker only emits the
W message where the E message is enabled too, so
``# pylint: disable=legacy-context-constructor`` silences the rule at both
severities, while ``...-warning`` silences only its warnings. (``old_names``
cannot do this: an old name that points at both messages makes every
``add_message`` of the E message emit the W message as well.)

Ids 90-99 are reserved for messages that are not rules: ``F5790`` (a file
ctxsep could not check, ``CTX900``) and ``F5791`` (a broken ctxsep config,
``CTX901``). They are fatal in pylint's sense: ctxsep could not do its job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctxsep.model import CONFIG_ERROR_CODE, CONFIG_ERROR_SYMBOL, SKIPPED_CODE, SKIPPED_SYMBOL
from ctxsep.rules import ALL_RULES, Rule

if TYPE_CHECKING:
    from pylint.typing import MessageDefinitionTuple

CHECKER_ID = "57"
_FIRST_RESERVED = 90

SKIPPED_MSGID = f"F{CHECKER_ID}90"
SKIPPED_MSG_SYMBOL = f"ctxsep-{SKIPPED_SYMBOL}"
CONFIG_ERROR_MSGID = f"F{CHECKER_ID}91"
CONFIG_ERROR_MSG_SYMBOL = f"ctxsep-{CONFIG_ERROR_SYMBOL}"


def _suffix(rule: Rule) -> str:
    if not 0 < rule.number < _FIRST_RESERVED:
        raise ValueError(f"{rule.code}: pylint ids {CHECKER_ID}01-{CHECKER_ID}{_FIRST_RESERVED - 1} hold rules")
    return f"{CHECKER_ID}{rule.number:02d}"


def error_msgid(rule: Rule) -> str:
    return f"E{_suffix(rule)}"


def warning_msgid(rule: Rule) -> str:
    return f"W{_suffix(rule)}"


def warning_symbol(rule: Rule) -> str:
    return f"{rule.symbol}-warning"


def build_messages() -> dict[str, MessageDefinitionTuple]:
    """The checker's ``msgs`` table: the text is the engine's message, which
    already starts with the rule code."""
    msgs: dict[str, MessageDefinitionTuple] = {}
    for rule in ALL_RULES:
        more = f"Run `ctxsep rules {rule.code}` for the rule's documentation."
        msgs[error_msgid(rule)] = (
            "%s",
            rule.symbol,
            f"{rule.code}: {rule.summary}. Used where the file's migration phase makes "
            f"{rule.code} an error; disabling this symbol disables the rule at every "
            f"severity. {more}",
        )
        msgs[warning_msgid(rule)] = (
            "%s",
            warning_symbol(rule),
            f"{rule.code}: {rule.summary}. Used where the file's migration phase makes {rule.code} a warning. {more}",
        )
    msgs[SKIPPED_MSGID] = (
        "%s",
        SKIPPED_MSG_SYMBOL,
        f"{SKIPPED_CODE}: ctxsep could not check this file (the message says why); "
        "pylint's own messages for the file are unaffected.",
    )
    msgs[CONFIG_ERROR_MSGID] = (
        "%s",
        CONFIG_ERROR_MSG_SYMBOL,
        f"{CONFIG_ERROR_CODE}: the ctxsep config governing this file is broken; the message names "
        "the file and the key. Reported once per run; files under that config are not checked.",
    )
    return msgs
