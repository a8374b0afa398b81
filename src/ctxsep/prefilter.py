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

A rule may need less: CTX003 starts only from a *request-scoped* context,
so where it is the only rule enabled (the ``legacy`` phase), only the names
that give request-scoped evidence are needles (``Rule.context_kinds``, and
``needles_for``). Every kind of evidence comes from a vocabulary category
(``semantics.kinds.TYPE_KIND``) or, of no known kind, from a context scope;
the rest of the semantics only passes evidence on.

Python normalises identifiers with NFKC, so a fullwidth ``U`` (U+FF35) spells the same
``UserExecutionContext``; text with non-ASCII characters is therefore
searched in its NFKC form, except when it is already in that form, where
the two searches are the same search.

Bytes whose coding cookie names an encoding other than UTF-8 are decoded
exactly as Python decodes them (``tokenize.detect_encoding``, then that
codec) and the *text* is searched: ASCII bytes are no proof of anything
under ``# coding: unicode_escape``, ``raw_unicode_escape`` or ``utf-7``,
where ``\\u0063reate_user_execution_context`` or ``+AGM-reate_...`` spells
the legacy constructor. Bytes that cannot be decoded that way go to the
engine, which reports why (SPEC §10: no cookie may hide code from the
prefilter). ``tests/test_prefilter.py`` and ``tests/test_hostile_sources.py``
check all of this against the engine.
"""

from __future__ import annotations

import io
import tokenize
import unicodedata

from ctxsep.semantics import ContextKind, Vocabulary
from ctxsep.semantics.kinds import TYPE_KIND

#: Every kind of context evidence: what a file must spell for any rule.
ANY_CONTEXT = ContextKind.LEGACY | ContextKind.SCOPED | ContextKind.UNKNOWN

#: (vocabulary, kinds) -> (the identifiers, their UTF-8 bytes). Keyed by id;
#: the vocabulary is kept in the value so the id cannot be reused meanwhile.
_MEMO: dict[tuple[int, ContextKind], tuple[Vocabulary, tuple[str, ...], tuple[bytes, ...]]] = {}


def needles_for(vocab: Vocabulary, kinds: ContextKind = ANY_CONTEXT) -> frozenset[str]:
    """The identifiers a file must spell to give evidence of a context of
    one of ``kinds``: the last components of the vocabulary categories of
    those kinds, and of the context scopes (whose contexts are of no known
    kind, so they count only when every kind does)."""
    found = vocab.identifiers_of(cat for cat, kind in TYPE_KIND.items() if kind & kinds)
    if kinds & ContextKind.UNKNOWN:
        found |= vocab.context_scope_identifiers()
    return found


def _needles(vocab: Vocabulary, kinds: ContextKind) -> tuple[tuple[str, ...], tuple[bytes, ...]]:
    memo = _MEMO.get((id(vocab), kinds))
    if memo is None or memo[0] is not vocab:
        every = sorted(needles_for(vocab, kinds))
        # A needle holding a shorter one (``EnhancedRequestScopedContext`` holds
        # ``RequestScopedContext``) can only be found where the shorter one is:
        # searching for it too never changes the answer.
        idents = tuple(i for i in every if not any(o != i and o in i for o in every))
        if len(_MEMO) > 64:  # a long-lived editor process re-reading configs
            _MEMO.clear()
        memo = _MEMO[(id(vocab), kinds)] = (vocab, idents, tuple(ident.encode("utf-8") for ident in idents))
    return memo[1], memo[2]


def might_have_findings(data: bytes | str, vocab: Vocabulary, kinds: ContextKind = ANY_CONTEXT) -> bool:
    """False only when the file provably cannot produce any finding of a
    rule needing evidence of a context of one of ``kinds``."""
    idents, keys = _needles(vocab, kinds)
    if isinstance(data, str):
        return _text_might(data, idents)
    for key in keys:
        if key in data:
            return True
    try:
        text = foreign_text(data)
    except ValueError:
        return True  # Python cannot read it either: the engine says why
    if text is not None:
        return _text_might(text, idents)
    if data.isascii():
        return False
    return _text_might(data.decode("utf-8", errors="replace"), idents)


def _text_might(text: str, idents: tuple[str, ...]) -> bool:
    for ident in idents:
        if ident in text:
            return True
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return False  # the normal form is the text itself: searched already
    normal = unicodedata.normalize("NFKC", text)
    return any(ident in normal for ident in idents)


def foreign_text(data: bytes) -> str | None:
    """The text of source whose coding cookie names a codec other than
    UTF-8, decoded exactly as Python decodes it; None for UTF-8 source
    (search its bytes). Raises ValueError when Python could not decode it."""
    if not _may_declare_encoding(data):
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return None if encoding in ("utf-8", "utf-8-sig") else data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise ValueError(str(exc)) from None


def _may_declare_encoding(data: bytes) -> bool:
    """Whether the first two lines could hold a coding cookie (a cheap test
    before asking ``tokenize``, which applies Python's exact rules)."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    head = data if second < 0 else data[:second]
    return b"coding" in head
