"""``ctxsep report [PATH]``: the migration's state per directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ctxsep.atomic import write_atomic
from ctxsep.cli.options import add_config, add_jobs, resolver_for_path
from ctxsep.model import CtxsepError
from ctxsep.output.graph import GRAPH_FORMATS

#: The report's modules are imported when the command runs: every other
#: command (``check`` first) starts faster without them.
RENDERERS = ("html", "json", "md")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="per directory: phase, legacy vs scoped calls, findings by rule, readiness for the next phase",
        description="Report the migration's state for every directory under PATH (default: .): its phase, "
        "legacy constructor calls vs scoped factory calls, findings per rule (error / warn / baselined) "
        "and whether its files would pass the gate to the next phase.",
    )
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="directory to report on (default: .)")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="md", help="output format (default: md)")
    parser.add_argument(
        "--graph",
        nargs="?",
        const="mermaid",
        choices=GRAPH_FORMATS,
        default=None,
        metavar="{mermaid,dot}",
        help="add a graph of the modules that still import or use legacy symbols (default: mermaid)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=None, metavar="FILE", help="write the report to FILE instead of stdout"
    )
    add_jobs(parser)
    add_config(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    resolver = resolver_for_path(args)
    from ctxsep.migration.report import run_report
    from ctxsep.output.report import render_json, render_md
    from ctxsep.output.report_html import render_html

    renderers = {"md": render_md, "json": render_json, "html": render_html}
    report = run_report(args.path, resolver, jobs=args.jobs)
    text = renderers[args.format](report, args.graph)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomic(resolver.cwd / args.output, text)
        except OSError as exc:
            raise CtxsepError(f"{args.output}: cannot write the report: {exc.strerror or exc}") from None
    return 0
