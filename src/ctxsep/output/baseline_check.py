"""Rendering ``ctxsep baseline check``: findings the baseline does not hold,
stale entries and entries a promotion un-hid, then one summary line.

The formats match ``ctxsep check``'s: ``text`` (each finding with its source
line), ``concise`` (one line per finding), ``json`` and ``github``; ``-q``
keeps only the summary (``json``: empty lists, the counts kept).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ctxsep.model import Finding
from ctxsep.output.escape import escape, join_lines
from ctxsep.output.github import annotation
from ctxsep.output.json_format import finding_dict
from ctxsep.output.style import PLAIN, Style
from ctxsep.output.text import render_findings

FORMATS = ("concise", "github", "json", "text")


@dataclass(frozen=True)
class StaleLine:
    path: str  # relative to the cwd
    code: str
    scope: str
    reason: str


@dataclass(frozen=True)
class UnhiddenLine:
    path: str
    code: str
    scope: str
    recorded: str  # phase labels
    now: str


@dataclass
class Section:
    """One baseline file's part of the result."""

    baseline: str  # the file, relative to the cwd
    exists: bool
    new: list[Finding] = field(default_factory=list)
    stale: list[StaleLine] = field(default_factory=list)
    unhidden: list[UnhiddenLine] = field(default_factory=list)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary(sections: list[Section]) -> str:
    new = sum(len(s.new) for s in sections)
    stale = sum(len(s.stale) for s in sections)
    unhidden = sum(len(s.unhidden) for s in sections)
    return (
        f"ctxsep baseline check: {_plural(new, 'finding', 'findings')} not in the baseline, "
        f"{_plural(stale, 'stale entry', 'stale entries')}, "
        f"{_plural(unhidden, 'entry', 'entries')} un-hidden by promotion."
    )


def _entry_lines(section: Section) -> list[str]:
    out: list[str] = []
    if section.stale:
        out.append(f"stale entries in {section.baseline} (remove them with `ctxsep baseline update`):")
        out += [f"  {s.path} {s.code} in {s.scope}: {s.reason}" for s in section.stale]
    if section.unhidden:
        out.append(
            f"entries in {section.baseline} un-hidden by a promotion (remove them with `ctxsep baseline prune`):"
        )
        out += [
            f"  {u.path} {u.code} in {u.scope}: recorded in {u.recorded}, the file is now {u.now}"
            for u in section.unhidden
        ]
    return out


def render_text(sections: list[Section], quiet: bool = False, style: Style = PLAIN, snippets: bool = True) -> str:
    out: list[str] = []
    if not quiet:
        for section in sections:
            if not section.exists:
                out.append(escape(f"ctxsep: note: {section.baseline} does not exist; every finding is new") + "\n")
            out.append(render_findings(section.new, style, snippets=snippets))
            out.append(join_lines(_entry_lines(section)))
    out.append(style.paint(summary(sections), "bold") + "\n")
    return "".join(out)


def render_github(sections: list[Section], quiet: bool = False) -> str:
    lines: list[str] = []
    if not quiet:
        for section in sections:
            if not section.exists:
                lines.append(f"ctxsep: note: {section.baseline} does not exist; every finding is new")
            lines += [annotation(f) for f in section.new]
            lines += _entry_lines(section)
    lines.append(summary(sections))
    return join_lines(lines)


def render_json(sections: list[Section], quiet: bool = False) -> str:
    def entries(section: Section) -> dict[str, Any]:
        return {
            "baseline": section.baseline,
            "exists": section.exists,
            "new": [] if quiet else [finding_dict(f) for f in section.new],
            "stale": [] if quiet else [vars(s) for s in section.stale],
            "unhidden": [] if quiet else [vars(u) for u in section.unhidden],
        }

    document = {
        "baselines": [entries(s) for s in sections],
        "summary": {
            "new": sum(len(s.new) for s in sections),
            "stale": sum(len(s.stale) for s in sections),
            "unhidden": sum(len(s.unhidden) for s in sections),
        },
    }
    return json.dumps(document, indent=2) + "\n"


def render(sections: list[Section], fmt: str, quiet: bool, style: Style = PLAIN) -> str:
    if fmt == "json":
        return render_json(sections, quiet)
    if fmt == "github":
        return render_github(sections, quiet)
    return render_text(sections, quiet, style, snippets=fmt == "text")


__all__ = ["FORMATS", "Section", "StaleLine", "UnhiddenLine", "render", "summary"]
