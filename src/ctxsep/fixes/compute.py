"""The fixes for one file's source (the API the CLI, ``check``'s ``[*]``,
SARIF and the language server share)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from ctxsep.config import FileSettings
from ctxsep.fixes.base import FixProvider, NotOffered
from ctxsep.fixes.quick import BOUND_CALL, route_fixes
from ctxsep.fixes.view import FileView
from ctxsep.inventory.project import ProjectIndex
from ctxsep.model import Finding, Fix, internal_error

#: findings a fix starts from (CTX001 is fixed only with the CTX002 it comes with;
#: CTX002 and CTX007 are screened in ``needs_view``)
_VIEW_CODES = frozenset({"CTX003", "CTX005"})


def needs_view(
    findings: Sequence[Finding],
    source: str,
    project: ProjectIndex,
    settings: FileSettings,
    path: str | Path | None = None,
) -> bool:
    """Whether any fix could apply (parsing with libcst costs more than
    checking): a finding some fix starts from, a legacy constructor bound
    to a name, or a call of a dual-pattern callable where CTX006 is on.
    With ``path``, CTX002 and CTX007 findings the ``ast`` shows the
    route-handler and cleanup fixes certainly refuse (``fixes.quick``) do
    not count."""
    if any(f.code in _VIEW_CODES for f in findings):
        return True
    starts = any(f.code == "CTX007" for f in findings)
    if not starts and any(f.code == "CTX002" for f in findings):
        lines = source.splitlines()
        starts = any(
            f.code == "CTX002" and 0 < f.line <= len(lines) and BOUND_CALL.match(lines[f.line - 1]) for f in findings
        )
    if starts and (path is None or route_fixes(path, source, settings, findings, project) != []):
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
    if not needs_view(findings, source, project, settings, path):
        return []
    try:
        view = FileView(str(Path(path).absolute()), source, settings, list(findings), project)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return []  # syntax libcst does not take: no fix, the findings stand
    except Exception as exc:  # a bug must never take the run down
        if notes is not None:
            notes.append(f"1: no fix: {internal_error(exc)}")
        return []
    fixes: list[Fix] = []
    for provider in providers:
        try:
            fixes.extend(provider.fixes(view))
        except (NotOffered, RecursionError):
            continue
        except Exception as exc:  # a bug in a fix must never take the run down: no fix from it here
            view.notes.append(f"1: no {provider.name} fix: {internal_error(exc)}")
    if notes is not None:
        notes.extend(view.notes)
    return fixes
