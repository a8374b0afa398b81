"""``ctxsep baseline create|update|check|prune``: record today's findings,
shrink the record as code gets fixed, and fail CI on anything new.

Each config's baseline file (``baseline`` in ``[tool.ctxsep]``, default
``ctxsep-baseline.json`` beside the config) holds the entries of the files
that config governs. Only ``create --force`` may replace a file it cannot
read; every other command refuses (exit 2) and leaves it alone.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctxsep.atomic import locked_directory
from ctxsep.baseline import is_baselinable, load_baseline
from ctxsep.cli.emit import add_findings_output, emit
from ctxsep.cli.options import add_common_options, cli_resolver
from ctxsep.config import SettingsResolver, leads_outside, relative_posix
from ctxsep.engine import baseline_for
from ctxsep.model import BaselineError, CtxsepError
from ctxsep.output.escape import escape
from ctxsep.output.style import Style, wants_colour
from ctxsep.output.text import line_for
from ctxsep.runner import collect, run_check

if TYPE_CHECKING:
    from ctxsep.migration.baseline_ops import BaselineGroup, Change

EXIT_OK, EXIT_FINDINGS = 0, 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "baseline",
        help="record known findings so only new ones fail; shrink the record as you fix them",
        description="Manage the baseline file named by each config (default ctxsep-baseline.json beside it). "
        "See docs/baselines.md for the workflow.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    create = actions.add_parser(
        "create",
        help="record every current finding",
        description="Record every current finding of PATHs in the baseline, at each file's phase. "
        "Refuses to replace an existing baseline unless --force is given.",
    )
    create.add_argument("--force", action="store_true", help="replace an existing (even unreadable) baseline")
    create.set_defaults(handler=run_create)
    update = actions.add_parser(
        "update",
        help="shrink the baseline to what still occurs",
        description="Lower counts and remove entries whose findings were fixed (or whose file is gone). "
        "Never records new findings unless --allow-growth is given.",
    )
    update.add_argument(
        "--allow-growth",
        action="store_true",
        help="also record new findings, and re-record debt a promotion un-hid, at each file's current phase",
    )
    update.add_argument(
        "--with-mypy",
        nargs=argparse.REMAINDER,
        default=None,
        metavar="MYPY_ARGS",
        help="first run mypy (with MYPY_ARGS, which must come last) recording to a temporary file, then "
        "update --allow-growth --typed that file",
    )
    update.set_defaults(handler=run_update)
    check = actions.add_parser(
        "check",
        help="fail on findings the baseline does not hold; list stale entries",
        description="Exit 1 when PATHs have any finding (warning or error) the baseline does not hide. "
        "Lists stale entries (fixed findings, deleted files) and entries a promotion un-hid.",
    )
    check.add_argument("--fail-on-stale", action="store_true", help="also exit 1 when the baseline has stale entries")
    add_findings_output(check)
    check.set_defaults(handler=run_baseline_check)
    prune = actions.add_parser(
        "prune",
        help="remove every entry that hides nothing any more",
        description="Like update, and also remove entries a promotion made inactive "
        "(their file's phase is now stricter than the one they recorded).",
    )
    prune.set_defaults(handler=run_prune)
    for sub, typed_verb in (
        (create, "also record"),
        (update, "also judge (and with --allow-growth, record)"),
        (check, "also judge"),
        (prune, "also judge"),
    ):
        add_common_options(sub)
        sub.add_argument(
            "--typed",
            action="append",
            type=Path,
            default=[],
            metavar="FILE",
            help=f"{typed_verb} what mypy or pylint recorded in FILE (run them with CTXSEP_RECORD=FILE); repeatable",
        )


def _groups(args: argparse.Namespace, read_baselines: bool = True) -> tuple[SettingsResolver, list[BaselineGroup]]:
    from ctxsep.baseline.typed import read_typed
    from ctxsep.migration.baseline_ops import group_run

    resolver = cli_resolver(args)
    typed = [read_typed(resolver.cwd / path) for path in args.typed]
    records = [record for run in typed for record in run.records]
    checked = frozenset(item for run in typed for item in run.checked)
    run = run_check(args.paths, resolver, jobs=args.jobs, baseline=read_baselines)
    files = {Path(os.path.normpath(file)) for file in run.files}
    for name, recorded in zip(args.typed, typed, strict=True):
        if not any(path in files for _, path in recorded.checked):
            raise CtxsepError(
                f"{name}: none of the files recorded there is among the files checked now "
                "(recorded in another checkout or directory?); record again here"
            )
    return resolver, group_run(
        run, resolver, args.paths, read_baselines=read_baselines, typed=records, typed_checked=checked
    )


def _say(text: str) -> None:
    """Print one line, its control characters escaped (a hostile path stays one line)."""
    print(escape(text))


def _refuse_files_outside(groups: list[BaselineGroup], resolver: SettingsResolver) -> None:
    """Entries name files relative to their config's directory; a file
    outside it (``--config ../shared/ctxsep.toml``) would be recorded as
    ``../…``, which no command accepts. Refuse before writing anything."""
    for group in groups:
        outside = [state.display for rel, state in group.files.items() if leads_outside(rel)]
        if outside:
            config = _shown(group.config.path or group.config.root, resolver)
            files = ", ".join(outside[:3]) + (f" and {len(outside) - 3} more" if len(outside) > 3 else "")
            raise CtxsepError(
                f"{config}: cannot record {files}: not under {_shown(group.config.root, resolver)}, the directory "
                "of this config, to which baseline entries (like phase keys) are relative. Use a config inside "
                "the project (a ctxsep.toml, or [tool.ctxsep] in its pyproject.toml), or record only files under "
                "the config's directory"
            )


def _shown(path: Path, resolver: SettingsResolver) -> str:
    return relative_posix(path, resolver.cwd)


def _print_changes(items: list[Change]) -> None:
    width = max((len(c.directory) for c in items), default=0)
    for change in items:
        parts = ([f"+{change.added}"] if change.added else []) + ([f"-{change.removed}"] if change.removed else [])
        _say(f"  {change.directory:<{width}}  {' '.join(parts)}")


def _findings(count: int) -> str:
    return f"{count} finding{'s' if count != 1 else ''}"


def run_create(args: argparse.Namespace) -> int:
    from ctxsep.migration.baseline_ops import changes, created_entries, write_entries

    resolver = SettingsResolver(explicit=args.config)  # _groups below warns (once)
    if not args.force:
        existing = {resolver.for_path(p).config.baseline_path for p in collect(args.paths, resolver, baseline=False)}
        present = sorted(str(p) for p in existing if p.exists())
        if present:
            raise CtxsepError(
                f"{present[0]}: a baseline already exists; use `ctxsep baseline update` to change it, "
                "or `ctxsep baseline create --force` to replace it"
            )
    resolver, groups = _groups(args, read_baselines=False)
    _refuse_files_outside(groups, resolver)
    for group in groups:
        keep_others = False
        with _locked(group):
            if not args.force and os.path.lexists(group.path):  # another `create` finished meanwhile
                raise CtxsepError(
                    f"{_shown(group.path, resolver)}: a baseline was created meanwhile; "
                    "use `ctxsep baseline update --allow-growth` to add to it"
                )
            if args.force and group.path.exists():
                try:
                    group.baseline = load_baseline(group.path)
                    keep_others = True
                except BaselineError as exc:
                    _say(f"ctxsep: replacing unreadable {_shown(group.path, resolver)} ({exc.problems[0]})")
            entries = created_entries(group, keep_others=keep_others)
            write_entries(group.path, entries)
        total = sum(e.count for e in entries)
        _say(f"ctxsep: wrote {_shown(group.path, resolver)}: {_findings(total)} in {len(entries)} entries")
        _print_changes(changes(group.baseline.entries, entries, group.config, resolver.cwd))
        skipped = [s.display for s in group.files.values() if s.skipped]
        if skipped:
            _say(f"ctxsep: {len(skipped)} file(s) could not be checked and have nothing recorded: {', '.join(skipped)}")
        if group.config.path is None:
            _say(
                "ctxsep: note: no ctxsep config was found, so the baseline sits in the current directory; "
                "add a [tool.ctxsep] table to pyproject.toml so every linter finds it"
            )
    return EXIT_OK


def _locked(group: BaselineGroup) -> AbstractContextManager[None]:
    """The lock around one baseline's read-modify-write (SPEC §7: concurrent
    writers never lose entries): the directory the baseline sits in."""
    with contextlib.suppress(OSError):  # write_entries reports a place it cannot write to
        group.path.parent.mkdir(parents=True, exist_ok=True)
    return locked_directory(group.path.parent)


def _require_existing(groups: list[BaselineGroup]) -> None:
    for group in groups:
        if not group.baseline.exists:
            raise CtxsepError(f"{group.path}: no baseline here yet; record one with `ctxsep baseline create`")


def _shrink(args: argparse.Namespace, allow_growth: bool, drop_gated: bool, verb: str) -> int:
    from ctxsep.migration.baseline_ops import changes, check_group, updated_entries, write_entries

    resolver, groups = _groups(args)
    _require_existing(groups)
    _refuse_files_outside(groups, resolver)
    unrecorded = 0
    for group in groups:
        with _locked(group):
            # Read again under the lock: another update may have written since this run read it.
            group.baseline = baseline_for(group.config)  # re-parsed only if it changed (a write replaces its inode)
            entries = updated_entries(group, allow_growth=allow_growth, drop_gated=drop_gated)
            written = write_entries(group.path, entries)
        diff = changes(group.baseline.entries, entries, group.config, resolver.cwd)
        shown = _shown(group.path, resolver)
        if written:
            added = sum(c.added for c in diff)
            removed = sum(c.removed for c in diff)
            summary = ", ".join(
                part for part in (f"+{added}" if added else "", f"-{removed}" if removed else "") if part
            )
            _say(f"ctxsep: {verb} {shown}: {summary or 'entries rewritten'}")
            _print_changes(diff)
        else:
            _say(f"ctxsep: {shown} is up to date")
        if not allow_growth:
            new = check_group(group).new
            recordable = [f for f in new if is_baselinable(f)]
            unrecorded += len(recordable)
            if recordable:
                _say(
                    f"ctxsep: {_findings(len(recordable))} not in {shown} were not recorded "
                    "(fix them, or record them with `ctxsep baseline update --allow-growth`):"
                )
                for finding in recordable:
                    print("  " + line_for(finding))
    return EXIT_FINDINGS if unrecorded else EXIT_OK


def run_update(args: argparse.Namespace) -> int:
    if args.with_mypy is not None:
        from ctxsep.cli.with_mypy import mypy_record

        with mypy_record(args.with_mypy) as record:
            args.typed = [*args.typed, record]
            return _shrink(args, allow_growth=True, drop_gated=False, verb="updated")
    return _shrink(args, allow_growth=args.allow_growth, drop_gated=False, verb="updated")


def run_prune(args: argparse.Namespace) -> int:
    return _shrink(args, allow_growth=False, drop_gated=True, verb="pruned")


def run_baseline_check(args: argparse.Namespace) -> int:
    from ctxsep.migration.baseline_ops import check_group
    from ctxsep.output.baseline_check import Section, StaleLine, UnhiddenLine, render

    resolver, groups = _groups(args)
    sections = []
    for group in groups:
        outcome = check_group(group)
        sections.append(
            Section(
                baseline=_shown(group.path, resolver),
                exists=group.baseline.exists,
                new=outcome.new,
                stale=[
                    StaleLine(_entry_path(group, s.entry.path, resolver), s.entry.code, s.entry.scope, s.reason)
                    for s in outcome.stale
                ],
                unhidden=[
                    UnhiddenLine(_entry_path(group, e.path, resolver), e.code, e.scope, e.phase.label, phase.label)
                    for e, phase in outcome.gated
                ],
            )
        )
    new_count = sum(len(s.new) for s in sections)
    stale_count = sum(len(s.stale) for s in sections)
    failed = new_count > 0 or (args.fail_on_stale and stale_count > 0)
    colour = args.output_file is None and wants_colour(sys.stdout)
    text = render(sections, args.format, args.quiet, Style(colour))
    return emit(text, EXIT_FINDINGS if failed else EXIT_OK, args.output_file)


def _entry_path(group: BaselineGroup, rel: str, resolver: SettingsResolver) -> str:
    return relative_posix(group.config.root / rel, resolver.cwd)
