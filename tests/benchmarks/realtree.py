"""The benchmark's two extra corpora (SPEC §9, issue 16).

**The real tree.** ``CTXSEP_BENCH_CORPUS=/path/to/checkout`` (or
``--real-corpus``) adds a run on a real codebase: its ``*.py``/``*.pyi`` and
config files are copied into the work directory (the checkout is only read),
with ``CTXSEP_BENCH_CONFIG`` (or ``--real-config``) copied to its root as
``ctxsep.toml`` when the checkout has no config of its own. On it, side by
side in one run: ruff's banned-api check (``TID251``, banning the dotted
legacy constructors and legacy context types of the tree's own config),
``ctxsep check`` cold and warm, and — on ``CTXSEP_BENCH_TYPED``, a directory
of the tree (the issue's ``netra_backend/app/routes``) — mypy with and
without ``mypy_ctxsep`` (``follow_imports = silent``, nothing cached: no
``ctxsep check`` result cache in the copy) and pylint with and without
``pylint_ctxsep``.

**The dense worst case.** A synthetic app in which *every* file mentions
the vocabulary (files that would not get an import of the legacy type), so
the prefilter lets every file through; ``ctxsep check`` (no cache) and ruff
on growing parts of it (``--dense-lines``, default 100k to 800k), in
microseconds per line: linear growth means a flat column.
"""

from __future__ import annotations

import argparse
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from corpus import SUFFIXES, Corpus
from peers import BANNED, PYLINT_CHEAP, Row, Sample, alternate, cold_and_warm, measure, tool
from synthetic import write_app

CONFIG_NAMES = ("ctxsep.toml", "pyproject.toml")
SKIPPED = frozenset({".git", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".mypy_cache", ".ctxsep_cache"})
DENSE_IMPORT = "from app.context import UserExecutionContext\n"


def real_source(args: argparse.Namespace) -> Path | None:
    raw = args.real_corpus or os.environ.get("CTXSEP_BENCH_CORPUS", "")
    return Path(raw).resolve() if raw else None


def copy_real(source: Path, work: Path, config: Path | None) -> Corpus:
    """The checkout's sources and configs under ``work/real`` (a ``.git``
    directory stops config discovery there, as in the checkout)."""
    root = work / "real"
    if root.exists():
        shutil.rmtree(root)
    (root / ".git").mkdir(parents=True)
    corpus = Corpus(root, packages=[source.name])
    for directory, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED)
        rel_dir = Path(directory).relative_to(source)
        for name in sorted(filenames):
            is_source = name.endswith(SUFFIXES)
            if not is_source and name not in CONFIG_NAMES and "baseline" not in name:
                continue
            target = root / rel_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(directory, name), target)
            if is_source:
                rel = rel_dir / name
                corpus.files.append(rel)
                corpus.lines[rel] = target.read_bytes().count(b"\n")
    if config is not None and not (root / "ctxsep.toml").exists():
        shutil.copyfile(config, root / "ctxsep.toml")
    return corpus


def banned_for(root: Path) -> str:
    """ruff's banned-api table for the tree: the dotted legacy constructors
    and legacy context types of its ctxsep config (ruff bans dotted paths
    only), or the synthetic app's when the config names none."""
    from ctxsep.config import SettingsResolver
    from ctxsep.semantics import Category

    vocab = SettingsResolver(cwd=root).config_for_dir(root).vocabulary
    dotted = [
        name
        for category in (Category.LEGACY_CONSTRUCTOR, Category.LEGACY_CONTEXT_TYPE)
        for name in vocab.names_in(category)
        if "." in name
    ]
    if not dotted:
        return BANNED
    entries = "".join(f'"{name}".msg = "legacy context API"\n' for name in dotted)
    return f"[lint.flake8-tidy-imports.banned-api]\n{entries}"


def real_rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[Row]:
    """ruff TID251, ctxsep cold and warm on the real tree, alternating."""
    banned = work / "ruff-banned-real.toml"
    banned.write_text(banned_for(corpus.root), encoding="utf-8")
    ctxsep = [tool("ctxsep") or "ctxsep", "check", "-q", "-j", str(args.jobs)]
    cache = work / "ctxsep-cache-real"
    variants: list[tuple[Row, Callable[[], Sample]]] = []
    rows: list[Row] = []
    ruff = tool("ruff")
    if ruff:
        cmd = [ruff, "check", "--no-cache", "--config", str(banned), "--select", "TID251", "--exit-zero", "-q", "."]
        measure(cmd, corpus.root)  # warm the page cache
        row = Row("real: ruff check --select TID251", lines=corpus.total_lines)
        variants.append((row, lambda: measure(cmd, corpus.root)))
        rows.append(row)
    cold, warm = Row("real: ctxsep check, cold", lines=corpus.total_lines), Row("real: ctxsep check, warm")
    variants.append(cold_and_warm(ctxsep, cache, corpus.root, cold, warm))
    rows += [cold, warm]
    alternate(args.reps, variants)
    return rows


def typed_rows(args: argparse.Namespace, corpus: Corpus, work: Path) -> list[list[Row]]:
    """mypy and pylint with and without the plugin on one directory of the
    real tree (``CTXSEP_BENCH_TYPED``); [[mypy rows], [pylint rows]]."""
    target = args.real_typed or os.environ.get("CTXSEP_BENCH_TYPED", "")
    if not target:
        print("  real tree: mypy/pylint rows skipped (set CTXSEP_BENCH_TYPED to a directory of the tree)")
        return []
    if not (corpus.root / target).is_dir():
        print(f"  real tree: {target} is not a directory of the tree: mypy/pylint rows skipped")
        return []
    lines = sum(n for rel, n in corpus.lines.items() if rel.as_posix().startswith(target.rstrip("/") + "/"))
    out: list[list[Row]] = []
    mypy = [tool("mypy") or "mypy", "--no-incremental", f"--cache-dir={os.devnull}", "--no-error-summary"]
    plain, plugged = work / "mypy-real.ini", work / "mypy-real-plugin.ini"
    options = "[mypy]\nfollow_imports = silent\nignore_missing_imports = True\n"
    plain.write_text(options, encoding="utf-8")
    plugged.write_text(options + "plugins = mypy_ctxsep\n", encoding="utf-8")
    without = Row(f"real: mypy ({lines:,} lines)", lines=lines)
    with_ = Row("real: mypy + mypy_ctxsep")
    alternate(
        args.reps,
        [
            (without, lambda: measure([*mypy, "--config-file", str(plain), target], corpus.root)),
            (with_, lambda: measure([*mypy, "--config-file", str(plugged), target], corpus.root)),
        ],
    )
    out.append([without, with_])
    pylint = [tool("pylint") or "pylint", "--rcfile=/dev/null", "--persistent=n", "--score=n", "--recursive=y"]
    pylint += ["-j", str(args.jobs), "--exit-zero", *PYLINT_CHEAP]
    plugin = ["--load-plugins=pylint_ctxsep", "--enable=ctxsep"]
    p_without = Row(f"real: pylint, cheap set ({lines:,} lines)", lines=lines)
    p_with = Row("real: pylint + pylint_ctxsep")
    alternate(
        args.reps,
        [
            (p_without, lambda: measure([*pylint, target], corpus.root)),
            (p_with, lambda: measure([*pylint, *plugin, target], corpus.root)),
        ],
    )
    out.append([p_without, p_with])
    return out


def dense_tree(work: Path, lines: int) -> tuple[Path, dict[str, int]]:
    """The worst case: the synthetic app with every file mentioning the
    vocabulary. Returns its root and the lines of each unit: the app's
    shared modules (``app/context.py``) and its domains (``app/d000``)."""
    from ctxsep.prefilter import might_have_findings
    from ctxsep.semantics import Vocabulary

    root = work / "dense"
    if root.exists():
        shutil.rmtree(root)
    (root / ".git").mkdir(parents=True)
    write_app(root, lines, seed=1)
    vocab = Vocabulary.default()
    units: dict[str, int] = {}
    for path in sorted((root / "app").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not might_have_findings(text, vocab):
            text = DENSE_IMPORT + text
            path.write_text(text, encoding="utf-8")
        rel = path.relative_to(root)
        unit = "/".join(rel.parts[:2])
        units[unit] = units.get(unit, 0) + text.count("\n")
    return root, units


def dense_rows(args: argparse.Namespace, work: Path) -> list[tuple[int, Row, Row | None]]:
    """``ctxsep check --no-cache`` and ruff on growing parts of the dense tree."""
    sizes = sorted(int(s) for s in args.dense_lines.split(",") if s)
    root, units = dense_tree(work, sizes[-1])
    shared = sorted(unit for unit in units if unit.endswith(".py"))
    domains = sorted(unit for unit in units if not unit.endswith(".py"))
    base_lines = sum(units[unit] for unit in shared)
    ctxsep = [tool("ctxsep") or "ctxsep", "check", "-q", "--no-cache", "-j", str(args.jobs)]
    ruff = tool("ruff")
    (work / "ruff-banned.toml").write_text(BANNED, encoding="utf-8")
    out = []
    for size in sizes:
        chosen, lines = list(shared), base_lines
        for unit in domains:
            if lines >= size:
                break
            chosen.append(unit)
            lines += units[unit]
        row = Row(f"dense: ctxsep check, {lines:,} lines", lines=lines)
        variants: list[tuple[Row, Callable[[], Sample]]] = [(row, lambda c=chosen: measure([*ctxsep, *c], root))]
        ruff_row = None
        if ruff:
            ruff_row = Row(f"dense: ruff, {lines:,} lines", lines=lines)
            cmd = [ruff, "check", "--no-cache", "--config", str(work / "ruff-banned.toml"), "--select", "TID251"]
            variants.append((ruff_row, lambda c=chosen, r=cmd: measure([*r, "--exit-zero", "-q", *c], root)))
        alternate(args.reps, variants)
        out.append((lines, row, ruff_row))
    return out


__all__ = ["copy_real", "dense_rows", "real_rows", "real_source", "typed_rows"]
