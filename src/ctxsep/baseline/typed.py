"""Findings only a type-aware front end sees, carried to the baseline commands.

``ctxsep baseline`` runs the AST engine; it cannot see what only mypy's types
or astroid's inference show (CTX006 above all, and mypy's type-only cases of
the other rules). With ``CTXSEP_RECORD=FILE`` in the environment, the mypy
and pylint plugins append every file they check and every finding they
would show — before the baseline hides any — to FILE, one JSON object per
line; ``ctxsep baseline create|update|check|prune --typed FILE`` reads it
back. Entries recorded from it carry ``via`` (the front end), and the
baseline commands judge such an entry only for a file that front end
checked while recording.

Appending one short line per finding with ``O_APPEND`` is safe from several
processes at once (mypy's and pylint's parallel workers). A host may meet
the same case more than once (mypy re-checks some expressions), so reading
drops exact repeats.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ctxsep.atomic import read_regular
from ctxsep.baseline.fileformat import FINGERPRINT_RE, MAX_BASELINE_BYTES, TYPED_FRONT_ENDS
from ctxsep.model import PHASE_NAMES, SEVERITY_NAMES, BaselineError, Finding, Phase, Severity
from ctxsep.rules import RULES_BY_CODE

#: The environment variable that turns recording on (a file path).
RECORD_ENV = "CTXSEP_RECORD"
_FIELDS = ("via", "path", "line", "col", "code", "symbol", "severity", "message", "scope", "fingerprint", "phase")


def recording() -> str | None:
    """The file findings are being recorded to, if any."""
    return os.environ.get(RECORD_ENV) or None


def record_checked(via: str, absolute_path: str) -> None:
    """Note that ``via`` checked this file while recording: its entries for
    the file can be judged (no finding recorded means they are fixed), and
    only for such files (a run over part of a tree condemns nothing else)."""
    _append({"via": via, "file": absolute_path})


def record(finding: Finding, via: str, absolute_path: str) -> None:
    """Append ``finding`` (with its baseline identity) to the record file."""
    row = {
        "via": via,
        "path": absolute_path,
        "line": finding.line,
        "col": finding.col,
        "code": finding.code,
        "symbol": finding.symbol,
        "severity": finding.severity.label,
        "message": finding.message,
        "scope": finding.scope,
        "fingerprint": finding.fingerprint,
        "phase": finding.phase.label if finding.phase is not None else None,
    }
    _append(row)


def _append(row: dict[str, object]) -> None:
    target = recording()
    if target is None:
        return
    data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class TypedRecord:
    via: str
    path: Path  # absolute and normalised (``finding.path`` as a Path)
    finding: Finding


@dataclass(frozen=True)
class TypedRun:
    records: list[TypedRecord]
    #: (front end, absolute path) of every file a front end checked while recording
    checked: frozenset[tuple[str, Path]]


def read_typed(path: Path) -> TypedRun:
    """The records of one ``--typed`` file, exact repeats dropped. A line
    that is not a record is an error naming the file and the line; a file
    no front end wrote to is an error too (judging by it would drop every
    entry of that front end as fixed)."""
    try:
        text = read_regular(path, MAX_BASELINE_BYTES).decode("utf-8")  # never a FIFO or device, never endless
    except OSError as exc:
        raise BaselineError([f"{path}: cannot read typed findings: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise BaselineError([f"{path}: typed findings are not UTF-8 text (byte {exc.start})"]) from None
    records: dict[tuple[object, ...], TypedRecord] = {}
    checked: set[tuple[str, Path]] = set()
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if isinstance(row, dict) and set(row) == {"via", "file"}:
                checked.add((_known(row["via"], TYPED_FRONT_ENDS, "via"), _absolute(row["file"], "file")))
                continue
            if not isinstance(row, dict) or set(row) != set(_FIELDS):
                raise ValueError(f"expected an object with keys {', '.join(_FIELDS)}")
            fingerprint = _text(row["fingerprint"], "fingerprint")
            if not FINGERPRINT_RE.fullmatch(fingerprint):
                raise ValueError(f"'fingerprint' {fingerprint!r} must be 8 lowercase hex digits")
            finding = Finding(
                path=str(_absolute(row["path"], "path")),
                line=_whole(row["line"], "line", 1),
                col=_whole(row["col"], "col", 0),
                code=_known(row["code"], tuple(RULES_BY_CODE), "code"),
                symbol=_text(row["symbol"], "symbol"),
                severity=Severity.parse(_known(row["severity"], SEVERITY_NAMES, "severity")),
                message=_text(row["message"], "message"),
                scope=_text(row["scope"], "scope"),
                fingerprint=fingerprint,
                phase=Phase.parse(_known(row["phase"], PHASE_NAMES, "phase")),
            )
            via = _known(row["via"], TYPED_FRONT_ENDS, "via")
        except (ValueError, TypeError, KeyError) as exc:
            problems.append(f"{path}: line {number}: not a typed finding written by a ctxsep plugin: {exc}")
            continue
        key = (via, finding.path, finding.line, finding.col, finding.code, finding.scope, finding.fingerprint)
        records.setdefault(key, TypedRecord(via, Path(finding.path), finding))
    if not checked:
        problems.append(f"{path}: no front end recorded here; run mypy or pylint with {RECORD_ENV}={path.name} first")
    if problems:
        raise BaselineError(problems[:20])
    return TypedRun(list(records.values()), frozenset(checked))


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{field!r} must be a non-empty string")
    return value


def _whole(value: object, field: str, least: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise ValueError(f"{field!r} must be a whole number of at least {least}")
    return value


def _absolute(value: object, field: str) -> Path:
    text = _text(value, field)
    if not os.path.isabs(text):
        raise ValueError(f"{field!r} must be an absolute path")
    return Path(os.path.normpath(text))


def _known(value: object, names: tuple[str, ...], field: str) -> str:
    if not isinstance(value, str) or value not in names:
        raise ValueError(f"{field!r} must be one of {', '.join(names)}")
    return value
