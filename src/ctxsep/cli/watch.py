"""``ctxsep check --watch``: check, then check again whenever a file changes.

Uses `watchfiles <https://watchfiles.helpmanual.io/>`_ (the `watch` extra:
``pip install 'ctxsep[watch]'``), which waits on the operating system's
file events (inotify, FSEvents, ReadDirectoryChangesW) rather than polling.
Watched: every PATH and the ``--config`` file; a change to a ``.py``,
``.pyi``, ``.toml`` or ``.json`` file (sources, configs, baselines) starts a
new run, with the configs read afresh. Directories ``check`` never walks
(``.git``, ``.venv``, ``.ctxsep_cache`` …) are ignored, so the cache a run
writes does not start another. Results go to stdout as usual (the screen is
cleared first on a terminal); progress notes go to stderr. Ctrl-C stops
quietly (no watchfiles message, no traceback);
the exit code is the last run's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ctxsep.model import CtxsepError
from ctxsep.runner import SKIPPED_DIRS
from ctxsep.textsafe import escape

WATCHED_SUFFIXES = (".py", ".pyi", ".toml", ".json")


def _note(text: str) -> None:
    """One line to stderr, its control characters escaped (a hostile path stays one line)."""
    print(f"ctxsep: {escape(text)}", file=sys.stderr, flush=True)


def watch(args: argparse.Namespace, check: Callable[[], int]) -> int:
    try:
        import watchfiles
    except ImportError:
        raise CtxsepError("--watch needs the watchfiles package: pip install 'ctxsep[watch]'") from None

    class _Filter(watchfiles.DefaultFilter):
        def __init__(self) -> None:
            super().__init__(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, *SKIPPED_DIRS))

        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            return path.endswith(WATCHED_SUFFIXES) and super().__call__(change, path)

    targets = [Path(p) for p in args.paths]
    if args.config is not None:
        targets.append(Path(args.config))
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        raise CtxsepError(f"{missing[0]}: no such file or directory (--watch needs existing paths)")
    clear = sys.stdout.isatty()
    code = check()
    _note(f"watching {', '.join(str(t) for t in targets)} for changes (Ctrl-C to stop)")
    # raise_interrupt=True: with False, watchfiles logs its own "KeyboardInterrupt caught, stopping watch".
    changes_seen = watchfiles.watch(*targets, watch_filter=_Filter(), debounce=400, raise_interrupt=True)
    try:
        for changes in changes_seen:
            if clear:
                sys.stdout.write("\x1b[2J\x1b[H")
            _note(f"{len(changes)} change{'s' if len(changes) != 1 else ''}; checking again")
            try:
                code = check()
            except CtxsepError as exc:  # a config broken mid-edit: say so and keep watching
                for line in str(exc).splitlines():
                    _note(f"error: {line}")
                code = 2
            _note("watching for changes (Ctrl-C to stop)")
    except KeyboardInterrupt:  # Ctrl-C, while waiting or mid-run: stop quietly with the last run's code
        pass
    return code


__all__ = ["WATCHED_SUFFIXES", "watch"]
