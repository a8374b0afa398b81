"""Shared test helpers: the ``# expect:`` format and host runners.

A fixture line may end with ``# expect: CODE[@COL][:SEVERITY], ...``: each
entry is one finding expected on that line (COL 1-based as flake8 prints it;
SEVERITY ``warn``/``error``). Entries without a column match any column.
The same expectations are checked against the engine, the CLI, flake8 and
pylint, so "same findings everywhere" is tested, not assumed.

Findings only one host reports are tagged with it: ``# expect[pylint]: …``
(CTX006 where astroid infers it) and ``# expect[mypy]: …`` (what only types
show). One line may carry several markers
(``# expect: CTX002@9  # expect[mypy]: CTX006@5``); ``parse_expectations``
takes the tags a host reports.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ctxsep.config import SettingsResolver
from ctxsep.engine import check_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
_MARKER = re.compile(r"#\s*expect(?:\[([a-z0-9]+)\])?:")
_ENTRY = re.compile(r"^(CTX\d{3})(?:@(\d+))?(?::(warn|error))?$")


@dataclass(frozen=True, order=True)
class Expected:
    line: int
    code: str
    col: int | None = None  # 1-based
    severity: str | None = None


@dataclass(frozen=True, order=True)
class Got:
    line: int
    code: str
    col: int  # 1-based
    severity: str | None = None


def parse_expectations(source: str, tags: tuple[str | None, ...] = (None,)) -> list[Expected]:
    """The expectations of the markers whose tag is in ``tags`` (None: the
    untagged ``# expect:`` every AST front end reports)."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        markers = list(_MARKER.finditer(line))
        for index, marker in enumerate(markers):
            end = markers[index + 1].start() if index + 1 < len(markers) else len(line)
            if marker.group(1) not in tags:
                continue
            for entry in line[marker.end() : end].split(","):
                entry = entry.strip()
                parsed = _ENTRY.match(entry)
                if parsed is None:
                    raise ValueError(f"line {number}: bad expectation {entry!r}")
                code, col, severity = parsed.groups()
                found.append(Expected(number, code, int(col) if col else None, severity))
    return found


def mismatches(expected: list[Expected], got: list[Got]) -> list[str]:
    """Human-readable differences; empty when every expectation is met by
    exactly one finding and nothing else was found."""
    remaining = list(got)
    problems = []
    # Exact entries first, then column-less ones, so a loose entry cannot steal an exact match.
    for exp in sorted(expected, key=lambda e: e.col is None):
        match = next(
            (
                g
                for g in remaining
                if g.line == exp.line
                and g.code == exp.code
                and (exp.col is None or g.col == exp.col)
                and (exp.severity is None or g.severity is None or g.severity == exp.severity)
            ),
            None,
        )
        if match is None:
            problems.append(f"missing  {exp.code} at {exp.line}:{exp.col or '*'} {exp.severity or ''}".rstrip())
        else:
            remaining.remove(match)
    problems.extend(f"unexpected {g.code} at {g.line}:{g.col} {g.severity or ''}".rstrip() for g in remaining)
    return problems


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py") if "expect:" in p.read_text(encoding="utf-8"))


def engine_findings(path: Path, resolver: SettingsResolver | None = None) -> list[Got]:
    result = check_file(path, resolver or SettingsResolver())
    return [Got(f.line, f.code, f.col + 1, f.severity.label) for f in result.findings]


def snippet_findings(source: str, phase: str = "migrated", tmp: Path | None = None) -> list[Got]:
    """Findings for a dedented snippet checked in ``phase`` (in a temp project)."""
    import tempfile

    from ctxsep.engine import check_source

    source = textwrap.dedent(source).lstrip("\n")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "ctxsep.toml").write_text(f'default-phase = "{phase}"\n', encoding="utf-8")
        settings = SettingsResolver(cwd=root).for_path(root / "snippet.py")
        result = check_source(source, "snippet.py", settings)
    return [Got(f.line, f.code, f.col + 1, f.severity.label) for f in result.findings]


# -- hosts --------------------------------------------------------------------------


def bin_path(name: str) -> str:
    """An executable installed beside the running interpreter (the venv's)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def run(cmd: list[str], cwd: Path, stdin: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout, env=env)


def ctxsep_json(paths: list[str], cwd: Path, *extra: str) -> dict:
    proc = run([sys.executable, "-m", "ctxsep", "check", "--format", "json", *extra, *paths], cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def flake8_findings(paths: list[str], cwd: Path, *extra: str) -> dict[str, list[Got]]:
    """path -> findings, from a real flake8 run selecting only CTX codes."""
    proc = run(
        [
            sys.executable,
            "-m",
            "flake8",
            "--isolated",
            "--select",
            "CTX",
            "--format",
            "%(path)s|%(row)d|%(col)d|%(code)s|%(text)s",
            *extra,
            *paths,
        ],
        cwd,
    )
    assert proc.returncode in (0, 1), proc.stderr
    out: dict[str, list[Got]] = {}
    for line in proc.stdout.splitlines():
        path, row, col, code, _ = line.split("|", 4)
        out.setdefault(os.path.normpath(path), []).append(Got(int(row), code, int(col)))
    return out


def counter(got: list[Got]) -> Counter[tuple[int, str, int]]:
    return Counter((g.line, g.code, g.col) for g in got)


# -- pylint -------------------------------------------------------------------------

PYLINT_TEMPLATE = "{path}|{line}|{column}|{msg_id}|{symbol}|{msg}"
#: pylint's category letter -> the ctxsep severity it stands for (F: ctxsep could not check)
PYLINT_SEVERITY = {"E": "error", "W": "warn", "F": "error"}


@dataclass(frozen=True, order=True)
class PylintMessage:
    path: str
    line: int
    column: int  # 0-based, as pylint prints it
    msg_id: str
    symbol: str
    text: str

    @property
    def code(self) -> str:
        """The ctxsep code the message text starts with (``CTX002 …``)."""
        return self.text.split(" ", 1)[0]

    def got(self) -> Got:
        return Got(self.line, self.code, self.column + 1, PYLINT_SEVERITY.get(self.msg_id[0]))


def pylint_run(
    paths: list[str], cwd: Path, *extra: str, stdin: str | None = None, only_ctxsep: bool = True
) -> subprocess.CompletedProcess[str]:
    """A real pylint run without user config; by default only ctxsep's
    messages are enabled. pylint moves ``--disable=all`` before every other
    ``--enable``/``--disable``, so a test of those switches passes False."""
    selection = ["--disable=all", "--enable=ctxsep"] if only_ctxsep else []
    return run(
        [
            sys.executable,
            "-m",
            "pylint",
            "--rcfile=/dev/null",
            "--load-plugins=pylint_ctxsep",
            *selection,
            "--recursive=y",
            "--score=n",
            "--persistent=n",
            f"--msg-template={PYLINT_TEMPLATE}",
            *extra,
            *paths,
        ],
        cwd,
        stdin=stdin,
    )


def parse_pylint(stdout: str) -> list[PylintMessage]:
    messages = []
    for line in stdout.splitlines():
        if line.startswith("*************") or line.count("|") < 5:
            continue
        path, row, col, msg_id, symbol, text = line.split("|", 5)
        where = os.path.normpath(path)
        messages.append(PylintMessage(where, int(row), int(col), msg_id, symbol, text))
    return messages


# -- baselines ----------------------------------------------------------------------


def ctxsep_cli(cwd: Path, *args: str) -> tuple[int, str, str]:
    """Run ``ctxsep ARGS`` in-process from ``cwd``: (exit code, stdout, stderr)."""
    import contextlib
    import io

    from ctxsep.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse usage errors
                code = int(exc.code or 0)
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write dedented files under ``root`` (a VCS root, so config discovery stops there)."""
    (root / ".git").mkdir(exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@dataclass(frozen=True)
class BaselineScenario:
    """A project whose baseline records some findings, edited afterwards.

    ``hidden`` findings are recorded in the baseline (their lines moved since:
    the baseline must still hide them); ``visible`` ones were added after the
    baseline was created. A front end passes when, checking ``path`` from
    ``root``, it reports exactly ``visible``.
    """

    root: Path
    path: str
    hidden: list[tuple[int, str]]
    visible: list[tuple[int, str]]


SCENARIO_BEFORE = """
from app.context import create_user_execution_context


def old_route(db):
    return create_user_execution_context(user_id="u", db_session=db)
"""

SCENARIO_AFTER = """
from app.context import create_user_execution_context

# A comment and a helper inserted above the baselined code:
# its line moves, its identity does not.
HELPER = 1


def new_route(db):
    return create_user_execution_context(user_id="new")


def old_route(db):
    return create_user_execution_context(user_id="u", db_session=db)
"""


def baseline_scenario(tmp_path: Path) -> BaselineScenario:
    """Create the scenario (the baseline is written by ``ctxsep baseline create``)."""
    root = write_tree(
        tmp_path, {"pyproject.toml": '[tool.ctxsep]\ndefault-phase = "migrated"\n', "app/routes.py": SCENARIO_BEFORE}
    )
    code, out, err = ctxsep_cli(root, "baseline", "create")
    assert code == 0, out + err
    (root / "app/routes.py").write_text(textwrap.dedent(SCENARIO_AFTER).lstrip("\n"), encoding="utf-8")
    return BaselineScenario(
        root=root,
        path="app/routes.py",
        hidden=[(13, "CTX002"), (13, "CTX001")],
        visible=[(9, "CTX002")],
    )


def cli_lines_and_codes(root: Path, path: str) -> list[tuple[int, str]]:
    document = ctxsep_json([path], root)
    return [(f["line"], f["code"]) for f in document["findings"]]


def flake8_lines_and_codes(root: Path, path: str) -> list[tuple[int, str]]:
    found = flake8_findings([path], root)
    return [(g.line, g.code) for g in found.get(os.path.normpath(path), [])]


#: Every front end as "findings (line, code) for PATH checked from ROOT".
#: A new front end (pylint, mypy) adds one function here and inherits the
#: front-end tests that use this table, such as "hides baselined findings".
def pylint_lines_and_codes(root: Path, path: str) -> list[tuple[int, str]]:
    proc = pylint_run([path], root)
    return [(m.line, m.code) for m in parse_pylint(proc.stdout)]


FRONT_ENDS = {
    "cli": cli_lines_and_codes,
    "flake8": flake8_lines_and_codes,
    "pylint": pylint_lines_and_codes,
}


# -- golden files (output formats only) ------------------------------------------------

GOLDEN = ROOT / "tests" / "golden"


def assert_golden(name: str, text: str, update: bool) -> None:
    """Compare ``text`` with ``tests/golden/NAME``; ``pytest --update-goldens`` rewrites it."""
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run `pytest --update-goldens`"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path} differs from the output: review the change, then run `pytest --update-goldens`"


# -- mypy ---------------------------------------------------------------------------

#: mypy's severity -> the ctxsep severity it stands for (a warn finding is a note)
MYPY_SEVERITY = {"error": "error", "note": "warn"}


@dataclass(frozen=True, order=True)
class MypyMessage:
    path: str
    line: int
    column: int  # 0-based, as mypy's JSON output gives it
    code: str | None  # mypy's error code: ctx-dual-pattern-call
    severity: str  # error | note
    text: str

    @property
    def rule(self) -> str:
        """The ctxsep code the message text starts with (``CTX006 …``)."""
        return self.text.split(" ", 1)[0]

    @property
    def is_ctxsep(self) -> bool:
        return bool(self.code and self.code.startswith("ctx-"))

    def got(self) -> Got:
        return Got(self.line, self.rule, self.column + 1, MYPY_SEVERITY.get(self.severity))


def mypy_run(
    paths: list[str], cwd: Path, *extra: str, cache_dir: Path | None = None, python: str | None = None
) -> subprocess.CompletedProcess[str]:
    """A real mypy run (JSON output) with the config in ``cwd``; without a
    ``cache_dir`` nothing is cached. ``python``: another interpreter (another
    mypy version) with ctxsep installed."""
    no_cache = ["--no-incremental", f"--cache-dir={os.devnull}"]
    cache = ["--cache-dir", str(cache_dir)] if cache_dir is not None else no_cache
    config = [] if any(arg.startswith("--config-file") for arg in extra) else ["--config-file", "pyproject.toml"]
    return run([python or sys.executable, "-m", "mypy", *config, *cache, "-O", "json", *extra, *paths], cwd)


def parse_mypy(stdout: str) -> list[MypyMessage]:
    messages = []
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        item = json.loads(line)
        messages.append(
            MypyMessage(
                os.path.normpath(item["file"]),
                item["line"],
                item["column"],
                item.get("code"),
                item["severity"],
                item["message"],
            )
        )
    return messages


def assert_mypy_ok(proc: subprocess.CompletedProcess[str]) -> None:
    """mypy ran to the end: no crash, no INTERNAL ERROR, no ctxsep failure."""
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    for text in (proc.stdout, proc.stderr):
        assert "INTERNAL ERROR" not in text and "Traceback" not in text, text
        assert "ctx-file-skipped" not in text and "ctxsep could not check" not in text, text
