"""Where a command's output goes, and what a closed pipe does to its exit code.

Every command that prints findings builds its whole output first, then
calls :func:`emit` with the exit code it has already decided. When the
reader has gone away (``ctxsep baseline check | head -1``), the rest of the
output is dropped and that exit code is kept: a failing run stays failing
under ``set -o pipefail`` (SPEC §10). ``--output-file FILE`` writes the
output atomically to FILE instead (never half-written, never coloured).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ctxsep.atomic import write_atomic
from ctxsep.model import CtxsepError


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail
    (the recipe of Python's signal documentation, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass


def emit(text: str, code: int, output_file: Path | None = None) -> int:
    """Write ``text`` to ``output_file`` or stdout; return ``code`` whatever happens to the pipe."""
    if output_file is not None:
        try:
            write_atomic(output_file, text)
        except OSError as exc:
            raise CtxsepError(f"{output_file}: cannot write the output: {exc.strerror or exc}") from None
        return code
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    return code


def add_output_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output-file",
        "--output",  # as `ctxsep report` spells it
        type=Path,
        default=None,
        dest="output_file",
        metavar="FILE",
        help="write the output to FILE (atomically, without colour) instead of stdout",
    )


def add_findings_output(
    parser: argparse.ArgumentParser, formats: tuple[str, ...] = ("concise", "github", "json", "text")
) -> None:
    """``--format``, ``-q`` and ``-o``, the same in every command that prints findings."""
    parser.add_argument(
        "--format",
        choices=formats,
        default="text",
        help="output format (default: text, each finding with its source line; concise: one line per finding)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    add_output_file(parser)


__all__ = ["add_findings_output", "add_output_file", "emit", "silence_stdout"]
