"""``ctxsep check [PATH ...]``: check files and directories."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ctxsep.cache import ResultCache
from ctxsep.cli import progress
from ctxsep.cli.emit import add_output_file, emit
from ctxsep.cli.options import add_common_options, cache_disabled, cli_resolver, require_paths
from ctxsep.cli.selection import Selection, add_selection_options
from ctxsep.fixes.marks import attach_fixes
from ctxsep.model import CtxsepError
from ctxsep.output import FORMATS, statistics, text
from ctxsep.output.escape import escape
from ctxsep.output.style import Style, wants_colour
from ctxsep.runner import RunResult, run_check


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check files and directories",
        description="Check Python files. Each file's config (and phase) is found from its own directory.",
    )
    parser.add_argument(
        "--format",
        choices=sorted(FORMATS),
        default="text",
        help="output format (default: text, each finding with its source line; concise: one line per finding)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    parser.add_argument(
        "--statistics", action="store_true", help="print the number of findings per rule instead of the findings"
    )
    parser.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are errors (2 still means a usage error)"
    )
    add_output_file(parser)
    hidden = parser.add_mutually_exclusive_group()
    hidden.add_argument(
        "--show-baselined", action="store_true", help="also show findings the baseline hides, marked as baselined"
    )
    hidden.add_argument("--no-baseline", action="store_true", help="ignore the baseline: report every finding")
    caching = parser.add_mutually_exclusive_group()
    caching.add_argument(
        "--no-cache", action="store_true", help="check every file afresh; neither read nor write the result cache"
    )
    caching.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the result cache in DIR (default: .ctxsep_cache beside the config file, or in the cwd)",
    )
    parser.add_argument(
        "-w",
        "--watch",
        action="store_true",
        help="check again whenever a file under PATH changes (needs the `watch` extra); stop with Ctrl-C",
    )
    add_selection_options(parser)
    add_common_options(parser)
    parser.set_defaults(handler=run)


def render(args: argparse.Namespace, result: RunResult, colour: bool) -> str:
    style = Style(colour)
    if args.statistics:
        if args.format == "json":
            return statistics.render_json(result)
        return statistics.render_text(result, style)
    if args.format in ("text", "concise"):
        return text.render(result, args.quiet, style=style, snippets=args.format == "text")
    return FORMATS[args.format](result, args.quiet)


def check_once(args: argparse.Namespace, selection: Selection) -> int:
    resolver = cli_resolver(args, recheck=False)  # one run: each config read once
    require_paths(resolver, args.paths)
    cache = None if cache_disabled(args) else ResultCache(resolver.cwd, args.cache_dir)
    with progress.for_run(sys.stderr, args.quiet) as shown:  # files done / total, on a terminal only
        result = run_check(
            args.paths,
            resolver,
            jobs=args.jobs,
            baseline=not args.no_baseline,
            cache=cache,
            progress=shown.update if shown is not None else None,
        )
    result.show_baselined = args.show_baselined
    for problem in cache.problems if cache is not None else ():
        print(f"ctxsep: warning: {escape(problem)}", file=sys.stderr)
    result = selection.apply(result)
    attach_fixes(result, resolver, cache, jobs=args.jobs)
    code = 1 if result.failed and not args.exit_zero else 0
    colour = args.output_file is None and wants_colour(sys.stdout)
    return emit(render(args, result, colour), code, args.output_file)


def run(args: argparse.Namespace) -> int:
    if args.statistics and args.format not in ("text", "concise", "json"):
        raise CtxsepError(f"--statistics prints a table (text) or JSON, not {args.format}")
    selection = Selection.from_args(args)
    if args.watch:
        from ctxsep.cli.watch import watch  # imported when used: needs the `watch` extra

        return watch(args, lambda: check_once(args, selection))
    return check_once(args, selection)
