"""mypy with the ctxsep plugin vs without (SPEC §9: at most 5 % more time).

Interleaved cold runs (``--no-incremental``, nothing cached) of the same
mypy over the same targets, differing only in ``plugins = mypy_ctxsep``;
CPU time (user + sys) of the child, median of N. The ctxsep config is the
project's own, found from the checked files as always.

    python tests/benchmarks/mypy_overhead.py ROOT TARGET... [-n 7] [--option ignore_missing_imports=True]

``measure()`` is the same as a function, for a harness that reports the
mypy row next to the CLI, flake8 and pylint ones. Run on a quiet machine:
a shared one moves single runs by a few percent; the order alternates
(without, with; with, without; ...) so neither side always runs second.

Bytecode: the children run with their ``.pyc`` files written and read (in
a temporary ``PYTHONPYCACHEPREFIX``, after one untimed run of each side),
as an installed ctxsep runs — pip compiles a wheel's modules when it
installs them. A ``PYTHONDONTWRITEBYTECODE`` in the environment would
otherwise make every timed run compile ctxsep's ~60 modules again (~0.06 s,
1-2 % of a 5 s run, which no user pays); ``--as-is`` keeps the environment
as it is.

``--floor`` also times a plugin that does nothing: what any mypy plugin
costs (mypy then asks every question of a chain of two plugins, through
Python), the part of the overhead no change to ctxsep can remove.
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
    null_plugin: list[float] | None = None  # ``--floor``: a plugin that does nothing

    @property
    def ratio(self) -> float:
        return statistics.median(self.with_plugin) / statistics.median(self.without)

    def summary(self) -> str:
        base, plugin = statistics.median(self.without), statistics.median(self.with_plugin)
        text = (
            f"mypy without ctxsep {base:.2f}s {_range(self.without)}, with {plugin:.2f}s {_range(self.with_plugin)}"
            f" (median CPU of {len(self.without)}): {(self.ratio - 1) * 100:+.1f}%"
        )
        if self.null_plugin:
            null = statistics.median(self.null_plugin)
            spread = _range(self.null_plugin)
            text += f"; a plugin that does nothing {null:.2f}s {spread}: {(null / base - 1) * 100:+.1f}%"
        return text


def _range(times: list[float]) -> str:
    """The spread of one side's runs: when it is wider than the difference, the difference is noise."""
    return f"[{min(times):.2f}-{max(times):.2f}]"


#: ``--floor``'s plugin: mypy's ``Plugin`` as it is.
_NULL_PLUGIN = """from mypy.plugin import Plugin


def plugin(version: str) -> type[Plugin]:
    return Plugin
"""


def _config(directory: Path, name: str, options: Sequence[str], plugin: str | None) -> Path:
    lines = ["[mypy]", *(f"{key.strip()} = {value.strip()}" for key, value in (o.split("=", 1) for o in options))]
    if plugin:
        lines.append(f"plugins = {plugin}")
    path = directory / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cpu(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1) or "INTERNAL ERROR" in proc.stdout + proc.stderr:
        raise RuntimeError(f"mypy failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(
    root: Path,
    targets: Sequence[str],
    runs: int = 7,
    options: Sequence[str] = (),
    python: str = sys.executable,
    *,
    floor: bool = False,
    bytecode: bool = True,
) -> Overhead:
    """Interleaved cold runs of ``python -m mypy`` over ``targets`` in ``root``
    (``floor``: a do-nothing plugin too; ``bytecode``: see the module docstring)."""
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        plugins = {"without": None, "with": "mypy_ctxsep", **({"null": "ctxsep_bench_null_plugin"} if floor else {})}
        configs = {side: _config(directory, f"{side}.ini", options, plugin) for side, plugin in plugins.items()}
        env = dict(os.environ)
        if floor:
            (directory / "ctxsep_bench_null_plugin.py").write_text(_NULL_PLUGIN, encoding="utf-8")
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [temp, env.get("PYTHONPATH")]))
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(directory / "pycache")

        def command(config: Path) -> list[str]:
            return [python, "-m", "mypy", f"--config-file={config}", "--no-incremental", f"--cache-dir={os.devnull}"]

        if bytecode:
            for config in configs.values():  # untimed: writes the bytecode
                _cpu([*command(config), *targets], root, env)
        times: dict[str, list[float]] = {side: [] for side in configs}
        order = list(configs)
        for run in range(runs):
            for side in order if run % 2 == 0 else reversed(order):
                times[side].append(_cpu([*command(configs[side]), *targets], root, env))
    return Overhead(times["without"], times["with"], times.get("null"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("targets", nargs="+", help="what mypy checks, relative to ROOT (files, directories, -p PKG)")
    parser.add_argument("-n", "--runs", type=int, default=7)
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", help="a [mypy] option for both runs"
    )
    parser.add_argument("--floor", action="store_true", help="also time a mypy plugin that does nothing")
    parser.add_argument(
        "--as-is", action="store_true", help="keep PYTHONDONTWRITEBYTECODE and the bytecode location as they are"
    )
    args = parser.parse_args(argv)
    result = measure(args.root, args.targets, args.runs, args.option, floor=args.floor, bytecode=not args.as_is)
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
