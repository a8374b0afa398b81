"""Rendering ``ctxsep names``: a readable report that ends with the
``[tool.ctxsep.names]`` block to paste, or the same data as JSON."""

from __future__ import annotations

import json
from typing import Any

from ctxsep.inventory import Inventory
from ctxsep.inventory.index import AliasCandidate, Candidate, NameGroup, Suggestion
from ctxsep.inventory.producers import RETURNS, YIELDS, Producer
from ctxsep.output.escape import escape, join_lines

_MARK = {True: "+", False: "-"}


def render_text(inventory: Inventory) -> str:
    out = [f"ctxsep names: {inventory.files} files, {inventory.parsed} read."]
    if inventory.skipped:
        path, reason = inventory.skipped[0]
        out.append(f"{len(inventory.skipped)} file(s) could not be read, e.g. {path}: {reason}")
    out.append("Candidates marked + go into the suggested config, - are left commented out.")
    for category, groups in inventory.groups.items():
        aliases = inventory.aliases.get(category, [])
        out.append("")
        out.append(category)
        for group in groups:
            out.extend(_group_lines(group, inventory.suggestions[category]))
        if aliases:
            out.append("  aliases of these names:")
            for alias in aliases:
                out.extend(_alias_lines(alias))
    out.extend(_producer_lines(inventory))
    out.append("")
    out.append(f"Paste into {inventory.table} (review the commented lines; each note says why):")
    out.append("")
    out.extend(paste_lines(inventory))
    return join_lines(out)  # control characters in names and paths escaped: one value, one line


def _group_lines(group: NameGroup, suggestions: list[Suggestion]) -> list[str]:
    count = len(group.candidates)
    head = f"  {group.name}: {count} definition{'s' if count != 1 else ''}"
    if group.external:
        modules = len(group.external)
        head += f", imported from {modules} module{'s' if modules != 1 else ''} outside the tree"
    if group.ambiguous:
        head += "  ** AMBIGUOUS: a bare entry matches all of them **"
    if not group.configured:
        unlisted = any(not c.definition.in_vocabulary for c in group.candidates)
        head += "  (not in the vocabulary: " + ("returns a session)" if unlisted else "derives from a vocabulary type)")
    lines = [head]
    enabled = {s.entry for s in suggestions if s.enabled}
    dotted = any("." in entry for entry in group.configured)
    for candidate in group.candidates:
        lines.extend(_candidate_lines(candidate, enabled, dotted))
    for module, importers in sorted(group.external.items(), key=lambda kv: -len(kv[1])):
        mark = _MARK[f"{module}.{group.name}" in enabled or group.name in enabled]
        lines.append(f"    {mark} {module}.{group.name}  (outside the tree; imported by {_files(len(importers))})")
    for module, importers in sorted(group.missing.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"    ? {module}.{group.name} is imported by {_files(len(importers))} but not defined there")
    if group.unbound:
        first = group.unbound[0]
        count = len({u.path for u in group.unbound})
        lines.append(
            f"    ! used without an import in {_files(count)} (e.g. {first.path}:{first.line}): "
            "only a bare entry matches those uses"
        )
    return lines


def _candidate_lines(candidate: Candidate, enabled: set[str], show_match: bool) -> list[str]:
    definition = candidate.definition
    mark = _MARK[definition.dotted in enabled or definition.name in enabled]
    tag = ("  [matched by the config]" if definition.matched else "  [not matched by the config]") if show_match else ""
    lines = [f"    {mark} {definition.dotted}{tag}"]
    importers = _files(len(candidate.importers))
    lines.append(f"        {definition.path}:{definition.line}  {definition.kind}; imported by {importers}")
    if definition.traits:
        lines.append(f"        {'; '.join(definition.traits)}")
    for spelled, files in sorted(candidate.spellings.items(), key=lambda kv: -len(kv[1])):
        if spelled != definition.dotted:
            lines.append(f"        also imported as {spelled} ({_files(len(files))})")
    reasons = "; ".join(definition.reasons)
    lines.append(f"        {definition.verdict}" + (f": {reasons}" if reasons else ""))
    return lines


def _alias_lines(candidate: AliasCandidate) -> list[str]:
    alias = candidate.alias
    tag = "  [in the config]" if alias.matched else ""
    return [
        f"    {alias.dotted}{tag}",
        f"        {alias.path}:{alias.line}  = {alias.value}; imported by {_files(len(candidate.importers))}",
    ]


def paste_block(inventory: Inventory) -> str:
    return "\n".join(escape(line) for line in paste_lines(inventory))


def paste_lines(inventory: Inventory) -> list[str]:
    lines = [inventory.table]
    for category, suggestions in inventory.suggestions.items():
        if not suggestions:
            lines.append(f"{category} = []")
            continue
        lines.append(f"{category} = [")
        width = max(len(json.dumps(s.entry)) for s in suggestions) + 1
        for suggestion in suggestions:
            entry = f"{json.dumps(suggestion.entry)},".ljust(width)
            prefix = "    " if suggestion.enabled else "    # "
            lines.append(f"{prefix}{entry}  # {suggestion.note}")
        lines.append("]")
    lines.append(f"session-names = {json.dumps(list(inventory.session_names))}")
    for key, flow in inventory.flow.items():
        lines.append(f"{key} = [" if flow else f"{key} = []")
        if flow:
            width = max(len(json.dumps(s.entry)) for s in flow) + 1
            for line in flow:
                prefix = "    " if line.enabled else "    # "
                lines.append(f"{prefix}{json.dumps(line.entry) + ',':<{width}}  # {line.note}")
            lines.append("]")
    return lines


def _producer_lines(inventory: Inventory) -> list[str]:
    """Per context type, the methods that return it and the functions that yield it."""
    by_type: dict[str, list[Producer]] = {}
    for producer in inventory.producers:
        if producer.context_type:
            by_type.setdefault(producer.context_type, []).append(producer)
    if not by_type:
        return []
    out = ["", "context-methods and context-scopes (what returns or yields each context type)"]
    for context_type, producers in sorted(by_type.items()):
        out.append(f"  {context_type}")
        for producer in producers:
            how = "returned by method" if producer.relation == RETURNS else "yielded to `with` by"
            test = "  (test code)" if producer.in_tests else ""
            out.append(f"    {how} {producer.dotted}  {producer.path}:{producer.line}{test}")
    others = [p for p in inventory.producers if not p.context_type]
    names = {p.name for p in inventory.producers if p.context_type and p.relation == YIELDS}
    for producer in others:
        if producer.name in names:
            out.append(f"  not a context: {producer.dotted} ({producer.path}:{producer.line}) yields something else")
    return out


def render_json(inventory: Inventory) -> str:
    document: dict[str, Any] = {
        "files": inventory.files,
        "parsed": inventory.parsed,
        "skipped": [{"path": p, "reason": r} for p, r in inventory.skipped],
        "categories": {
            category: {
                "names": [_group_dict(g) for g in groups],
                "aliases": [_alias_dict(a) for a in inventory.aliases.get(category, [])],
                "suggested": [
                    {"entry": s.entry, "enabled": s.enabled, "note": s.note} for s in inventory.suggestions[category]
                ],
            }
            for category, groups in inventory.groups.items()
        },
        "session-names": list(inventory.session_names),
        "producers": [
            {
                "name": p.name,
                "dotted": p.dotted,
                "path": p.path,
                "line": p.line,
                "relation": p.relation,
                "context_type": p.context_type or None,
                "method": p.is_method,
            }
            for p in inventory.producers
        ],
        "flow": {
            key: [{"entry": s.entry, "enabled": s.enabled, "note": s.note} for s in lines]
            for key, lines in inventory.flow.items()
        },
        "toml": paste_block(inventory),
    }
    return json.dumps(document, indent=2) + "\n"


def _group_dict(group: NameGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "configured": list(group.configured),
        "ambiguous": group.ambiguous,
        "definitions": [_candidate_dict(c) for c in group.candidates],
        "external": {m: len(f) for m, f in sorted(group.external.items())},
        "missing": {m: len(f) for m, f in sorted(group.missing.items())},
        "unbound": [{"path": u.path, "line": u.line} for u in group.unbound],
    }


def _candidate_dict(candidate: Candidate) -> dict[str, Any]:
    d = candidate.definition
    return {
        "dotted": d.dotted,
        "path": d.path,
        "line": d.line,
        "kind": d.kind,
        "verdict": d.verdict,
        "reasons": list(d.reasons),
        "evidence": list(d.traits),
        "addressable": d.addressable,
        "matched": d.matched,
        "importers": len(candidate.importers),
        "imported_as": {s: len(f) for s, f in sorted(candidate.spellings.items())},
    }


def _alias_dict(candidate: AliasCandidate) -> dict[str, Any]:
    a = candidate.alias
    return {
        "dotted": a.dotted,
        "path": a.path,
        "line": a.line,
        "value": a.value,
        "target": a.target,
        "matched": a.matched,
        "importers": len(candidate.importers),
    }


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"
