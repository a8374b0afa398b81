"""pylint front end: ``pylint --load-plugins=pylint_ctxsep``.

Registers one checker, ``ctxsep``, with an E and a W message per rule
(``E5702 legacy-context-constructor`` / ``W5702
legacy-context-constructor-warning``) chosen by each file's migration phase,
so ``--fail-on=E`` lets warnings pass. See docs/integrations/pylint.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pylint_ctxsep.checker import CtxsepChecker

if TYPE_CHECKING:
    from pylint.lint import PyLinter

__all__ = ["CtxsepChecker", "register"]


def register(linter: PyLinter) -> None:
    """Called by pylint for ``load-plugins``."""
    linter.register_checker(CtxsepChecker(linter))
