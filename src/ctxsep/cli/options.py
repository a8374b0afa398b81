"""Command-line options several commands share, defined once."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from ctxsep.config import SettingsResolver
from ctxsep.model import CtxsepError
from ctxsep.textsafe import escape


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
    resolver = cli_resolver(args)
    require_paths(resolver, [args.path])
    return resolver


# -- nothing falls back in silence (SPEC §5) ---------------------------------------


def warn_on_stderr(message: str) -> None:
    """A config warning or note, on stderr (stdout may be JSON or SARIF)."""
    print(f"ctxsep: {message}", file=sys.stderr)


def cli_resolver(args: argparse.Namespace, recheck: bool = True) -> SettingsResolver:
    """The resolver of a CLI command: ``--config``, and config warnings
    (phase-map keys matching nothing, no config at all) on stderr."""
    return SettingsResolver(explicit=args.config, recheck=recheck, warn=warn_on_stderr)


def require_paths(resolver: SettingsResolver, paths: Iterable[str]) -> None:
    """A PATH that does not exist is a usage error (exit 2), never an empty
    result or a finding about a file that is not there."""
    for path in paths:
        if not (resolver.cwd / path).exists():  # a dangling symlink names nothing either
            raise CtxsepError(f"{escape(path)}: no such file or directory")


def cache_disabled(args: argparse.Namespace) -> bool:
    """``--no-cache``, or ``CTXSEP_NO_CACHE`` set to anything but empty or ``0``
    (``check`` and ``report --history`` read both the same way)."""
    return bool(args.no_cache) or os.environ.get("CTXSEP_NO_CACHE", "") not in ("", "0")
