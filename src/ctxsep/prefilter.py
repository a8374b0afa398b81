"""A byte-level test that lets most files skip parsing altogether.

Soundness: every rule needs a *context* (CTX001, CTX003, CTX004, CTX005) or a
*legacy name* (CTX002, CTX007), and the only evidence that makes something a
context or legacy is a vocabulary entry whose identifier appears in the file:
an annotation, a ``Depends(...)`` provider, a call, a base class, an import
(``from m import Name as Alias`` still spells ``Name``), a same-file alias
(whose right-hand side spells it), a string annotation or an ``__all__``
string. Session evidence alone never produces a finding. Aliases defined in
*other* modules are not followed by the AST engine; they have to be named in
the vocabulary, so their identifiers are in the set too. Hence a file that
contains none of the last components of the context-related vocabulary
entries cannot produce a finding, and need not be parsed.

Python normalises identifiers with NFKC, so a file with non-ASCII bytes is
normalised before the test (a fullwidth ``U`` spells the same ``UserExecutionContext``).
"""

from __future__ import annotations

import unicodedata

from ctxsep.semantics import Vocabulary


def needles(vocab: Vocabulary) -> tuple[bytes, ...]:
    return tuple(sorted(ident.encode("utf-8") for ident in vocab.context_identifiers()))


def might_have_findings(data: bytes | str, vocab: Vocabulary) -> bool:
    """False only when the file provably cannot produce any finding."""
    if isinstance(data, str):
        text = data
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        return any(ident in text for ident in vocab.context_identifiers())
    keys = needles(vocab)
    if any(key in data for key in keys):
        return True
    if data.isascii():
        return False
    # Non-ASCII bytes: decode leniently and normalise; the parse step reports
    # undecodable files on its own, so being generous here costs nothing.
    text = data.decode("utf-8", errors="replace")
    return any(ident in unicodedata.normalize("NFKC", text) for ident in vocab.context_identifiers())
