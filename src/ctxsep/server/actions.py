"""Code actions: the seam where ``ctxsep fix``'s fixes become editor actions.

SPEC §12 asks for every fix of §11 as a ``quickfix`` on the finding under
the cursor (unsafe ones labelled so), ``source.fixAll.ctxsep`` applying the
safe ones, and fixes that touch other files as one ``WorkspaceEdit``. The
fixes are data made beside their rules (STYLE 16) by ``ctxsep.fixes``; this
module only translates them. Until that engine exists the server offers no
code actions: :func:`register` registers nothing, and the server's
capabilities do not claim a code action provider.
"""

from __future__ import annotations

from typing import Any


def register(server: Any) -> None:
    """Register ``textDocument/codeAction`` on ``server`` when fixes exist."""


__all__ = ["register"]
