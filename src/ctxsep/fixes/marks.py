"""``ctxsep check``'s fix marks: the fix offered for each shown finding."""

from __future__ import annotations

from pathlib import Path

from ctxsep.config import SettingsResolver
from ctxsep.engine import SkipFile, decode_source
from ctxsep.fixes.apply import project_index
from ctxsep.fixes.compute import compute_fixes
from ctxsep.fixes.registry import PROVIDERS
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import SKIPPED_CODE
from ctxsep.runner import RunResult

#: codes some fix may remove (CTX006 is never shown by the CLI)
FIXABLE = frozenset(code for provider in PROVIDERS for code in provider.codes)
#: codes whose fixes need the project index (dual-pattern callables, call sites)
_NEEDS_PROJECT = frozenset({"CTX002", "CTX003", "CTX005"})


def attach_fixes(run: RunResult, paths: list[str], resolver: SettingsResolver) -> None:
    """Fill ``run.fixes`` for the shown findings (never baselined ones)."""
    todo = [
        (file, result)
        for file, result in zip(run.files, run.results, strict=True)
        if not result.skipped and any(f.code in FIXABLE for f in result.findings)
    ]
    if not todo:
        return
    needs_project = any(f.code in _NEEDS_PROJECT for _, result in todo for f in result.findings)
    project = project_index(paths, resolver) if needs_project else ProjectIndex()
    for file, result in todo:
        try:
            text = decode_source(Path(file).read_bytes())
        except (OSError, SkipFile):
            continue
        findings = [f for f in result.findings if f.code != SKIPPED_CODE]
        settings = resolver.for_path(file)
        for fix in compute_fixes(file, text, settings, findings, project):
            for code, line, col in fix.fixes:
                key = (result.path, line, col, code)
                current = run.fixes.get(key)
                if current is None or (fix.safe and not current.safe):
                    run.fixes[key] = fix
