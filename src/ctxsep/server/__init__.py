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

import logging
import sys
from typing import BinaryIO


def serve(stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
    """Run the server on stdin/stdout until the client says exit."""
    from ctxsep.server.app import create_server

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="ctxsep server: %(levelname)s %(message)s")
    server = create_server()
    server.start_io(stdin, stdout)
    return 0


__all__ = ["serve"]
