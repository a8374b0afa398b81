"""Configuration: one ``[tool.ctxsep]`` table (or ``ctxsep.toml``) per
project, found from each linted file's directory, with a per-directory
migration-phase map. ``SettingsResolver.for_path`` is the one way a path gets
its phase and severities.
"""

from ctxsep.config.loader import SettingsResolver, default_config, find_config, load_config, relative_posix
from ctxsep.config.paths import leads_outside
from ctxsep.config.phasemap import PhaseKey, PhaseMap
from ctxsep.config.schema import TOP_LEVEL_KEYS, Config, FileSettings

__all__ = [
    "TOP_LEVEL_KEYS",
    "Config",
    "FileSettings",
    "PhaseKey",
    "PhaseMap",
    "SettingsResolver",
    "default_config",
    "find_config",
    "leads_outside",
    "load_config",
    "relative_posix",
]
