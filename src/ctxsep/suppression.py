"""``# ctxsep: ignore`` and ``# ctxsep: ignore[CTX002, session-in-context]``.

A comment suppresses findings on its own line. Codes and pylint-style symbols
are both accepted; a bare ``ignore`` suppresses every ctxsep finding on the
line. Only real comments count (found with ``tokenize``), not text in strings.
"""

from __future__ import annotations

import io
import re
import tokenize

from ctxsep.rules import rule_for

_PATTERN = re.compile(r"#\s*ctxsep:\s*ignore\b(?:\[([^\]]*)\])?", re.IGNORECASE)

#: line -> codes suppressed there; None means every code
Suppressions = dict[int, frozenset[str] | None]


def find_suppressions(source: str) -> Suppressions:
    if "ctxsep:" not in source and "CTXSEP:" not in source.upper():
        return {}
    result: Suppressions = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        comments = [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        comments = [(number, line) for number, line in enumerate(source.splitlines(), 1) if "#" in line]
    for line, text in comments:
        for match in _PATTERN.finditer(text):
            codes = match.group(1)
            if codes is None or not codes.strip():
                result[line] = None
                continue
            parsed = set()
            for item in codes.split(","):
                item = item.strip()
                rule = rule_for(item)
                parsed.add(rule.code if rule is not None else item.upper())
            previous = result.get(line, frozenset())
            result[line] = None if previous is None else frozenset(previous | parsed)
    return result


def is_suppressed(suppressions: Suppressions, line: int, code: str) -> bool:
    if line not in suppressions:
        return False
    codes = suppressions[line]
    return codes is None or code in codes
