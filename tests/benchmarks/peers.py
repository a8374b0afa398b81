"""The timed runs of the benchmark: each peer, alternating and repeated.

Every run is a subprocess; ``measure`` takes its wall time, its CPU time
(user + sys of the process and the children it waited for) and the peak RSS
of its largest process from ``wait4``. See ``bench.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpus import Corpus, subset

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
BANNED = """\
[lint.flake8-tidy-imports.banned-api]
"app.context.create_user_execution_context".msg = "use get_request_scoped_user_context"
"app.context.UserExecutionContext".msg = "use RequestScopedContext"
"""
PYLINT_CHEAP = ["--disable=all", "--enable=unused-import,unused-variable,undefined-variable,unused-argument"]


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    status: int


@dataclass
class Row:
    name: str
    samples: list[Sample] = field(default_factory=list)
    lines: int = 0

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss(self) -> float:
        return max(s.rss_mb for s in self.samples)


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Wall time, CPU time and peak RSS (largest process) of one run."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{message}")
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Sample(wall, usage.ru_utime + usage.ru_stime, rss, proc.returncode)


def tool(name: str) -> str | None:
    candidate = BIN / name
    return str(candidate) if candidate.exists() else shutil.which(name)


def alternate(reps: int, variants: list[tuple[Row, Callable[[], Sample]]]) -> None:
    """Each rep runs every variant once; odd reps run them in reverse order,
    so drift on a busy machine falls on both sides."""
    for rep in range(reps):
        order = variants if rep % 2 == 0 else list(reversed(variants))
        for row, run in order:
            row.samples.append(run())


def cold_and_warm(ctxsep: list[str], cache: Path, root: Path, cold: Row, warm: Row) -> tuple[Row, Callable[[], Sample]]:
    """The variant timing a cold ``ctxsep check`` (empty cache) into ``cold``,
    each followed by a warm one into ``warm``; runs one uncached check first
    (to warm the page cache)."""

    def run() -> Sample:
        shutil.rmtree(cache, ignore_errors=True)
        sample = measure([*ctxsep, "--cache-dir", str(cache), "."], root)
        warm.samples.append(measure([*ctxsep, "--cache-dir", str(cache), "."], root))
        return sample

    measure([*ctxsep, "--no-cache", "."], root)
    return cold, run


# -- the peers ---------------------------------------------------------------------


def whole_corpus(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[Row]:
    rows = []
    ctxsep = [tool("ctxsep") or "ctxsep", "check", "-q", "-j", str(args.jobs)]
    cache = work / "ctxsep-cache"
    variants: list[tuple[Row, Callable[[], Sample]]] = []
    ruff = tool("ruff")
    if "ruff" in args.peers and ruff:
        (work / "ruff-banned.toml").write_text(BANNED, encoding="utf-8")
        ruff_cmd = [ruff, "check", "--no-cache", "--config", str(work / "ruff-banned.toml"), "--select", "TID251"]
        ruff_cmd += ["--exit-zero", "-q", "."]
        row = Row("ruff check --select TID251", lines=corpus.total_lines)
        variants.append((row, lambda: measure(ruff_cmd, corpus.root)))
        measure(ruff_cmd, corpus.root)  # warm the page cache
        rows.append(row)
    elif "ruff" in args.peers:
        print("  ruff is not installed: its row is skipped")
    if "ctxsep" in args.peers:
        cold, warm = Row("ctxsep check, cold", lines=corpus.total_lines), Row("ctxsep check, warm")
        variants.append(cold_and_warm(ctxsep, cache, corpus.root, cold, warm))
        rows += [cold, warm]
        # SPEC §9: `ctxsep fix` on the whole tree, no slower than 3 x a cold check
        # (--diff writes nothing, so every repetition sees the same tree)
        fix = Row("ctxsep fix --unsafe-fixes --diff", lines=corpus.total_lines)
        fix_cmd = [tool("ctxsep") or "ctxsep", "fix", "--unsafe-fixes", "--diff", "-j", str(args.jobs), "."]
        variants.append((fix, lambda: measure(fix_cmd, corpus.root)))
        rows.append(fix)
    alternate(args.reps, variants)
    return rows


def flake8_rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[Row]:
    target = work / "subset-flake8"
    lines = subset(corpus, target, args.flake8_every)
    base = [sys.executable, str(HERE / "flake8_run.py")]
    tail = ["--isolated", "-j", str(args.jobs), "--exit-zero", "--output-file", os.devnull, "."]
    without = Row(f"flake8 ({lines:,} lines)", lines=lines)
    with_ = Row("flake8 + ctxsep", lines=lines)
    measure([*base, "--without-ctxsep", *tail], target)
    alternate(
        args.reps,
        [
            (without, lambda: measure([*base, "--without-ctxsep", *tail], target)),
            (with_, lambda: measure([*base, "--with-ctxsep", *tail], target)),
        ],
    )
    return [without, with_]


def pylint_rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[Row]:
    target = work / "subset-pylint"
    lines = subset(corpus, target, args.pylint_every)
    cmd = [tool("pylint") or "pylint", "--rcfile=/dev/null", "--persistent=n", "--score=n", "--recursive=y"]
    cmd += ["-j", str(args.jobs), "--exit-zero", *PYLINT_CHEAP]
    plugin = ["--load-plugins=pylint_ctxsep", "--enable=ctxsep"]
    no_ctx006 = ["--disable=dual-pattern-call,dual-pattern-call-warning"]
    without = Row(f"pylint, cheap checkers ({lines:,} lines)", lines=lines)
    with_ = Row("pylint + pylint_ctxsep")
    ast_only = Row("pylint + pylint_ctxsep, CTX006 off")
    alternate(
        args.reps,
        [
            (without, lambda: measure([*cmd, "."], target)),
            (with_, lambda: measure([*cmd, *plugin, "."], target)),
            (ast_only, lambda: measure([*cmd, *plugin, *no_ctx006, "."], target)),
        ],
    )
    return [without, with_, ast_only]


def mypy_rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[Row]:
    if importlib.util.find_spec("mypy") is None:
        print("  mypy row skipped: mypy is not installed (pip install 'ctxsep[mypy]')")
        return []
    lines = corpus.lines_of(["app"])
    cmd = [tool("mypy") or "mypy", "--ignore-missing-imports", "--no-incremental", "--no-error-summary"]
    plain, plugged = work / "mypy-plain.ini", work / "mypy-plugin.ini"
    plain.write_text("[mypy]\n", encoding="utf-8")
    plugged.write_text("[mypy]\nplugins = mypy_ctxsep\n", encoding="utf-8")
    without = Row(f"mypy, typed app ({lines:,} lines)", lines=lines)
    with_ = Row("mypy + mypy_ctxsep")
    alternate(
        args.reps,
        [
            (without, lambda: measure([*cmd, "--config-file", str(plain), "app"], corpus.root)),
            (with_, lambda: measure([*cmd, "--config-file", str(plugged), "app"], corpus.root)),
        ],
    )
    return [without, with_]


def size_rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[tuple[int, Row, Row | None]]:
    """ctxsep (no cache) and ruff on three growing parts of the corpus, the
    app always in (cost should follow the app, not the tree), and on the
    library code alone (nothing there mentions a context)."""
    tops = corpus.top_dirs()
    total = corpus.total_lines
    ladder: list[list[str]] = []
    for share in (1 / 3, 2 / 3, 1.0):
        chosen = ["app"]
        for top in tops[1:]:
            if corpus.lines_of(chosen) >= share * total - 1:
                break
            chosen.append(top)
        ladder.append(chosen if share < 1 else tops)
    ladder.append(tops[1:])
    ctxsep = [tool("ctxsep") or "ctxsep", "check", "-q", "--no-cache", "-j", str(args.jobs)]
    ruff = tool("ruff") if "ruff" in args.peers else None
    out = []
    for chosen in ladder:
        lines = corpus.lines_of(chosen)
        label = "library code only" if "app" not in chosen else f"{lines:,} lines"
        row = Row(f"ctxsep check, {label}", lines=lines)
        variants: list[tuple[Row, Callable[[], Sample]]] = [(row, lambda c=chosen: measure([*ctxsep, *c], corpus.root))]
        ruff_row = None
        if ruff:
            ruff_row = Row(f"ruff, {lines:,} lines", lines=lines)
            cmd = [ruff, "check", "--no-cache", "--config", str(work / "ruff-banned.toml"), "--select", "TID251"]
            variants.append((ruff_row, lambda c=chosen, r=cmd: measure([*r, "--exit-zero", "-q", *c], corpus.root)))
        alternate(args.reps, variants)
        out.append((lines, row, ruff_row))
    return out
