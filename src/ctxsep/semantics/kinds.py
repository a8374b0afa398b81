"""The answer to "is this value a context or a session?" (:class:`Evidence`),
shared by the modules that work it out."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ctxsep.semantics.resolve import TypeRef
from ctxsep.semantics.vocabulary import Category


class ContextKind(enum.Flag):
    NONE = 0
    LEGACY = enum.auto()
    SCOPED = enum.auto()
    #: a context of a kind the evidence does not tell (``with <context scope>(...) as c``)
    UNKNOWN = enum.auto()


TYPE_KIND = {
    Category.LEGACY_CONTEXT_TYPE: ContextKind.LEGACY,
    Category.SCOPED_CONTEXT_TYPE: ContextKind.SCOPED,
    Category.LEGACY_CONSTRUCTOR: ContextKind.LEGACY,
    Category.SCOPED_FACTORY: ContextKind.SCOPED,
}


@dataclass(frozen=True, slots=True)
class Evidence:
    context: ContextKind = ContextKind.NONE
    session: bool = False
    type_name: str = ""  # e.g. "RequestScopedContext", for messages

    @property
    def is_context(self) -> bool:
        return bool(self.context)

    def __or__(self, other: Evidence) -> Evidence:
        return Evidence(
            self.context | other.context,
            self.session or other.session,
            self.type_name or other.type_name,
        )


NOTHING = Evidence()
SESSION = Evidence(session=True)


def evidence_from_types(refs: list[TypeRef]) -> Evidence:
    result = NOTHING
    for ref in refs:
        if ref.category is Category.SESSION_TYPE:
            result = result | Evidence(session=True, type_name=ref.name)
        elif ref.category in TYPE_KIND:
            result = result | Evidence(TYPE_KIND[ref.category], type_name=ref.name)
    return result
