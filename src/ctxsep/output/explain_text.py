"""Text shared by ``ctxsep explain`` and the language server's hover: why a
file has the config and the rule severities it has."""

from __future__ import annotations

from ctxsep.config import FileSettings
from ctxsep.rules import Rule

NO_CONFIG = "none found (searched up from the file's directory); built-in defaults apply"


def override_reason(settings: FileSettings, rule: Rule) -> str | None:
    """Which config table overrides ``rule``'s phase default here, or None
    when its severity is the default for the file's phase."""
    default = rule.severity(settings.phase)
    if settings.severities[rule.code] == default:
        return None
    return f"{settings.config.key_label('severity.' + settings.phase.label)} overrides the default {default.label}"


__all__ = ["NO_CONFIG", "override_reason"]
