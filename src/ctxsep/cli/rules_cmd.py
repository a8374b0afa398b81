"""``ctxsep rules [CODE]``: the rule table, or one rule's documentation."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ctxsep.model import CtxsepError, Phase
from ctxsep.rules import ALL_RULES, rule_for


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="list the rules, or show one rule's documentation",
        description="Without CODE, list every rule with its default severity per phase. "
        "With CODE (or symbol), print that rule's documentation.",
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="e.g. CTX003 or missing-db-parameter")
    parser.set_defaults(handler=run)


def table() -> str:
    phases = list(Phase)
    header = f"{'code':<7} {'symbol':<28} " + " ".join(f"{p.label:<12}" for p in phases) + " summary"
    lines = [header]
    for rule in ALL_RULES:
        row = " ".join(f"{rule.severity(p).label:<12}" for p in phases)
        lines.append(f"{rule.code:<7} {rule.symbol:<28} {row} {rule.summary}")
    return "\n".join(lines) + "\n"


def document(code: str) -> str:
    rule = rule_for(code)
    if rule is None:
        known = ", ".join(r.code for r in ALL_RULES)
        raise CtxsepError(f"unknown rule {code!r}; rules are {known}")
    title = f"{rule.code} {rule.symbol}: {rule.summary}"
    return f"{title}\n{'=' * len(title)}\n\n{rule.doc}\n"


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(document(args.code) if args.code else table())
    return 0
