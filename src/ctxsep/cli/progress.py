"""Progress on stderr for long runs on a terminal (SPEC §9).

``ctxsep check`` shows ``ctxsep: 1,234/5,598 files`` on stderr, rewritten in
place, once a run has taken ``CTXSEP_PROGRESS_AFTER`` seconds (default 2),
and clears the line when the run ends. Never when stderr is not a terminal
(a pipe, a file, a CI log), when the ``CI`` environment variable is set (CI
services run some jobs on a pseudo-terminal), or with ``-q``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

#: Seconds a run takes before progress appears (SPEC §9: "longer than ~2 s").
DEFAULT_AFTER = 2.0
#: At most this many redraws a second: a terminal is slow to write to.
_REDRAW = 0.1


def wanted(stream: TextIO, quiet: bool, environ: dict[str, str] | None = None) -> bool:
    """Whether a run should show progress on ``stream``."""
    env = os.environ if environ is None else environ
    if quiet or env.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def _after(env: dict[str, str] | os._Environ[str]) -> float:
    raw = env.get("CTXSEP_PROGRESS_AFTER", "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_AFTER
    except ValueError:
        return DEFAULT_AFTER
    return value if value >= 0 else DEFAULT_AFTER


class Progress:
    """``update(done, total)`` as files finish; ``close()`` at the end."""

    def __init__(
        self,
        stream: TextIO,
        after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        unit: str = "files",
    ) -> None:
        self.stream = stream
        self.unit = unit  # what is counted ("commits" for report --history)
        self.after = _after(os.environ) if after is None else after
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.width = 0

    def update(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.started < self.after:
            return
        if self.drawn_at is not None and now - self.drawn_at < _REDRAW and done < total:
            return
        text = f"ctxsep: {done:,}/{total:,} {self.unit}"
        self._write("\r" + text.ljust(self.width))
        self.width = len(text)
        self.drawn_at = now

    def close(self) -> None:
        """Clear the line, so the report starts on a clean one."""
        if self.drawn_at is not None:
            self._write("\r" + " " * self.width + "\r")
            self.drawn_at = None

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on
            pass


@contextmanager
def for_run(stream: TextIO, quiet: bool, unit: str = "files") -> Iterator[Progress | None]:
    """The progress a run should show (``check``: files, ``report --history``:
    commits), or None; its line is cleared when the run ends, even by an error."""
    shown = Progress(stream, unit=unit) if wanted(stream, quiet) else None
    try:
        yield shown
    finally:
        if shown is not None:
            shown.close()


__all__ = ["DEFAULT_AFTER", "Progress", "for_run", "wanted"]
