"""``ctxsep baseline update --with-mypy [MYPY ARGS]``: record what only types
show, in one command.

It runs, from the current directory, exactly the long form of
docs/baselines.md::

    CTXSEP_RECORD=<temp file> python -m mypy [MYPY ARGS]
    ctxsep baseline update --allow-growth --typed <temp file> [PATH ...]

with the Python that runs ctxsep (so mypy and ctxsep's mypy plugin are the
installed ones) and a fresh temporary record file, deleted afterwards.
mypy's own findings are not printed (the baseline update reports what it
recorded); exit 1 from mypy is normal (ctxsep's findings are mypy errors),
anything else is an error showing mypy's output.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ctxsep.baseline.typed import RECORD_ENV
from ctxsep.model import CtxsepError


@contextmanager
def mypy_record(mypy_args: list[str]) -> Iterator[Path]:
    """Run mypy recording to a temporary file; yield the file while it exists."""
    if importlib.util.find_spec("mypy") is None:
        raise CtxsepError("--with-mypy needs mypy: pip install 'ctxsep[mypy]'")
    with tempfile.TemporaryDirectory(prefix="ctxsep-mypy-") as directory:
        record = Path(directory) / "typed.jsonl"
        command = [sys.executable, "-m", "mypy", *mypy_args]
        shown = shlex.join(["python", "-m", "mypy", *mypy_args])  # as docs/cli.md shows it
        print(f"ctxsep: running `{RECORD_ENV}=<temp file> {shown}`", flush=True)
        proc = subprocess.run(
            command, env={**os.environ, RECORD_ENV: str(record)}, capture_output=True, text=True, check=False
        )
        if proc.returncode not in (0, 1):
            details = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise CtxsepError("\n".join([f"`{shown}` failed (exit {proc.returncode}):", *details]))
        if not record.exists():
            raise CtxsepError(
                f"`{shown}` recorded nothing: is ctxsep's plugin in mypy's config "
                '(plugins = ["mypy_ctxsep"]) and does mypy check any file?'
            )
        yield record


__all__ = ["mypy_record"]
