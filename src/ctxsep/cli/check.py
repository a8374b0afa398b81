"""``ctxsep check [PATH ...]``: check files and directories."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ctxsep.cache import ResultCache
from ctxsep.cli import progress
from ctxsep.cli.options import add_common_options
from ctxsep.config import SettingsResolver
from ctxsep.output import FORMATS
from ctxsep.runner import run_check


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check files and directories",
        description="Check Python files. Each file's config (and phase) is found from its own directory.",
    )
    parser.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
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
    add_common_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    resolver = SettingsResolver(explicit=args.config, recheck=False)  # one run: each config read once
    no_cache = args.no_cache or os.environ.get("CTXSEP_NO_CACHE", "") not in ("", "0")
    cache = None if no_cache else ResultCache(resolver.cwd, args.cache_dir)
    shown = progress.for_check(sys.stderr, args.quiet)  # files done / total, on a terminal only
    try:
        result = run_check(
            args.paths,
            resolver,
            jobs=args.jobs,
            baseline=not args.no_baseline,
            cache=cache,
            progress=shown.update if shown is not None else None,
        )
    finally:
        if shown is not None:
            shown.close()
    result.show_baselined = args.show_baselined
    sys.stdout.write(FORMATS[args.format](result, args.quiet))
    return 1 if result.failed else 0
