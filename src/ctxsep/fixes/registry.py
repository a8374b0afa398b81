"""Every fix, in the order their edits win when two overlap."""

from __future__ import annotations

from ctxsep.fixes.base import FixProvider
from ctxsep.fixes.cleanup import CleanupFix
from ctxsep.fixes.dual_call import DualCallFix
from ctxsep.fixes.route_handler import RouteHandlerFix
from ctxsep.fixes.session_param import SessionParameterFix

PROVIDERS: tuple[FixProvider, ...] = (RouteHandlerFix(), DualCallFix(), CleanupFix(), SessionParameterFix())
