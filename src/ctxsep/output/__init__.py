"""Formatters: findings in, text out. Checking never formats; formatting
never checks. Each format is one module with a ``render(run) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from ctxsep.output import github, json_format, sarif, text
from ctxsep.runner import RunResult

FORMATS: dict[str, Callable[[RunResult, bool], str]] = {
    "text": text.render,
    "concise": text.render_concise,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}

__all__ = ["FORMATS"]
