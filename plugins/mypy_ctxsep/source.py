"""The text mypy checks, and positions translated to the ones ``ast`` gives.

The plugin API carries no source text, so the plugin reads the module's file
itself — or the shadow file an editor passed with ``--shadow-file SRC
SHADOW`` — for three things: ``# ctxsep: ignore`` comments, the position of a
keyword argument (mypy keeps no node for ``db_session=db``), and the source of
the flagged node (message text and baseline fingerprint).

Columns: ctxsep reports ``ast``'s column (a UTF-8 byte offset; flake8 and the
CLI print it plus one). mypy's classic parser gives the same number. mypy
2.x's native parser (the default since 2.0) gives ``2 * chars - bytes`` of the
line's prefix instead, which differs when the prefix holds non-ASCII text
(verified on 2.4.1: ``("éé", f(x))``: ast 15, native 11); :meth:`ast_column`
undoes that, so a finding sits at the same column in every front end.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ctxsep.engine import SkipFile, decode_source

_NEWLINES = re.compile(r"\r\n|\r|\n")  # what ast counts as a line break (not \f or \x1c)
_TOKEN_START = re.compile(r"[\w(\[{'\"*.@~+-]")


def real_path(path: str, options: Any) -> str:
    """The file whose text mypy checks for ``path``: its shadow, if any."""
    for source, shadow in getattr(options, "shadow_file", None) or ():
        if os.path.abspath(source) == os.path.abspath(path):
            return str(shadow)
    return path


def read_text(path: str) -> str | None:
    """The module's text as Python decodes it; None when unreadable
    (``mypy -c``'s ``<string>``, a vanished file, undecodable bytes)."""
    try:
        with open(path, "rb") as handle:
            return decode_source(handle.read())
    except (OSError, SkipFile):
        return None


@functools.lru_cache(maxsize=64)
def _keyword_pattern(name: str) -> re.Pattern[bytes]:
    return re.compile(rb"\b" + re.escape(name.encode()) + rb"\s*=\s*$")


@dataclass
class SourceText:
    text: str
    native_columns: bool  # mypy's native parser produced the columns
    lines: list[str] = field(init=False)
    _encoded: dict[int, bytes] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.lines = _NEWLINES.split(self.text)

    def line_bytes(self, line: int) -> bytes:
        encoded = self._encoded.get(line)
        if encoded is None:
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            encoded = self._encoded[line] = text.encode("utf-8", "surrogatepass")
        return encoded

    def ast_column(self, line: int, column: int) -> int:
        """mypy's column of a node on ``line`` -> ``ast``'s."""
        if not self.native_columns or column <= 0:
            return column
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return column
        # native = 2 * chars - bytes over the prefix; find the prefix (in characters).
        candidates = []
        width = 0
        for chars in range(len(text) + 1):
            if 2 * chars - width == column:
                candidates.append((chars, width))
            if chars < len(text):
                width += len(text[chars].encode("utf-8", "surrogatepass"))
        if not candidates:
            return column
        for chars, width in candidates:  # several prefixes can fit: take the one a token starts at
            if chars < len(text) and _TOKEN_START.match(text[chars]):
                return width
        return candidates[0][1]

    def segment(self, line: int, column: int, end_line: int | None, end_column: int | None) -> str:
        """The source between two ``ast`` positions (columns in UTF-8 bytes)."""
        if end_line is None or end_column is None or end_line < line:
            return ""
        if end_line == line:
            return self._decode(self.line_bytes(line)[column:end_column])
        parts = [self._decode(self.line_bytes(line)[column:])]
        parts.extend(self._decode(self.line_bytes(n)) for n in range(line + 1, end_line))
        parts.append(self._decode(self.line_bytes(end_line)[:end_column]))
        return "\n".join(parts)

    def keyword_start(self, name: str, line: int, column: int) -> tuple[int, int] | None:
        """Where ``name=`` starts before a keyword argument's value at
        (``line``, ``column``); it may sit on an earlier line."""
        pattern = _keyword_pattern(name)
        head = self.line_bytes(line)[:column]
        for current in range(line, max(line - 3, 0), -1):
            match = pattern.search(head)
            if match is not None:
                return current, match.start()
            if head.strip():  # something else stands between the name and the value
                return None
            head = self.line_bytes(current - 1) if current > 1 else b""
        return None

    @staticmethod
    def _decode(data: bytes) -> str:
        return data.decode("utf-8", "replace")
