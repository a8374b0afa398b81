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

Expressions in an f-string's braces: mypy's classic parser (every 1.x, and
2.x with the native parser off) gives the expression written directly in
``{...}`` the position of its ``FormattedValue`` — the whole string's start
on Python 3.11 (with implicit concatenation, the first literal's), the ``{``
on 3.12 and later — and keeps its true end.
:meth:`ast_span` moves such a start back to where ``ast`` has it, so the
finding, its text and its overlap with the AST rules are the same as with
the native parser.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from ctxsep.engine import SkipFile, decode_source

_NEWLINES = re.compile(r"\r\n|\r|\n")  # what ast counts as a line break (not \f or \x1c)
_TOKEN_START = re.compile(r"[\w(\[{'\"*.@~+-]")
#: Where a ``FormattedValue`` can start: a string's prefix and quote (3.11; in an implicit
#: concatenation such as ``"a " f"{x}"`` the first, plain, string's), or ``{`` (3.12+).
_FORMATTED_VALUE_START = re.compile(rb"[rRbBuUfF]{0,2}['\"]|\{")


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
    #: (FormattedValue start, its value's end) -> the value's start; None until first needed
    _formatted: dict[tuple[int, int, int, int], tuple[int, int]] | None = field(default=None, init=False, repr=False)

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

    def ast_span(
        self, line: int, column: int, end_line: int | None, end_column: int | None
    ) -> tuple[int, int, int | None, int | None]:
        """mypy's span of a node -> ``ast``'s (columns, and an f-string
        value's start; see the module docstring)."""
        column = self.ast_column(line, column)
        if end_line is None or end_column is None:
            return line, column, end_line, end_column
        end_column = self.ast_column(end_line, end_column)
        if _FORMATTED_VALUE_START.match(self.line_bytes(line), column):
            start = self._formatted_values().get((line, column, end_line, end_column))
            if start is not None:
                line, column = start
        return line, column, end_line, end_column

    def _formatted_values(self) -> dict[tuple[int, int, int, int], tuple[int, int]]:
        """Every f-string value of the module, keyed as mypy's classic parser
        positions it; parsed once, and only for a module where a case sits
        at an f-string's start (rare)."""
        if self._formatted is None:
            self._formatted = {}
            try:
                with warnings.catch_warnings():  # mypy reports the module's own warnings, not us
                    warnings.simplefilter("ignore")
                    tree = ast.parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return self._formatted
            for node in ast.walk(tree):
                if isinstance(node, ast.FormattedValue):
                    value = node.value
                    end = (value.end_lineno or value.lineno, value.end_col_offset or 0)
                    self._formatted[(node.lineno, node.col_offset, *end)] = (value.lineno, value.col_offset)
        return self._formatted

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
