"""Colour for the text formats: when to use it and how it looks.

Colour goes only to a terminal. ``NO_COLOR`` (any non-empty value) turns it
off, ``FORCE_COLOR`` (any non-empty value) turns it on even in a pipe, in
that order of precedence (as Python 3.13's own tracebacks decide), and
``TERM=dumb`` turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

_RESET = "\x1b[0m"
_CODES = {"bold": "1", "dim": "2", "red": "31", "yellow": "33", "blue": "34", "cyan": "36", "boldred": "1;31"}


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    if env.get("TERM", "") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Style:
    """Paints text with ANSI SGR codes, or leaves it alone when off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, name: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{_CODES[name]}m{text}{_RESET}"

    def severity(self, text: str, label: str) -> str:
        return self.paint(text, {"error": "boldred", "warn": "yellow"}.get(label, "dim"))


PLAIN = Style(False)

__all__ = ["PLAIN", "Style", "wants_colour"]
