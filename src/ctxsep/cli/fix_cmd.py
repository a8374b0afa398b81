"""``ctxsep fix [PATH ...]``: apply the fixes of SPEC §11."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ctxsep.cli.options import add_common_options, cli_resolver, require_paths
from ctxsep.cli.selection import Selection, add_selection_options
from ctxsep.output.escape import escape

if TYPE_CHECKING:
    from ctxsep.fixes import FixRun


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fix",
        help="apply the fixes for findings (safe ones by default)",
        description="Rewrite files to fix findings, keeping comments and formatting. Each changed file is "
        "verified (it compiles, the fixed findings are gone, nothing new appears) before anything is written.",
    )
    parser.add_argument(
        "--diff", action="store_true", help="print a unified diff and write nothing (exit 1 if it would change a file)"
    )
    parser.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the files that could not be fixed (and the diff)"
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when a file could not be fixed or --diff would change one (2 still means a usage error)",
    )
    add_selection_options(parser, verb="fix")
    add_common_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    selection = Selection.from_args(args)
    resolver = cli_resolver(args, recheck=False)
    require_paths(resolver, args.paths)
    from ctxsep.fixes import run_fixes, write  # libcst: loaded only by the command that uses it

    result = run_fixes(args.paths, resolver, unsafe=args.unsafe_fixes, selects=selection.selects, jobs=args.jobs)
    if args.diff:
        import difflib  # imported when used: `check` imports this module for its parser

        for state in result.changed:
            sys.stdout.writelines(
                difflib.unified_diff(
                    state.original_text.splitlines(keepends=True),
                    state.text.splitlines(keepends=True),
                    fromfile=f"a/{escape(state.display)}",
                    tofile=f"b/{escape(state.display)}",
                )
            )
        _summary(result, sys.stderr, would=True, quiet=args.quiet)
        return 1 if (result.changed or result.failed) and not args.exit_zero else 0
    write(result)
    _summary(result, sys.stdout, would=False, quiet=args.quiet)
    return 1 if result.failed and not args.exit_zero else 0


def _summary(result: FixRun, out: Any, would: bool, quiet: bool = False) -> None:
    if quiet:
        _failures(result, out)
        return
    for state in result.changed:
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(state.fixed.items()))
        if not codes:
            verb = "would pass" if would else "passes"
            out.write(f"{escape(state.display)}: {verb} a session at call sites of a fixed function\n")
            continue
        out.write(
            f"{escape(state.display)}: {'would fix' if would else 'fixed'} {sum(state.fixed.values())} ({codes})\n"
        )
    for note in result.notes:
        out.write(f"{escape(note)}\n")
    _failures(result, out)
    total = sum(result.fixed.values())
    files = len(result.changed)
    verb = "Would fix" if would else "Fixed"
    out.write(f"{verb} {total} finding{'s' * (total != 1)} in {files} file{'s' * (files != 1)}.")
    if result.unsafe_left:
        out.write(f" {result.unsafe_left} more fix{'es' * (result.unsafe_left != 1)} available with --unsafe-fixes.")
    out.write("\n")
    stale = result.stale_baseline
    if stale:
        verb = "would be" if would else ("are now" if stale != 1 else "is now")
        entries = "entries" if stale != 1 else "entry"
        out.write(f"{stale} baseline {entries} {verb} stale; `ctxsep baseline update` shrinks the baseline.\n")


def _failures(result: FixRun, out: Any) -> None:
    for path, reason in sorted(result.failed.items()):
        out.write(f"{escape(path)}: not fixed: {escape(reason)}; left as it was\n")
