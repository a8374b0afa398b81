"""The promotion gate: what a directory would face at a stricter phase.

Promoting PATH to PHASE means setting the phase-map key for PATH to PHASE, so
the gate simulates exactly that edit: each file under PATH gets the phase
the edited map would give it (a file with its own, more specific key keeps
it) and is checked at that phase with the baseline ignored — the debt a
promotion un-hides is what stands between the directory and its next phase.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from ctxsep.config import FileSettings, SettingsResolver, leads_outside, relative_posix
from ctxsep.engine import check_path
from ctxsep.model import Finding, Phase, Severity
from ctxsep.runner import collect, display_path, map_files


def promotion_key(target: Path, root: Path) -> str:
    """The phase-map key (relative to a config's directory) that promotes
    ``target``; ``""`` when ``target`` contains the whole project."""
    rel = relative_posix(target, root)
    return "" if rel == "." or leads_outside(rel) else rel


def promoted(settings: FileSettings, key: str, phase: Phase) -> FileSettings:
    """``settings`` as they would be with the phase-map key ``key`` set to ``phase``."""
    new_phase, new_key = settings.config.phase_map.with_key(key, phase).lookup(settings.rel_path)
    return replace(settings, phase=new_phase, phase_key=new_key)


@dataclass(frozen=True)
class GateFile:
    path: str  # as displayed
    phase: Phase  # now
    target: Phase  # after the promotion
    kept_by: str | None  # the more specific key that keeps the file's phase, if any
    findings: tuple[Finding, ...]  # at the target phase, baseline ignored

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)


def gate_file(path: Path, resolver: SettingsResolver, target: Path, phase: Phase) -> GateFile:
    settings = resolver.for_path(path)
    after = promoted(settings, promotion_key(target, settings.config.root), phase)
    display = display_path(path, resolver.cwd)
    kept_by = after.phase_key.key if after.phase != phase and after.phase_key is not None else None
    result = check_path(path, after, display)
    return GateFile(display, settings.phase, after.phase, kept_by, result.findings)


@dataclass
class GateResult:
    target: str
    phase: Phase
    files: list[GateFile]

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings() if f.severity is Severity.WARN)

    @property
    def passes(self) -> bool:
        return self.errors == 0

    def findings(self) -> list[Finding]:
        return [finding for file in self.files for finding in file.findings]

    def by_rule(self) -> dict[str, Counter[str]]:
        """code -> {"error": n, "warn": n}"""
        table: dict[str, Counter[str]] = {}
        for finding in self.findings():
            table.setdefault(finding.code, Counter())[finding.severity.label] += 1
        return dict(sorted(table.items()))


def run_gate(target: str, phase: Phase, resolver: SettingsResolver, jobs: int | None = None) -> GateResult:
    """Gate every file under ``target`` (relative to the cwd). Raises
    ConfigError for a broken config; the baseline is not read."""
    absolute = Path(os.path.normpath(resolver.cwd / target))
    files = collect([target], resolver, baseline=False)
    results = map_files(files, resolver, partial(gate_file, target=absolute, phase=phase), jobs)
    return GateResult(target, phase, sorted(results, key=lambda f: f.path))
