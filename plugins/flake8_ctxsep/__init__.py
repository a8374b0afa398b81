"""flake8 front end: translates engine findings into flake8 results.

Registered by entry point under the code prefix ``CTX``. The config (and so
the phase) is found from each file's own path — for stdin, from
``--stdin-display-name`` — or pinned with ``--ctxsep-config``. Nothing here
decides what is a finding; a crash inside ctxsep becomes one ``CTX900``
result instead of aborting the flake8 run, and a broken config one ``CTX901``
result per affected file, listing every problem. Each finding's text
carries its severity: ``CTX002 [warn] …`` or ``CTX002 [error] …``.
"""

from __future__ import annotations

import argparse
import ast
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ctxsep import __version__, atomic
from ctxsep.config import SettingsResolver
from ctxsep.engine import SkipFile, check_file, decode_source
from ctxsep.model import CONFIG_ERROR_CODE, SKIPPED_CODE, ConfigError, Finding, internal_error

Result = tuple[int, int, str, type[Any]]

#: One resolver per flake8 run (one options object), reused by every file of
#: the run and by forked workers; a new run (editors run flake8 in-process,
#: repeatedly) gets a fresh one. Config files are re-stat'ed on use, so a run
#: that reuses an options object (flake8's legacy API) still sees edits.
#: The options object is held, not its id, so a later run cannot reuse the id.
_cached: tuple[argparse.Namespace | None, SettingsResolver] | None = None


def _resolver(options: argparse.Namespace | None) -> SettingsResolver:
    global _cached
    if _cached is None or _cached[0] is not options:
        explicit = getattr(options, "ctxsep_config", None) if options is not None else None
        _cached = (options, SettingsResolver(explicit=Path(explicit) if explicit else None))
    return _cached[1]


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
        try:
            resolver = _resolver(self.options)
            source, tree = self._source()
            result = check_file(
                self._path(resolver),
                resolver,
                source=source,
                display_path=self.filename,
                tree=tree,
            )
        except ConfigError as exc:
            # One result per affected file, listing every problem: not one per
            # problem per file (noise), and not once per run (a noqa comment or a
            # per-file-ignore on that one file would hide a broken config).
            yield 1, 0, f"{CONFIG_ERROR_CODE} ctxsep config error: {'; '.join(exc.problems)}", type(self)
            return
        except Exception as exc:  # never let a ctxsep bug abort the whole flake8 run
            yield 1, 0, f"{SKIPPED_CODE} {internal_error(exc)}", type(self)
            return
        for finding in result.findings:
            yield finding.line, finding.col, flake8_text(finding), type(self)

    # -- what flake8 read, checked against what Python would read -------------------

    def _from_stdin(self) -> bool:
        options = self.options
        if options is None:
            return self.filename in ("stdin", "-")
        return "-" in (getattr(options, "filenames", None) or ()) and self.filename == getattr(
            options, "stdin_display_name", "stdin"
        )

    def _path(self, resolver: SettingsResolver) -> str:
        """Where the file sits, for its config: stdin's relative display name
        is placed in the project, not under whatever cwd the editor has."""
        if self._from_stdin():
            return resolver.place_display_name(self.filename)
        return self.filename

    def _source(self) -> tuple[str | bytes, ast.Module | None]:
        """The text to check and flake8's tree when that text is what Python
        itself would read. flake8 falls back to latin-1 when a file is not
        valid in its declared (or default UTF-8) encoding, or names an unknown
        one; Python refuses such a file, and so does every other front end
        (CTX900). Only a non-ASCII text or one with a coding cookie can differ,
        so only those are looked at again."""
        text = "".join(self.lines)
        if text.isascii() and not any(b"coding" in line.encode() for line in self.lines[:2]):
            return text, self.tree
        data = self._original_bytes(text)
        try:
            decoded = decode_source(data)
        except SkipFile:
            return data, None  # the engine reports the same reason the CLI does
        if decoded == text or decoded == text.removeprefix("\ufeff"):
            return text, self.tree
        return decoded, None

    def _original_bytes(self, text: str) -> bytes:
        if not self._from_stdin():
            try:
                return atomic.read_source(self.filename)
            except OSError:
                pass
        # stdin (flake8 keeps only its decoded text): re-encode it as its
        # cookie declares, which gives back the bytes flake8 decoded, or
        # UTF-8 (flake8's fallback) when that fails.
        utf8 = text.encode("utf-8", "surrogateescape")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(utf8).readline)
            return text.encode(encoding)
        except (SyntaxError, LookupError, UnicodeError):
            return utf8


def flake8_text(finding: Finding) -> str:
    """``CTX002 [warn] message``: flake8 shows every result alike, so the
    severity of the file's phase goes into the text (a ``transitional``
    warning and a ``migrated`` error no longer look the same)."""
    code, _, text = finding.message.partition(" ")
    if code != finding.code:
        text = finding.message
    return f"{finding.code} [{finding.severity.label}] {text}"
