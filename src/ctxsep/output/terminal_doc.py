"""A rule's Markdown documentation as plain terminal text (``ctxsep rules CODE``).

Covers the Markdown the rule docstrings use, nothing more: ``#`` headings
become underlined titles, fenced code blocks are indented four spaces
(fences dropped) and never changed, inline code loses its backticks and
nothing else, ``*emphasis*`` its
stars and ``[text](url)`` links read ``text (url)``. Headings are bold on
a colour terminal. The Markdown page itself is ``ctxsep rules CODE --format md``.
"""

from __future__ import annotations

import re

from ctxsep.output.escape import escape
from ctxsep.output.style import PLAIN, Style

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def inline(text: str) -> str:
    """Markdown markup removed, except inside `code spans`: their text is
    kept exactly (``def g[T: Base](x: T)`` is code, not a link)."""
    parts = _CODE.split(text)  # even indexes: prose; odd: the text of a code span
    for index in range(0, len(parts), 2):
        prose = _LINK.sub(r"\1 (\2)", parts[index])
        prose = _STRONG.sub(r"\1", prose)
        parts[index] = _EMPHASIS.sub(r"\1", prose)
    return "".join(parts)


def render(markdown: str, style: Style = PLAIN) -> str:
    out: list[str] = []
    in_code = False
    for raw in markdown.splitlines():
        line = escape(raw)
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            out.append("    " + line if line.strip() else "")
            continue
        heading = _HEADING.match(line)
        if heading:
            title = inline(heading.group(2))
            if out and out[-1] != "":
                out.append("")
            out.append(style.paint(title, "bold"))
            out.append("=" * len(title) if len(heading.group(1)) == 1 else "-" * len(title))
            continue
        out.append(inline(line))
    return "\n".join(out).rstrip() + "\n"


__all__ = ["inline", "render"]
