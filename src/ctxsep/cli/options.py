"""Command-line options several commands share, defined once."""

from __future__ import annotations

import argparse
from pathlib import Path

from ctxsep.config import SettingsResolver
from ctxsep.model import CtxsepError


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j", "--jobs", type=positive_int, default=None, metavar="N", help="worker processes (default: all cores)"
    )


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="use this ctxsep.toml/pyproject.toml for every file instead of discovering one per file",
    )


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """PATH ..., -j and --config: shared by every command that checks files."""
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    add_jobs(parser)
    add_config(parser)


def resolver_for_path(args: argparse.Namespace) -> SettingsResolver:
    """The resolver for a command on one PATH (``gate``, ``report``), after
    checking that PATH exists: a mistyped directory is an error, not an
    empty result."""
    resolver = SettingsResolver(explicit=args.config)
    if not (resolver.cwd / args.path).exists():
        raise CtxsepError(f"{args.path}: no such file or directory")
    return resolver
