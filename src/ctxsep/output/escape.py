"""Control characters in paths and messages, made visible and harmless, for
every text output: :func:`escape` itself lives in :mod:`ctxsep.textsafe`
(low in the layers, so config warnings and the runner use the same one)."""

from __future__ import annotations

from collections.abc import Iterable

from ctxsep.textsafe import escape

__all__ = ["escape", "escape_source_line", "join_lines"]


def escape_source_line(text: str) -> str:
    """A source line for a snippet: tabs expanded, the rest as :func:`escape`."""
    return escape(text.rstrip("\r\n").expandtabs(8))


def join_lines(lines: Iterable[str]) -> str:
    """Each line escaped, joined with newlines, ending with one."""
    return "".join(escape(line) + "\n" for line in lines)
