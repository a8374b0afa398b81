"""flake8 front end: translates engine findings into flake8 results.

Registered by entry point under the code prefix ``CTX``. The config (and so
the phase) is found from each file's own path — for stdin, from
``--stdin-display-name`` — or pinned with ``--ctxsep-config``. Nothing here
decides what is a finding; a crash inside ctxsep becomes one ``CTX900``
result instead of aborting the flake8 run, and a broken config one ``CTX901``
result per problem (per worker process with ``-j``), on the first file it
affects.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ctxsep import __version__
from ctxsep.config import SettingsResolver
from ctxsep.engine import check_file
from ctxsep.model import CONFIG_ERROR_CODE, SKIPPED_CODE, ConfigError

Result = tuple[int, int, str, type[Any]]

#: One resolver per flake8 run (one options object), reused by every file of
#: the run and by forked workers; a new run (editors run flake8 in-process,
#: repeatedly) gets a fresh one, so config discovery is never stale. Within a
#: run each config file is read once (``recheck=False``: no stat per file).
#: The options object is held, not its id, so a later run cannot reuse the id.
#: The set holds the config problems this process has reported in the run:
#: each is shown once (once per worker with ``-j``), not on every file.
_cached: tuple[argparse.Namespace | None, SettingsResolver, set[str]] | None = None


def _run_state(options: argparse.Namespace | None) -> tuple[SettingsResolver, set[str]]:
    global _cached
    if _cached is None or _cached[0] is not options:
        explicit = getattr(options, "ctxsep_config", None) if options is not None else None
        _cached = (options, SettingsResolver(explicit=Path(explicit) if explicit else None, recheck=False), set())
    return _cached[1], _cached[2]


class Plugin:
    name = "ctxsep"
    version = __version__

    def __init__(
        self, tree: ast.Module, filename: str, lines: list[str], options: argparse.Namespace | None = None
    ) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines
        self.options = options

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.add_option(
            "--ctxsep-config",
            default=None,
            parse_from_config=True,
            metavar="FILE",
            help="ctxsep config file (ctxsep.toml or pyproject.toml) to use for every file, "
            "instead of discovering one from each file's directory",
        )

    def run(self) -> Iterator[Result]:
        resolver, reported = _run_state(self.options)
        try:
            result = check_file(
                self.filename,
                resolver,
                source="".join(self.lines),
                display_path=self.filename,
                tree=self.tree,
            )
        except ConfigError as exc:
            for problem in exc.problems:
                if problem not in reported:
                    reported.add(problem)
                    yield 1, 0, f"{CONFIG_ERROR_CODE} ctxsep config error: {problem}", type(self)
            return
        except Exception as exc:  # never let a ctxsep bug abort the whole flake8 run
            yield 1, 0, f"{SKIPPED_CODE} ctxsep internal error: {type(exc).__name__}: {exc}", type(self)
            return
        for finding in result.findings:
            yield finding.line, finding.col, finding.message, type(self)
