"""Positions in a source text, shared by the libcst view
(:mod:`ctxsep.fixes.view`) and the ``ast`` answers (:mod:`ctxsep.fixes.quick`,
which must not import libcst): ``ast``'s UTF-8 byte columns as character
columns, and a line and character column as a character offset (lines as
``str.splitlines`` counts them)."""

from __future__ import annotations

from ctxsep.textsafe import char_column


class SourceLines:
    __slots__ = ("_bytes", "_starts", "lines")

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        starts = [0]
        for text in self.lines:
            starts.append(starts[-1] + len(text))
        self._starts = starts
        self._bytes: dict[int, bytes] = {}

    def line_bytes(self, line: int) -> bytes:
        """Line ``line`` (1-based) in UTF-8; empty past either end."""
        found = self._bytes.get(line)
        if found is None:
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            found = self._bytes[line] = text.encode("utf-8", "surrogatepass")
        return found

    def char_col(self, line: int, byte_col: int) -> int:
        """``ast``'s UTF-8 byte column as a character column."""
        return char_column(self.lines[line - 1] if 0 < line <= len(self.lines) else "", byte_col)

    def offset(self, line: int, col: int) -> int:
        """The character offset of ``line`` (1-based) and character column ``col``."""
        return self._starts[min(line, len(self._starts)) - 1] + col
