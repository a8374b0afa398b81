"""What a fix is: a stateless class declaring the codes it fixes, its
applicability and, in words, the conditions that make it safe. It looks at
one :class:`~ctxsep.fixes.view.FileView` and returns :class:`Fix` objects
(edits, never writes)."""

from __future__ import annotations

from typing import ClassVar

from ctxsep.fixes.view import FileView
from ctxsep.model import Fix


class FixProvider:
    #: short name, as docs and ``--select`` name it
    name: ClassVar[str]
    #: the finding codes whose findings it removes
    codes: ClassVar[tuple[str, ...]]
    #: "safe" or "unsafe" (a provider may offer both kinds; this is its most common)
    applicability: ClassVar[str]
    #: when the fix keeps the code's meaning, in words (the docs quote it)
    conditions: ClassVar[str]

    def fixes(self, view: FileView) -> list[Fix]:
        raise NotImplementedError


class NotOffered(Exception):
    """A fix cannot be offered here; the message says why."""
