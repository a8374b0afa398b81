"""Formatters: findings in, text out. Checking never formats; formatting
never checks. Each format is one module with a ``render(run) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from ctxsep.output import json_format, text
from ctxsep.runner import RunResult

FORMATS: dict[str, Callable[[RunResult, bool], str]] = {
    "text": text.render,
    "json": json_format.render,
}

__all__ = ["FORMATS"]
