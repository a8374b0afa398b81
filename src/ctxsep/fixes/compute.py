"""The fixes for one file's source (the API the CLI, ``check``'s ``[*]``,
SARIF and the language server share)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from ctxsep.config import FileSettings
from ctxsep.fixes.base import FixProvider, NotOffered
from ctxsep.fixes.view import FileView
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import Finding, Fix

#: findings a fix starts from (CTX001 is fixed only with the CTX002 it comes with)
_VIEW_CODES = frozenset({"CTX002", "CTX003", "CTX005", "CTX007"})


def needs_view(findings: Sequence[Finding], source: str, project: ProjectIndex, settings: FileSettings) -> bool:
    """Whether any fix could apply: a shown finding, or a call of a
    dual-pattern callable where CTX006 is on."""
    if any(f.code in _VIEW_CODES for f in findings):
        return True
    return bool(project.dual) and "CTX006" in settings.enabled_codes() and any(name in source for name in project.dual)


def compute_fixes(
    path: str | Path,
    source: str,
    settings: FileSettings,
    findings: Sequence[Finding],
    project: ProjectIndex | None = None,
    notes: list[str] | None = None,
    providers: Sequence[FixProvider] | None = None,
) -> list[Fix]:
    """Every fix offered for ``source`` (the text of ``path``, saved or not),
    given its shown ``findings`` (not baselined, not suppressed, not off),
    safe and unsafe alike. Never writes; never raises for odd input.
    ``notes`` receives why an expected fix was not offered ("N call sites
    need a hand"), each starting with the line number."""
    from ctxsep.fixes.registry import PROVIDERS

    providers = PROVIDERS if providers is None else providers
    project = project if project is not None else ProjectIndex()
    if not needs_view(findings, source, project, settings):
        return []
    try:
        view = FileView(str(Path(path).absolute()), source, settings, list(findings), project)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return []
    fixes: list[Fix] = []
    for provider in providers:
        try:
            fixes.extend(provider.fixes(view))
        except (NotOffered, RecursionError):
            continue
    if notes is not None:
        notes.extend(view.notes)
    return fixes
