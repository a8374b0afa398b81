"""The benchmark's corpus: installed sources of large PyPI packages plus a
synthetic application, assembled in a work directory (never in the repo).

``build(workdir, packages, app_lines)`` copies every ``*.py``/``*.pyi`` of
each installed package to ``workdir/corpus/lib/<package>`` and writes the
synthetic app (with its phase map in ``pyproject.toml``) at
``workdir/corpus``. Subsets for the slower peers keep the corpus's mix of
application and library code by taking every n-th file.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from synthetic import write_app

#: Large, pure-Python, and installed by the bench env (tox.ini [testenv:bench]).
DEFAULT_PACKAGES = ("django", "sympy", "sqlalchemy", "mypy", "pylint", "astroid", "pip", "setuptools")
SKIPPED_DIRS = frozenset({"__pycache__", "build"})  # `build`: every peer's default exclude
SUFFIXES = (".py", ".pyi")


@dataclass
class Corpus:
    root: Path
    files: list[Path] = field(default_factory=list)  # relative to root
    lines: dict[Path, int] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    app_files: int = 0

    @property
    def total_lines(self) -> int:
        return sum(self.lines.values())

    def top_dirs(self) -> list[str]:
        """``app`` and ``lib/<package>``: the units the size ladder adds."""
        return ["app", *(f"lib/{name}" for name in self.packages)]

    def lines_of(self, tops: list[str]) -> int:
        return sum(n for path, n in self.lines.items() if _top_of(path) in tops)


def _top_of(path: Path) -> str:
    return "/".join(path.parts[:2]) if path.parts[0] == "lib" else path.parts[0]


def package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def build(workdir: Path, packages: tuple[str, ...], app_lines: int) -> Corpus:
    root = workdir / "corpus"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / ".git").mkdir()  # config discovery stops here, as in a real repo
    corpus = Corpus(root)
    for name in packages:
        source = package_dir(name)
        if source is None:
            print(f"  (package {name} is not installed: left out of the corpus)")
            continue
        corpus.packages.append(name)
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source)
            if path.suffix not in SUFFIXES or SKIPPED_DIRS.intersection(rel.parts) or not path.is_file():
                continue
            target = root / "lib" / name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    write_app(root, app_lines)
    for path in sorted(root.rglob("*")):
        if path.suffix in SUFFIXES and path.is_file():
            rel = path.relative_to(root)
            corpus.files.append(rel)
            corpus.lines[rel] = path.read_bytes().count(b"\n")
    corpus.app_files = sum(1 for path in corpus.files if path.parts[0] == "app")
    return corpus


def subset(corpus: Corpus, target: Path, every: int, always: tuple[str, ...] = ("app/context.py", "app/db.py")) -> int:
    """Every ``every``-th file (same relative paths, same config) under
    ``target``; returns its lines."""
    if target.exists():
        shutil.rmtree(target)
    (target / ".git").mkdir(parents=True)
    shutil.copyfile(corpus.root / "pyproject.toml", target / "pyproject.toml")
    lines = 0
    for index, rel in enumerate(corpus.files):
        if index % every == 0 or rel.as_posix() in always or (rel.name == "__init__.py" and rel.parts[0] == "app"):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(corpus.root / rel, target / rel)
            lines += corpus.lines[rel]
    return lines
