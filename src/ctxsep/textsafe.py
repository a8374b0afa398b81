"""Control characters in paths and messages, made visible and harmless.

ctxsep runs in CI on trees from strangers: a file name may contain a newline
followed by ``::error …`` or ``::add-mask::`` (a GitHub workflow command
when it starts a log line), an ESC sequence that rewrites the terminal, or a
carriage return that hides what came before it. Every text output passes
each path, message and source line through :func:`escape` before joining
lines, so one value can never become two lines or a terminal command.

C0 and C1 control characters, DEL, the Unicode line and paragraph
separators, the bidirectional overrides ("Trojan Source") and lone
surrogates (the undecodable bytes of a non-UTF-8 file name, which would
make writing the output fail) are written as Python escapes (``\\n``,
``\\x1b``, ``\\u2028``, ``\\udce9``); everything else is kept.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# ...and lone surrogates: the bytes of a file name that is not UTF-8, which no UTF-8 output can encode.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with every control character written as a visible escape."""
    return _UNSAFE.sub(_replacement, text)


def char_column(line: str, byte_col: int) -> int:
    """``ast``'s column on ``line`` (a count of UTF-8 bytes) as a count of
    characters (lone surrogates, from undecodable bytes, count as one)."""
    if line.isascii():
        return min(byte_col, len(line))
    return len(line.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "ignore"))
