"""``ctxsep report [PATH]``: the migration's state per directory, now or over time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ctxsep.atomic import write_atomic
from ctxsep.cli import progress
from ctxsep.cli.options import add_config, add_jobs, cache_disabled, positive_int, resolver_for_path
from ctxsep.config import SettingsResolver
from ctxsep.model import CtxsepError
from ctxsep.output.escape import escape
from ctxsep.output.graph import GRAPH_FORMATS

#: The report's modules are imported when the command runs: every other
#: command (``check`` first) starts faster without them.
RENDERERS = ("html", "json", "md")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="per directory: phase, legacy vs scoped calls, findings by rule, readiness for the next phase",
        description="Report the migration's state for every directory under PATH (default: .): its phase, "
        "legacy constructor calls vs scoped factory calls, findings per rule (error / warn / baselined) "
        "and whether its files would pass the gate to the next phase. With --history, the same at sampled "
        "commits of the git history, and when the migration completes at the recent pace.",
    )
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="directory to report on (default: .)")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="md", help="output format (default: md)")
    parser.add_argument(
        "--graph",
        nargs="?",
        const="mermaid",
        choices=GRAPH_FORMATS,
        default=None,
        metavar="{mermaid,dot}",
        help="add a graph of the modules that still import or use legacy symbols (default: mermaid)",
    )
    parser.add_argument(
        "-o",
        "--output-file",  # as check, gate and baseline check spell it
        "--output",
        type=Path,
        default=None,
        dest="output",
        metavar="FILE",
        help="write the report to FILE instead of stdout",
    )
    parser.add_argument(
        "--typed",
        type=Path,
        default=None,
        metavar="FILE",
        help="count CTX006 (and the other type-aware findings) recorded by mypy/pylint with CTXSEP_RECORD=FILE",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        default=None,
        metavar="OLD.json",
        help="print what got better and what got worse since OLD.json (an earlier `report --format json`)",
    )
    history = parser.add_argument_group("history (see docs/report.md)")
    history.add_argument(
        "--history",
        action="store_true",
        help="report at sampled commits of the first-parent git history of the repository containing PATH",
    )
    history.add_argument(
        "--since", default=None, metavar="DATE|REV", help="start the walk at this date (YYYY-MM-DD) or revision"
    )
    history.add_argument(
        "--every",
        type=positive_int,
        default=None,
        metavar="N",
        help="sample every N-th first-parent commit, back from HEAD (default: the last commit of each day)",
    )
    history.add_argument(
        "--pace-weeks",
        type=positive_int,
        default=None,
        metavar="N",
        help="project the completion dates at the pace of the last N weeks of samples (default: 4)",
    )
    caching = history.add_mutually_exclusive_group()
    caching.add_argument(
        "--no-cache",
        action="store_true",
        help="with --history: check every sampled file afresh; neither read nor write the results kept between runs",
    )
    caching.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --history: keep results between runs in DIR (default: .ctxsep_cache at the repository's root)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    add_jobs(parser)
    add_config(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    resolver = resolver_for_path(args)
    history_only = [
        flag
        for flag, value in (
            ("--since", args.since),
            ("--every", args.every),
            ("--pace-weeks", args.pace_weeks),
            ("--no-cache", args.no_cache or None),
            ("--cache-dir", args.cache_dir),
        )
        if value is not None
    ]
    if history_only and not args.history:
        raise CtxsepError(f"{', '.join(history_only)}: only with --history")
    if args.history and (args.compare is not None or args.typed is not None or args.graph is not None):
        raise CtxsepError("--compare, --typed and --graph apply to a report of the tree, not to --history")
    text = _history(args, resolver.cwd) if args.history else _report(args, resolver)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomic(resolver.cwd / args.output, text)
        except OSError as exc:
            raise CtxsepError(f"{args.output}: cannot write the report: {exc.strerror or exc}") from None
    return 0


def _report(args: argparse.Namespace, resolver: SettingsResolver) -> str:
    from ctxsep.migration.report import run_report, source_info
    from ctxsep.output.report import render_json, render_md
    from ctxsep.output.report_html import render_html

    renderers = {"md": render_md, "json": render_json, "html": render_html}
    typed = None
    if args.typed is not None:
        from ctxsep.baseline.typed import read_typed

        typed = read_typed(resolver.cwd / args.typed)
    report = run_report(args.path, resolver, jobs=args.jobs, typed=typed)
    report.source = source_info(resolver.cwd / args.path)
    if args.compare is not None:
        from ctxsep.output.report_compare import load_previous, render_compare

        previous = load_previous(resolver.cwd / args.compare)
        return render_compare(previous, report, args.format)
    return renderers[args.format](report, args.graph)


def _history(args: argparse.Namespace, cwd: Path) -> str:
    from ctxsep.migration.gitrepo import GitError, toplevel
    from ctxsep.migration.history import walk_history
    from ctxsep.migration.projection import DEFAULT_WEEKS, project
    from ctxsep.migration.report import source_info
    from ctxsep.output.report_history import render_history_json, render_history_md
    from ctxsep.output.report_history_html import render_history_html

    target = cwd / args.path
    repo = toplevel(target)
    if repo is None:
        raise GitError(f"{args.path}: not inside a git repository; --history walks its git history")
    explicit = (cwd / args.config).resolve() if args.config is not None else None
    if explicit is not None:
        from ctxsep.config import load_config

        load_config(explicit)  # a missing or broken --config is one error, not one per commit
    from ctxsep.migration.history_store import HistoryStore, store_path

    cache_dir = cwd / args.cache_dir if args.cache_dir is not None else None
    store = HistoryStore(None if cache_disabled(args) else store_path(repo, cache_dir), None if cache_dir else repo)
    if store.refused is not None:
        print(f"ctxsep: warning: not using the history cache: {escape(store.refused)}", file=sys.stderr)
    # commits done / total, on a terminal only (SPEC §9)
    with progress.for_run(sys.stderr, args.quiet, unit="commits") as shown:
        history = walk_history(
            args.path,
            repo,
            cwd,
            explicit_config=explicit,
            since=args.since,
            every=args.every,
            jobs=args.jobs,
            on_commit=(lambda done, total, _commit: shown.update(done, total)) if shown is not None else None,
            store=store,
        )
    projection = project(history, args.pace_weeks or DEFAULT_WEEKS)
    source = source_info(target)
    renderers = {"md": render_history_md, "json": render_history_json, "html": render_history_html}
    return renderers[args.format](history, projection, source)
