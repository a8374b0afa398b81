"""Suppression comments, shared by every front end (CLI, flake8, pylint, mypy).

``# ctxsep: ignore`` and ``# ctxsep: ignore[CTX002, session-in-context]``:
a comment suppresses findings on its own line. Codes, code prefixes and
pylint-style symbols are accepted; a bare ``ignore`` suppresses every ctxsep
finding on the line. Only real comments count (found with ``tokenize``), not
text in strings.

``# noqa``, ``# noqa: CTX002``, ``# noqa:CTX002,E501``: honoured exactly as
flake8 honours them, so ``ctxsep check``, flake8, pylint and mypy agree on
every line. That means flake8's own rules, which ruff follows too: the first
``# noqa`` on the line decides (flake8 searches the text of the line, and
for a multi-line string every line of it); a bare ``# noqa`` (or one whose
code list does not parse) silences everything; otherwise a code is silenced
when it equals or starts with a listed code, compared case-sensitively
(``# noqa: CTX`` silences every ctxsep code, ``# noqa: E501`` none).
"""

from __future__ import annotations

import io
import re
import tokenize

from ctxsep.rules import rule_for

_PATTERN = re.compile(r"#\s*ctxsep:\s*ignore\b(?:\[([^\]]*)\])?", re.IGNORECASE)
#: flake8's NOQA_INLINE_REGEXP (flake8/defaults.py), character for character
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"[,\s]")

#: line -> codes (or code prefixes) suppressed there; None means every code
Suppressions = dict[int, frozenset[str] | None]


def _tokens(source: str) -> list[tokenize.TokenInfo] | None:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None


def _add(result: Suppressions, line: int, codes: frozenset[str] | None) -> None:
    if line in result:
        previous = result[line]
        result[line] = None if previous is None or codes is None else previous | codes
    else:
        result[line] = codes


def _ctxsep_comments(source: str, tokens: list[tokenize.TokenInfo] | None, result: Suppressions) -> None:
    if tokens is not None:
        comments = [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    else:
        comments = [(number, line) for number, line in enumerate(source.splitlines(), 1) if "#" in line]
    for line, text in comments:
        for match in _PATTERN.finditer(text):
            codes = match.group(1)
            if codes is None or not codes.strip():
                _add(result, line, None)
                continue
            parsed = set()
            for item in codes.split(","):
                item = item.strip()
                rule = rule_for(item)
                parsed.add(rule.code if rule is not None else item.upper())
            _add(result, line, frozenset(parsed))


def _noqa_texts(source: str, tokens: list[tokenize.TokenInfo] | None) -> dict[int, str]:
    """Line -> the text flake8 searches for ``# noqa`` when a finding is on that line."""
    lines = io.StringIO(source, newline="").readlines()  # Python's line breaks, as flake8 reads them
    texts = {number: line for number, line in enumerate(lines, 1)}
    if tokens is None:
        return texts
    first, last = len(lines) + 2, -1
    for tok in tokens:  # flake8's FileProcessor._noqa_line_mapping
        if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first, last = min(first, tok.start[0]), max(last, tok.end[0])
        if tok.type in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[first - 1 : last])
            texts.update(dict.fromkeys(range(first, last + 1), joined))
            first, last = len(lines) + 2, -1
    return texts


def _noqa_comments(source: str, tokens: list[tokenize.TokenInfo] | None, result: Suppressions) -> None:
    for line, text in _noqa_texts(source, tokens).items():
        match = _NOQA.search(text)
        if match is None:
            continue
        codes = match.group("codes")
        if codes is None:
            _add(result, line, None)
        else:
            _add(result, line, frozenset(item for item in _LIST_SPLIT.split(codes) if item.strip()))


def find_suppressions(source: str) -> Suppressions:
    folded = source.casefold()
    has_ctxsep, has_noqa = "ctxsep:" in folded, "noqa" in folded
    if not has_ctxsep and not has_noqa:
        return {}
    tokens = _tokens(source)
    result: Suppressions = {}
    if has_ctxsep:
        _ctxsep_comments(source, tokens, result)
    if has_noqa:
        _noqa_comments(source, tokens, result)
    return result


def is_suppressed(suppressions: Suppressions, line: int, code: str) -> bool:
    if line not in suppressions:
        return False
    codes = suppressions[line]
    return codes is None or code in codes or code.startswith(tuple(codes))
