"""The typed, frozen configuration and the per-file settings derived from it.

Parsed once per config file (see ``loader``); every rule reads what it needs
from :class:`FileSettings` through the engine, never from the file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ctxsep.config.phasemap import PhaseKey, PhaseMap
from ctxsep.model import Phase, Severity
from ctxsep.rules import ALL_RULES
from ctxsep.semantics import Vocabulary

DEFAULT_PHASE = Phase.MIGRATED
DEFAULT_BASELINE = "ctxsep-baseline.json"

#: Every key ``[tool.ctxsep]`` accepts, with what it holds (also the docs' table).
TOP_LEVEL_KEYS: dict[str, str] = {
    "default-phase": "phase of every file no phase-map key matches (default: migrated)",
    "baseline": "path of the baseline file, relative to the config file (default: ctxsep-baseline.json)",
    "exclude": "gitignore-style patterns of files and directories `ctxsep check` skips",
    "phases": "the phase map: path or glob (relative to the config file) -> phase",
    "names": "the vocabulary (SPEC §2); each key replaces the default list, extend-<key> adds to it",
    "severity": "per phase, rule code -> off|warn|error, overriding the default table",
    "fix": "how `ctxsep fix` writes its edits: scoped-factory, renamed-fields, session-parameter",
}

#: Every key ``[tool.ctxsep.fix]`` accepts, with what it holds.
FIX_KEYS: dict[str, str] = {
    "scoped-factory": "dotted name the route-handler fix imports the scoped factory from (pkg.mod.name)",
    "renamed-fields": "legacy identifier field -> its name on the request-scoped context",
    "session-parameter": "the parameter the session fix adds, `name: Annotation` (default: db: AsyncSession)",
}
DEFAULT_SESSION_PARAMETER = "db: AsyncSession"


@dataclass(frozen=True)
class FixSettings:
    """``[tool.ctxsep.fix]``, validated. Does not change findings, so it is
    not part of :attr:`Config.digest`."""

    scoped_factory: str | None = None
    renamed_fields: tuple[tuple[str, str], ...] = ()
    session_parameter: str = DEFAULT_SESSION_PARAMETER

    @property
    def session_name(self) -> str:
        return self.session_parameter.split(":", 1)[0].strip()

    @property
    def session_annotation(self) -> str:
        parts = self.session_parameter.split(":", 1)
        return parts[1].strip() if len(parts) == 2 else ""

    @property
    def renames(self) -> dict[str, str]:
        return dict(self.renamed_fields)


def default_severities() -> dict[Phase, dict[str, Severity]]:
    return {phase: {rule.code: rule.severity(phase) for rule in ALL_RULES} for phase in Phase}


@dataclass(frozen=True)
class Config:
    """One config file's content, validated. ``root`` is the directory every
    relative key in it is resolved against."""

    root: Path
    path: Path | None = None  # None: no config file anywhere, built-in defaults
    section: str = "tool.ctxsep"  # "" for ctxsep.toml, where keys sit at top level
    default_phase: Phase = DEFAULT_PHASE
    baseline: str = DEFAULT_BASELINE
    exclude: tuple[str, ...] = ()
    phase_map: PhaseMap = field(default_factory=lambda: PhaseMap((), DEFAULT_PHASE))
    vocabulary: Vocabulary = field(default_factory=Vocabulary.default)
    severities: dict[Phase, dict[str, Severity]] = field(default_factory=default_severities)
    fix: FixSettings = field(default_factory=FixSettings)
    #: the raw table as read, for the digest and for `explain`
    raw: dict[str, object] = field(default_factory=dict, compare=False)

    @cached_property
    def digest(self) -> str:
        """A stable hash of everything that can change findings; caches and
        mypy's incremental mode key on it. Computed once: the config is frozen."""
        payload = {
            "path": str(self.path) if self.path else None,
            "default_phase": self.default_phase.label,
            "baseline": self.baseline,
            "exclude": list(self.exclude),
            "phases": sorted((k.key, k.phase.label) for k in self.phase_map.keys),
            "names": {cat.value: list(names) for cat, names in self.vocabulary.entries.items()},
            "session_names": list(self.vocabulary.session_name_list),
            "severities": {p.label: {c: s.label for c, s in table.items()} for p, table in self.severities.items()},
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def baseline_path(self) -> Path:
        return self.root / self.baseline

    def key_label(self, key: str) -> str:
        """``[tool.ctxsep.phases]`` style label for messages."""
        return f"[{self.section}.{key}]" if self.section else f"[{key}]"


@dataclass(frozen=True)
class FileSettings:
    """What applies to one file: found from that file's own directory."""

    config: Config
    rel_path: str  # POSIX, relative to config.root; the path shown in findings is separate
    phase: Phase
    phase_key: PhaseKey | None

    @property
    def severities(self) -> dict[str, Severity]:
        return self.config.severities[self.phase]

    @property
    def vocabulary(self) -> Vocabulary:
        return self.config.vocabulary

    @property
    def module_parts(self) -> tuple[str, ...]:
        """The file's dotted module path as far as its location tells
        (``app/routes/users.py`` -> ``app.routes.users``)."""
        parts = [p for p in self.rel_path.split("/") if p and p not in (".", "..")]
        if parts and parts[-1].endswith((".py", ".pyi")):
            parts[-1] = parts[-1].rsplit(".", 1)[0]
        return tuple(parts)

    def enabled_codes(self) -> frozenset[str]:
        return frozenset(code for code, sev in self.severities.items() if sev is not Severity.OFF)
