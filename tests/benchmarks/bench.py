"""ctxsep against the tools teams already run, side by side (SPEC §9).

``tox -e bench`` (or ``python tests/benchmarks/bench.py`` in an env with the
peers installed) assembles a corpus of at least 1.5 M lines — the installed
sources of large PyPI packages plus a synthetic FastAPI app dense with the
migration's patterns — then times, alternating and repeated, with medians:

- ``ruff check --select TID251`` banning the legacy constructor and the
  legacy context type, and ``ctxsep check`` cold (empty cache) and warm, on
  the whole corpus; peak RSS of the largest process;
- flake8 with and without the ctxsep plugin, pylint (a cheap checker set)
  with and without the plugin, each on a subset that keeps the corpus's mix
  of app and library code; mypy with and without the plugin on the typed
  app, once ``mypy_ctxsep`` exists;
- ``ctxsep check`` and ruff on three corpus sizes, in seconds per 100k lines.

Ratios are of median wall times; CPU times (user+sys of the process tree)
are shown too, as they suffer less from a busy machine. Nothing here
asserts a time: the verdicts are printed. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DEFAULT_PACKAGES, Corpus, build
from peers import Row, flake8_rows, mypy_rows, pylint_rows, size_rows, whole_corpus
from realtree import copy_real, dense_rows, real_rows, real_source, typed_rows

PEERS = ("ruff", "ctxsep", "flake8", "pylint", "mypy", "sizes", "dense")
MIN_LINES = 1_500_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, help="where the corpus is built (default: a temporary directory)")
    parser.add_argument("--packages", default=",".join(DEFAULT_PACKAGES), help="installed packages in the corpus")
    parser.add_argument("--app-lines", type=int, default=100_000, help="size of the synthetic app (default 100000)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each timed run (default 5)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="-j for every tool (default: cores)")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"rows to run, of {','.join(PEERS)}")
    parser.add_argument("--flake8-every", type=int, default=10, help="flake8 subset: every n-th file (default 10)")
    parser.add_argument("--pylint-every", type=int, default=40, help="pylint subset: every n-th file (default 40)")
    parser.add_argument("--quick", action="store_true", help="allow a corpus under 1.5 M lines (smoke tests)")
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    parser.add_argument(
        "--real-corpus", type=Path, help="a real checkout to measure as well (default: $CTXSEP_BENCH_CORPUS)"
    )
    parser.add_argument(
        "--real-config",
        type=Path,
        default=Path(os.environ["CTXSEP_BENCH_CONFIG"]) if os.environ.get("CTXSEP_BENCH_CONFIG") else None,
        help="ctxsep config for a checkout without one (default: $CTXSEP_BENCH_CONFIG)",
    )
    parser.add_argument(
        "--real-typed",
        default="",
        help="directory of the checkout for the mypy/pylint rows (default: $CTXSEP_BENCH_TYPED)",
    )
    parser.add_argument(
        "--dense-lines",
        default="100000,200000,400000,800000",
        help="sizes of the dense worst-case tree (default 100000,200000,400000,800000)",
    )
    args = parser.parse_args(argv)
    args.peers = tuple(p for p in args.peers.split(",") if p)
    unknown = set(args.peers) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    return args


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        memory = 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{model}, {os.cpu_count()} cores, {memory} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, load average {load:.2f} at start"
    )


def verdict(ratio: float, target: float) -> str:
    return "OK" if ratio <= target else f"MISS by {(ratio / target - 1) * 100:.0f} %"


def print_table(rows: list[tuple[Row, str, str]]) -> None:
    header = f"{'run':44} {'median s':>9} {'cpu s':>8} {'peak RSS':>9}  {'ratio':>22}  target"
    print(header)
    print("-" * len(header))
    for row, ratio, target in rows:
        print(f"{row.name:44} {row.wall:9.2f} {row.cpu:8.2f} {row.rss:7.0f} MB  {ratio:>22}  {target}")


def pair(base: Row, other: Row, target: float, label: str) -> tuple[Row, str, str]:
    wall, cpu = other.wall / base.wall, other.cpu / base.cpu
    return other, f"{wall:.2f} {label} (cpu {cpu:.2f})", f"<= {target:.2f}  {verdict(wall, target)}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows under tox too
    with tempfile.TemporaryDirectory(prefix="ctxsep-bench-") as scratch:
        work = (args.workdir or Path(scratch)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        print(f"machine: {machine()}")
        print(f"building the corpus in {work} ...")
        corpus = build(work, tuple(p for p in args.packages.split(",") if p), args.app_lines)
        describe(corpus)
        if corpus.total_lines < MIN_LINES and not args.quick:
            raise SystemExit(f"the corpus has {corpus.total_lines:,} lines, under {MIN_LINES:,}: install more packages")
        table = run_rows(args, corpus, work)
        print(f"\nfinished in {time.perf_counter() - started:.0f} s")
        if args.json:
            args.json.write_text(json.dumps(table, indent=1, default=str), encoding="utf-8")
    return 0


def describe(corpus: Corpus) -> None:
    app = corpus.lines_of(["app"])
    print(
        f"corpus: {corpus.total_lines:,} lines in {len(corpus.files):,} files; synthetic app {app:,} lines "
        f"in {corpus.app_files:,} files; installed sources of {', '.join(corpus.packages)}"
    )


def run_rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    table: list[tuple[Row, str, str]] = []
    print(f"timing, {args.reps} alternating repetitions per row ...")
    rows = whole_corpus(args, corpus, work)
    ruff = next((r for r in rows if r.name.startswith("ruff")), None)
    cold = next((r for r in rows if r.name.endswith("cold")), None)
    warm = next((r for r in rows if r.name.endswith("warm")), None)
    if ruff:
        table.append((ruff, "", ""))
    if cold:
        table.append(pair(ruff, cold, 1.0, "x ruff") if ruff else (cold, "", ""))
    if cold and warm:
        table.append(pair(cold, warm, 0.10, "x cold"))
    fix = next((r for r in rows if r.name.startswith("ctxsep fix")), None)
    if cold and fix:
        table.append(pair(cold, fix, 3.0, "x cold"))
    if cold:
        verdict_rss = verdict(cold.rss / 200, 1.0)
        print(f"  ctxsep peak RSS {cold.rss:.0f} MB (target <= 200 MB: {verdict_rss})")
    hosts = (("flake8", flake8_rows, 1.03), ("pylint", pylint_rows, 1.03), ("mypy", mypy_rows, 1.05))
    for peer, function, target in hosts:
        if peer in args.peers:
            found = function(args, corpus, work)
            if found:
                table += [(found[0], "", ""), *(pair(found[0], other, target, "x without") for other in found[1:])]
                rows += found
    print()
    print_table(table)
    if "sizes" in args.peers:
        print(f"\n{'lines':>12} {'app':>4} {'ctxsep s':>9} {'s/100k lines':>13} {'ruff s':>7} {'s/100k lines':>13}")
        for lines, row, ruff_row in size_rows(args, corpus, work):
            app = "no" if "library" in row.name else "yes"
            ruff_text = f"{ruff_row.wall:7.2f} {ruff_row.wall / lines * 1e5:13.3f}" if ruff_row else f"{'-':>21}"
            print(f"{lines:12,} {app:>4} {row.wall:9.2f} {row.wall / lines * 1e5:13.3f} {ruff_text}")
            rows += [row] + ([ruff_row] if ruff_row else [])
    if "dense" in args.peers:
        print("\nthe dense worst case (every file mentions the vocabulary), no cache:")
        print(f"{'lines':>12} {'ctxsep s':>9} {'cpu s':>7} {'us/line':>8} {'ruff s':>7} {'us/line':>8} {'x ruff':>7}")
        for lines, row, ruff_row in dense_rows(args, work):
            per_line = row.wall / lines * 1e6
            ruff_text = f"{'-':>24}"
            if ruff_row:
                ruff_text = f"{ruff_row.wall:7.2f} {ruff_row.wall / lines * 1e6:8.2f} {row.wall / ruff_row.wall:7.1f}"
            print(f"{lines:12,} {row.wall:9.2f} {row.cpu:7.2f} {per_line:8.2f} {ruff_text}")
            rows += [row] + ([ruff_row] if ruff_row else [])
    source = real_source(args)
    if source is not None:
        rows += real_table(args, source, work)
    out["machine"] = machine()
    out["corpus_lines"] = corpus.total_lines
    out["rows"] = [{"name": r.name, "lines": r.lines, "samples": [asdict(s) for s in r.samples]} for r in rows]
    return out


def real_table(args: argparse.Namespace, source: Path, work: Path) -> list[Row]:
    """The real tree's rows, with their ratios side by side."""
    print(f"\nthe real tree {source} (copied to {work / 'real'}) ...")
    corpus = copy_real(source, work, args.real_config)
    print(f"real tree: {corpus.total_lines:,} lines in {len(corpus.files):,} files")
    rows = real_rows(args, corpus, work)
    ruff = next((r for r in rows if "ruff" in r.name), None)
    cold = next(r for r in rows if r.name.endswith("cold"))
    warm = next(r for r in rows if r.name.endswith("warm"))
    table = [(ruff, "", "")] if ruff else []
    table.append(pair(ruff, cold, 1.0, "x ruff") if ruff else (cold, "", ""))
    table.append(pair(cold, warm, 0.10, "x cold"))
    for (without, with_), target in zip(typed_rows(args, corpus, work), (1.05, 1.03), strict=False):
        table += [(without, "", ""), pair(without, with_, target, "x without")]
        rows += [without, with_]
    print()
    print_table(table)
    return rows


if __name__ == "__main__":
    sys.exit(main())
