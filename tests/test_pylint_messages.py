"""The plugin's message table: derived from the rule registry, accepted by
pylint next to all of pylint's own checkers and extensions, documented, and
picklable after use (pylint pickles the linter for ``-j``)."""

from __future__ import annotations

import re

import dill
from pylint import checkers, extensions
from pylint.checkers import BaseRawFileChecker
from pylint.lint import PyLinter, Run
from pylint.reporters import CollectingReporter
from support import FIXTURES, ROOT

import pylint_ctxsep
from ctxsep.rules import ALL_RULES
from pylint_ctxsep.messages import (
    CONFIG_ERROR_MSG_SYMBOL,
    CONFIG_ERROR_MSGID,
    SKIPPED_MSG_SYMBOL,
    SKIPPED_MSGID,
    build_messages,
)

DOC = ROOT / "docs" / "integrations" / "pylint.md"


def test_every_rule_has_an_error_and_a_warning_message() -> None:
    msgs = build_messages()
    for rule in ALL_RULES:
        number = f"{rule.number:02d}"
        assert msgs[f"E57{number}"][1] == rule.symbol
        assert msgs[f"W57{number}"][1] == f"{rule.symbol}-warning"
        assert rule.code in msgs[f"E57{number}"][2]
    assert msgs[SKIPPED_MSGID][1] == SKIPPED_MSG_SYMBOL
    assert msgs[CONFIG_ERROR_MSGID][1] == CONFIG_ERROR_MSG_SYMBOL
    assert len(msgs) == 2 * len(ALL_RULES) + 2


def test_registers_next_to_every_pylint_checker_and_extension() -> None:
    """A msgid or symbol collision raises InvalidMessageError at registration."""
    linter = PyLinter()
    checkers.initialize(linter)
    extensions.initialize(linter)
    pylint_ctxsep.register(linter)
    assert linter.msgs_store.get_message_definitions("legacy-context-constructor")[0].msgid == "E5702"


def test_every_message_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for msgid, (_, symbol, *_rest) in build_messages().items():
        assert re.search(rf"`{msgid} {re.escape(symbol)}`", text), f"{msgid} {symbol} missing from {DOC.name}"


def test_linter_stays_picklable_after_checking() -> None:
    """pylint pickles the linter with its checkers (dill) for -j, and editors
    reuse one process: the state ctxsep adds to the checker must stay plain
    data. (pylint's own attributes lead to the linter, which holds pytest's
    captured streams here.)"""
    reporter = CollectingReporter()
    run = Run(
        [
            "--rcfile=/dev/null",
            "--load-plugins=pylint_ctxsep",
            "--disable=all",
            "--enable=ctxsep",
            "--persistent=n",
            str(FIXTURES / "rules" / "ctx002_legacy_constructor.py"),
        ],
        reporter=reporter,
        exit=False,
    )
    assert {message.msg_id for message in reporter.messages} == {"E5702"}
    (checker,) = [c for c in run.linter.get_checkers() if c.name == "ctxsep"]
    assert checker._resolvers, "the run should have left its config cache behind"
    base = vars(BaseRawFileChecker(run.linter))
    state = {key: value for key, value in vars(checker).items() if key not in base}
    assert set(state) == {"_resolvers", "_reported_problems", "_module_problems"}
    assert dill.loads(dill.dumps(state)).keys() == state.keys()
