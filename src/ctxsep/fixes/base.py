"""What a fix is: a stateless class declaring the codes it fixes, its
applicability and, in words, the conditions that make it safe. It looks at
one :class:`~ctxsep.fixes.view.FileView` and returns :class:`Fix` objects
(edits, never writes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ctxsep.fixes.view import FileView
from ctxsep.model import Fix


@dataclass(frozen=True)
class FixExample:
    """A before/after pair: a test (``tests/test_fix_examples.py`` runs
    ``ctxsep fix`` on ``before`` in a project of its own) and the rule
    pages' ``## Fix`` section. ``path`` is where the file sits; ``phase`` its
    phase."""

    before: str
    after: str
    unsafe: bool = False
    phase: str = "migrated"
    config: str = ""  # extra lines of ctxsep.toml


class FixProvider:
    #: what it does, one paragraph (the rule pages quote it)
    summary: ClassVar[str]
    examples: ClassVar[tuple[FixExample, ...]] = ()
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
