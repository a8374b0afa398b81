"""What a class's own design says, beyond "is it a context": which of its
attributes hold a session. CTX001 reports them; ``ctxsep names`` shows them
as evidence when a human picks the legacy class among several.
"""

from __future__ import annotations

import ast

from ctxsep.semantics.evidence import ClassFacts
from ctxsep.semantics.resolve import Resolver
from ctxsep.semantics.vocabulary import Category


def session_attributes(facts: ClassFacts, resolver: Resolver) -> list[tuple[str, ast.AST]]:
    """Each attribute the class declares that holds a session — named like
    one (``db_session``) or annotated with a session type — with the node of
    its first declaration (a field annotation or the first ``self.x = ...``),
    in source order."""
    found = []
    for attr, declarations in facts.declarations.items():
        if attr in resolver.vocab.session_names or any(
            ref.category is Category.SESSION_TYPE
            for _, _, annotation, scope in declarations
            for ref in resolver.annotation_types(annotation, scope)
        ):
            found.append((attr, declarations[0][0]))
    found.sort(key=lambda item: (getattr(item[1], "lineno", 0), getattr(item[1], "col_offset", 0)))
    return found
