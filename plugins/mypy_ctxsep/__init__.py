"""mypy front end: the type-exact half of ctxsep, as a mypy plugin.

Enable it in the mypy config — ``plugins = ["mypy_ctxsep"]`` under
``[tool.mypy]`` (or ``plugins = mypy_ctxsep`` in ``mypy.ini``). The ctxsep
config and phase map are the same files every other front end reads, found
from each module's own directory.

The plugin reports what only types show (SPEC §6): CTX006 dual-pattern-call,
and the type-exact cases of CTX001/CTX002/CTX004/CTX005 that the AST engine
behind the CLI, flake8 and pylint cannot see. A case the AST engine reports
too is left to it (``ctxsep.typed_findings``). Error codes are
``ctx-<symbol>``; ``warn`` findings are notes, ``error`` findings errors.
See docs/integrations/mypy.md.

This module is mypy's entry point, and mypy's plugin snapshot hashes it and
reads its ``__version__``; the plugin itself lives in
:mod:`mypy_ctxsep.hooks` (not a submodule named ``plugin``: importing it would
replace this module's ``plugin`` function with the submodule, and the daemon,
which calls the entry point again on every run, would find a module).
"""

from __future__ import annotations

from mypy.plugin import Plugin

from ctxsep import __version__

SUPPORTED = "mypy>=1.14,<3"


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: called with mypy's version, returns the class."""
    from mypy_ctxsep.hooks import CtxsepPlugin

    return CtxsepPlugin


__all__ = ["SUPPORTED", "__version__", "plugin"]
