"""mypy with the ctxsep plugin vs without (SPEC §9: at most 5 % more time).

Interleaved cold runs (``--no-incremental``, nothing cached) of the same
mypy over the same targets, differing only in ``plugins = mypy_ctxsep``;
CPU time (user + sys) of the child, median of N. The ctxsep config is the
project's own, found from the checked files as always.

    python tests/benchmarks/mypy_overhead.py ROOT TARGET... [-n 7] [--option ignore_missing_imports=True]

``measure()`` is the same as a function, for a harness that reports the
mypy row next to the CLI, flake8 and pylint ones. Run on a quiet machine:
a shared one moves single runs by a few percent.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Overhead:
    without: list[float]  # CPU seconds per run
    with_plugin: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.with_plugin) / statistics.median(self.without)

    def summary(self) -> str:
        base, plugin = statistics.median(self.without), statistics.median(self.with_plugin)
        return (
            f"mypy without ctxsep {base:.2f}s, with {plugin:.2f}s (median CPU of {len(self.without)}): "
            f"{(self.ratio - 1) * 100:+.1f}%"
        )


def _config(directory: Path, name: str, options: Sequence[str], plugin: bool) -> Path:
    lines = ["[mypy]", *(f"{key.strip()} = {value.strip()}" for key, value in (o.split("=", 1) for o in options))]
    if plugin:
        lines.append("plugins = mypy_ctxsep")
    path = directory / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cpu(command: list[str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1) or "INTERNAL ERROR" in proc.stdout + proc.stderr:
        raise RuntimeError(f"mypy failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(
    root: Path, targets: Sequence[str], runs: int = 7, options: Sequence[str] = (), python: str = sys.executable
) -> Overhead:
    """Interleaved cold runs of ``python -m mypy`` over ``targets`` in ``root``."""
    with tempfile.TemporaryDirectory() as directory:
        configs = {
            plugin: _config(Path(directory), f"{'with' if plugin else 'without'}.ini", options, plugin)
            for plugin in (False, True)
        }
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(runs):
            for plugin, config in configs.items():
                command = [
                    python,
                    "-m",
                    "mypy",
                    f"--config-file={config}",
                    "--no-incremental",
                    f"--cache-dir={os.devnull}",
                    *targets,
                ]
                times[plugin].append(_cpu(command, root))
    return Overhead(times[False], times[True])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("targets", nargs="+", help="what mypy checks, relative to ROOT (files, directories, -p PKG)")
    parser.add_argument("-n", "--runs", type=int, default=7)
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", help="a [mypy] option for both runs"
    )
    args = parser.parse_args(argv)
    print(measure(args.root, args.targets, args.runs, args.option).summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
