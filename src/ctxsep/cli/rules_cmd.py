"""``ctxsep rules [CODE]``: the rule table, or one rule's documentation."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ctxsep.cli.emit import emit
from ctxsep.model import CtxsepError, Phase
from ctxsep.output.style import PLAIN, Style, wants_colour
from ctxsep.rules import ALL_RULES, rule_for


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="list the rules, or show one rule's documentation",
        description="Without CODE, list every rule with its default severity per phase. "
        "With CODE (or symbol), print that rule's documentation.",
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="e.g. CTX003 or missing-db-parameter")
    parser.add_argument(
        "--format",
        choices=("text", "md"),
        default="text",
        help="text (default: readable in a terminal) or md (the Markdown page of docs/rules/)",
    )
    parser.set_defaults(handler=run)


def table() -> str:
    phases = list(Phase)
    header = f"{'code':<7} {'symbol':<28} " + " ".join(f"{p.label:<12}" for p in phases) + " summary"
    lines = [header]
    for rule in ALL_RULES:
        row = " ".join(f"{rule.severity(p).label:<12}" for p in phases)
        lines.append(f"{rule.code:<7} {rule.symbol:<28} {row} {rule.summary}")
    return "\n".join(lines) + "\n"


def document(code: str, fmt: str = "text", style: Style = PLAIN) -> str:
    from ctxsep.output import rule_docs, terminal_doc  # imported when used: `check` imports this module

    rule = rule_for(code)
    if rule is None:
        known = ", ".join(r.code for r in ALL_RULES)
        raise CtxsepError(f"unknown rule {code!r}; rules are {known}")
    if fmt == "md":
        return rule_docs.render(rule)
    title = f"{rule.code} {rule.symbol}: {rule.summary}"
    severities = ", ".join(f"{p.label} {rule.severity(p).label}" for p in Phase)
    return f"{style.paint(title, 'bold')}\n{'=' * len(title)}\n\nDefault severity: {severities}.\n\n" + (
        terminal_doc.render("\n".join(rule_docs.body(rule)), style)
    )


def run(args: argparse.Namespace) -> int:
    text = document(args.code, args.format, Style(wants_colour(sys.stdout))) if args.code else table()
    return emit(text, 0)
