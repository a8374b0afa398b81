"""The ``ctxsep`` command. Each subcommand lives in its own module with an
``add_parser(subparsers)`` and a ``run(args) -> int``.

Exit codes: 0 no unbaselined error, 1 at least one, 2 usage or config error.
A closed output pipe never changes the code a command decided (see
:mod:`ctxsep.cli.emit`); output cut short before a command decided exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ctxsep import __version__
from ctxsep.cli import baseline_cmd, check, explain, fix_cmd, gate_cmd, names, report_cmd, rules_cmd, server_cmd
from ctxsep.cli.emit import silence_stdout
from ctxsep.model import CtxsepError
from ctxsep.output.escape import escape

COMMANDS = (check, fix_cmd, baseline_cmd, gate_cmd, report_cmd, explain, names, rules_cmd, server_cmd)
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"ctxsep: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ctxsep",
        description="Keep a session-in-context -> separated-concerns migration honest, directory by directory.",
    )
    parser.add_argument("--version", action="version", version=f"ctxsep {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


# Options of ruff's ``check`` that ctxsep keeps in ``ctxsep fix``.
_FIX_ONLY = ("--fix", "--diff", "--unsafe-fixes")


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)subparser the command line chose: ``ctxsep baseline create``'s, not ``ctxsep``'s."""
    while True:
        chosen = None
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and getattr(args, action.dest, None):
                chosen = action.choices.get(getattr(args, action.dest))
        if chosen is None:
            return parser
        parser = chosen


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, reporting an unknown option against the subcommand that got it
    (its usage, not the top-level one), with a hint for ruff's fix flags."""
    args, extra = parser.parse_known_args(argv)
    if not extra:
        return args
    command = _command_parser(parser, args)
    message = f"unrecognized arguments: {' '.join(extra)}"
    if args.command == "check" and any(item.split("=")[0] in _FIX_ONLY for item in extra):
        message += "; fixes are made by `ctxsep fix` (ruff's `check --fix`)"
    command.error(message)
    raise AssertionError("unreachable")  # error() exits


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = _parse(parser, argv)
    try:
        code = int(args.handler(args))
        sys.stdout.flush()
        return code
    except CtxsepError as exc:
        for line in str(exc).splitlines():
            print(f"ctxsep: error: {escape(line)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader left before the command decided: never report success
        silence_stdout()
        return EXIT_FINDINGS


__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]
