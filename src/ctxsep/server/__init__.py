"""``ctxsep server``: a language server over stdio (pygls and lsprotocol,
installed with ``pip install 'ctxsep[server]'``).

A front end like the CLI and the plugins (STYLE 18): it owns the open
documents and asks the same engine. ``lint`` checks one buffer as
``ctxsep check`` checks the file (no LSP there); ``convert`` turns findings
and config problems into diagnostics; ``hover`` explains a finding;
``app`` is the pygls server; ``actions`` turns ``ctxsep fix``'s fixes into code
actions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import BinaryIO


def serve(stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
    """Run the server on stdin/stdout until the client says exit.

    The protocol gets its own handles on the two file descriptors, and
    ``sys.stdout`` points at stderr meanwhile: a stray ``print`` anywhere
    cannot corrupt the LSP stream, and pygls closing its stream at exit
    leaves the interpreter's own stdout intact."""
    from ctxsep.server.app import create_server

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="ctxsep server: %(levelname)s %(message)s")
    owned: list[BinaryIO] = []
    if stdin is None:
        stdin = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
        owned.append(stdin)
    if stdout is None:
        stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
        owned.append(stdout)
    server = create_server()
    try:
        with contextlib.redirect_stdout(sys.stderr):
            server.start_io(stdin, stdout)
    finally:
        for stream in owned:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
    return 0


__all__ = ["serve"]
