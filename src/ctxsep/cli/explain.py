"""``ctxsep explain PATH``: which config, which key, which phase, each
rule's severity with the reason, and the file's baseline entries."""

from __future__ import annotations

import argparse
from typing import Any

from ctxsep.cli.emit import emit
from ctxsep.cli.options import add_config, cli_resolver, require_paths
from ctxsep.config import FileSettings, SettingsResolver
from ctxsep.engine import baseline_for
from ctxsep.model import BaselineError
from ctxsep.output.escape import join_lines
from ctxsep.output.explain_text import NO_CONFIG, override_reason
from ctxsep.rules import ALL_RULES


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show the config, phase-map key, phase and rule severities that apply to a path",
        description="Explain how PATH gets its phase and what each rule does there. PATH must exist; a "
        "symlink is placed where the link sits, not where it points (as every front end places it).",
    )
    parser.add_argument("path", metavar="PATH")
    add_config(parser)
    parser.set_defaults(handler=run)


def explain(path: str, resolver: SettingsResolver) -> str:
    settings = resolver.for_path(path)
    config = settings.config
    out = [f"path:    {path}"]
    if config.path is None:
        out.append(f"config:  {NO_CONFIG}")
    else:
        how = "given with --config" if resolver.explicit else "nearest to the path"
        out.append(f"config:  {config.path} ({how})")
    out.append(f"root:    {config.root}")
    out.append(f"relative path: {settings.rel_path}")
    absolute = resolver.cwd / path
    if absolute.is_symlink():
        out.append("symlink: yes; its phase is that of where the link sits, not of its target")
    candidates = config.phase_map.candidates(settings.rel_path)
    if candidates:
        out.append("matching phase-map keys (most specific first):")
        parts = settings.rel_path.split("/")
        for key, depth in candidates:
            mark = "*" if settings.phase_key is key else " "
            kind = "glob" if key.is_glob else "path"
            # a key matching the path itself scores one more than its own depth
            what = "this path itself" if depth > len(parts) else "directory " + "/".join(parts[:depth]) + "/"
            out.append(f"  {mark} {key.key!r} = {key.phase.label!r}  ({kind}, depth {depth}: {what})")
    else:
        out.append("matching phase-map keys: none")
    reason = f"key {settings.phase_key.key!r}" if settings.phase_key else "default-phase"
    out.append(f"phase:   {settings.phase.label} (from {reason})")
    out.append("rules:")
    for rule in ALL_RULES:
        severity = settings.severities[rule.code]
        why = override_reason(settings, rule) or f"default for {settings.phase.label}"
        note = " (mypy/pylint only)" if rule.needs_types else ""
        out.append(f"  {rule.code} {rule.symbol:<28} {severity.label:<5}  {why}{note}")
    out.extend(_baseline_lines(settings))
    return join_lines(out)  # a hostile path stays one line


def _baseline_lines(settings: FileSettings) -> list[str]:
    """The baseline entries for this file and whether each hides findings now."""
    path = settings.config.baseline_path
    try:
        baseline = baseline_for(settings.config)
    except BaselineError as exc:
        return [f"baseline: {path}: cannot be used: {exc.problems[0]}"]
    if not baseline.exists:
        return [f"baseline: {path} (does not exist; nothing is hidden)"]
    entries = baseline.for_file(settings.rel_path)
    out = [f"baseline: {path} ({len(entries)} entr{'y' if len(entries) == 1 else 'ies'} for this file)"]
    for entry in entries:
        state = (
            "hides findings"
            if entry.active_in(settings.phase)
            else f"inactive: the file is now {settings.phase.label} (promoted)"
        )
        out.append(
            f"  {entry.code} in {entry.scope} ({entry.fingerprint}) x{entry.count}, "
            f"recorded in {entry.phase.label}: {state}"
        )
    return out


def run(args: argparse.Namespace) -> int:
    resolver = cli_resolver(args)
    require_paths(resolver, [args.path])
    return emit(explain(args.path, resolver), 0)  # a closed pipe keeps the exit code
