"""``ctxsep server``: the language server, for editors (LSP over stdio)."""

from __future__ import annotations

import argparse
from typing import Any

from ctxsep.model import CtxsepError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "server",
        help="run the language server (LSP over stdio) for editors",
        description="Run ctxsep's language server on stdin/stdout. Editors start it; see "
        "docs/integrations/editors.md. Needs the server extra: pip install 'ctxsep[server]'.",
    )
    # Generic LSP client extensions often append --stdio; it is the only transport.
    parser.add_argument(
        "--stdio", action="store_true", help="speak LSP on stdin/stdout (the default and only transport)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise CtxsepError("ctxsep server needs pygls and lsprotocol: pip install 'ctxsep[server]'") from None
    from ctxsep.server import serve  # lazily: other commands never pay for pygls

    return serve()
