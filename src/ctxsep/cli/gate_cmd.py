"""``ctxsep gate PATH --to PHASE``: what promoting PATH would surface."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ctxsep.cli.emit import add_output_file, emit
from ctxsep.cli.options import add_config, add_jobs, resolver_for_path
from ctxsep.model import PHASE_NAMES, Phase
from ctxsep.output.style import Style, wants_colour


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "gate",
        help="show what promoting PATH to a phase would surface (baseline ignored)",
        description="Simulate setting the phase-map key for PATH to PHASE and check every file under PATH "
        "at its resulting phase, ignoring the baseline. Exit 1 if any finding would be an error.",
    )
    parser.add_argument("path", metavar="PATH", help="the directory or file to promote")
    parser.add_argument("--to", required=True, choices=PHASE_NAMES, metavar="PHASE", help="the phase to promote to")
    parser.add_argument(
        "--format",
        choices=("concise", "github", "json", "text"),
        default="text",
        help="output format (default: text, grouped by file and rule; concise: one line per finding)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the verdict")
    add_output_file(parser)
    add_jobs(parser)
    add_config(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    resolver = resolver_for_path(args)
    from ctxsep.migration.gate import run_gate  # imported when used: other commands start faster
    from ctxsep.output.gate import render_concise, render_github, render_json, render_text

    gate = run_gate(args.path, Phase.parse(args.to), resolver, jobs=args.jobs)
    if args.format == "json":
        text = render_json(gate, args.quiet)
    elif args.format == "github":
        text = render_github(gate, args.quiet)
    elif args.format == "concise":
        colour = args.output_file is None and wants_colour(sys.stdout)
        text = render_concise(gate, args.quiet, Style(colour))
    else:
        text = render_text(gate, args.quiet)
    return emit(text, 0 if gate.passes else 1, args.output_file)
