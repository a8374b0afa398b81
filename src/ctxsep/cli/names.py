"""``ctxsep names [PATH ...]``: every definition and alias each vocabulary
entry matches in the tree, and the dotted ``[tool.ctxsep.names]`` lines to
paste."""

from __future__ import annotations

import argparse
from typing import Any

from ctxsep.cli.emit import emit
from ctxsep.cli.options import add_common_options, cli_resolver


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "names",
        help="list what each vocabulary name matches in the tree and suggest dotted entries",
        description="List every class, function and module-level alias each vocabulary entry matches under "
        "PATH, flag bare names that match more than one, and print [tool.ctxsep.names] lines to paste.",
    )
    add_common_options(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json", "toml"),
        default="text",
        help="the report (default), the same data as JSON, or only the [names] block to paste",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ctxsep.inventory import scan  # imported when used: `check` imports this module for its parser
    from ctxsep.output.names_format import paste_block, render_json, render_text

    resolver = cli_resolver(args)
    inventory = scan(args.paths, resolver, jobs=args.jobs)
    if args.format == "json":
        text = render_json(inventory)
    elif args.format == "toml":
        text = paste_block(inventory) + "\n"
    else:
        text = render_text(inventory)
    return emit(text, 0)  # a closed pipe keeps the exit code
