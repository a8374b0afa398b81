"""placeholder"""
from __future__ import annotations
from ctxsep.migration.history import History
from ctxsep.migration.projection import Projection
from ctxsep.migration.report import SourceInfo


def render_history_html(history: History, projection: Projection, source: SourceInfo | None) -> str:
    raise NotImplementedError
