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
entries (user-configured ones included: the needles come from the file's own
config) cannot produce a finding, and need not be parsed.

(Hosts that hold a file as lines, like flake8, join them first: an
identifier never spans a line, so a line-by-line search would answer the
same, but it measured three times slower than ``"".join`` plus one search.)

Python normalises identifiers with NFKC, so a fullwidth ``U`` (U+FF35) spells the same
``UserExecutionContext``; text with non-ASCII characters is therefore
searched in its NFKC form, except when it is already in that form, where
the two searches are the same search. Bytes in an encoding other than UTF-8
(a coding cookie) are decoded leniently with that encoding first.
``tests/test_prefilter.py`` checks all of this against the engine.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from ctxsep.semantics import Vocabulary

#: vocabulary -> (its identifiers, their UTF-8 bytes). Keyed by id; the
#: vocabulary is kept in the value so the id cannot be reused meanwhile.
_MEMO: dict[int, tuple[Vocabulary, tuple[str, ...], tuple[bytes, ...]]] = {}
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)


def _needles(vocab: Vocabulary) -> tuple[tuple[str, ...], tuple[bytes, ...]]:
    memo = _MEMO.get(id(vocab))
    if memo is None or memo[0] is not vocab:
        every = sorted(vocab.context_identifiers())
        # A needle holding a shorter one (``EnhancedRequestScopedContext`` holds
        # ``RequestScopedContext``) can only be found where the shorter one is:
        # searching for it too never changes the answer.
        idents = tuple(i for i in every if not any(o != i and o in i for o in every))
        if len(_MEMO) > 64:  # a long-lived editor process re-reading configs
            _MEMO.clear()
        memo = _MEMO[id(vocab)] = (vocab, idents, tuple(ident.encode("utf-8") for ident in idents))
    return memo[1], memo[2]


def might_have_findings(data: bytes | str, vocab: Vocabulary) -> bool:
    """False only when the file provably cannot produce any finding."""
    idents, keys = _needles(vocab)
    if isinstance(data, str):
        return _text_might(data, idents)
    for key in keys:
        if key in data:
            return True
    if data.isascii():
        return False
    return any(_text_might(text, idents) for text in _decodings(data))


def _text_might(text: str, idents: tuple[str, ...]) -> bool:
    for ident in idents:
        if ident in text:
            return True
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return False  # the normal form is the text itself: searched already
    normal = unicodedata.normalize("NFKC", text)
    return any(ident in normal for ident in idents)


def _decodings(data: bytes) -> list[str]:
    """The text as Python could read it: UTF-8, and the encoding a coding
    cookie on the first two lines names, if any (undecodable bytes are
    replaced: the parse step reports undecodable files on its own)."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    head = data if first < 0 or second < 0 else data[: second + 1]
    texts = [data.decode("utf-8", errors="replace")]
    match = _COOKIE.search(head)
    if match is not None:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
            if encoding != "utf-8":
                texts.append(data.decode(encoding, errors="replace"))
        except (LookupError, UnicodeDecodeError):
            pass
    return texts
