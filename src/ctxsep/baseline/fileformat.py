"""The baseline file: reading it strictly, writing it merge-friendly.

Layout (``ctxsep-baseline.json`` by default, beside the config file)::

    {
      "about": "ctxsep baseline: ...",
      "version": 1,
      "entries": [
        {"path": "app/routes/users.py", "code": "CTX002", "scope": "post_message",
         "fingerprint": "1a2b3c4d", "count": 1, "phase": "transitional"},
        ...

(shown wrapped here; in the file each entry is one line).
      ]
    }

One entry per line, sorted by (path, code, scope, fingerprint), with a fixed
key order and nothing that changes by itself: no timestamps, no tool version,
no line numbers, no message text. Two branches that record findings in
different files or functions touch different lines, so git merges them
without a conflict. ``version`` is the format's version, not ctxsep's.

Reading is strict: anything unexpected — invalid JSON, a leftover merge
conflict marker, an unknown key, a bad value, two entries for the same key —
is a :class:`~ctxsep.model.BaselineError` naming the file and the entry's
line, never a silent guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ctxsep.atomic import read_regular
from ctxsep.config.phasemap import normalize_key
from ctxsep.model import PHASE_NAMES, BaselineError, Phase
from ctxsep.rules import RULES_BY_CODE

FORMAT_VERSION = 1
ABOUT = (
    "ctxsep baseline: known findings, hidden while their file's phase is no stricter than the one recorded. "
    "Shrink it with `ctxsep baseline update`; see docs/baselines.md."
)
TOP_LEVEL_KEYS = ("about", "version", "entries")
ENTRY_KEYS = ("path", "code", "scope", "fingerprint", "count", "phase")
#: Optional: the type-aware front end that recorded the entry (``ctxsep
#: baseline create --typed``); the CLI, which has no types, never judges it.
OPTIONAL_ENTRY_KEYS = ("via",)
TYPED_FRONT_ENDS = ("mypy", "pylint")
NO_FINGERPRINT = "-"
_FINGERPRINT = re.compile(r"[0-9a-f]{8}")
#: What a recorded fingerprint looks like (the typed-findings reader checks it too).
FINGERPRINT_RE = _FINGERPRINT
_CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)
#: More problems than this are summarised: a file broken everywhere needs one message, not thousands.
MAX_PROBLEMS = 20
#: A baseline of a million entries is about 150 MB; anything larger is not one.
MAX_BASELINE_BYTES = 1024 * 1024 * 1024

#: (path, code, scope, fingerprint): what makes two findings "the same" for a baseline.
EntryKey = tuple[str, str, str, str]


@dataclass(frozen=True, order=True)
class Entry:
    """``count`` findings with this key are known; they are hidden while the
    file's phase is no stricter than ``phase``, the phase it had when they
    were recorded."""

    path: str  # POSIX, relative to the config file's directory
    code: str
    scope: str
    fingerprint: str
    count: int
    phase: Phase
    via: str = ""  # "" (the AST engine), or a TYPED_FRONT_ENDS name

    @property
    def key(self) -> EntryKey:
        return (self.path, self.code, self.scope, self.fingerprint)

    def active_in(self, phase: Phase) -> bool:
        """Whether the entry hides findings in a file now at ``phase``."""
        return phase <= self.phase

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "code": self.code,
            "scope": self.scope,
            "fingerprint": self.fingerprint,
            "count": self.count,
            "phase": self.phase.label,
            **({"via": self.via} if self.via else {}),
        }


def dumps(entries: Iterable[Entry]) -> str:
    """The file's text: sorted, one entry per line, ending in a newline."""
    rows = ["    " + _row(entry) for entry in sorted(entries)]
    body = '  "entries": []' if not rows else '  "entries": [\n' + ",\n".join(rows) + "\n  ]"
    return f'{{\n  "about": {json.dumps(ABOUT)},\n  "version": {FORMAT_VERSION},\n{body}\n}}\n'


def _row(entry: Entry) -> str:
    """One entry's line. A path that is not valid UTF-8 (a file name with
    bytes that are not: ``os`` hands those over as lone surrogates) is
    written with JSON escapes, which read back as the same name."""
    row = json.dumps(entry.as_json(), ensure_ascii=False)
    if not entry.path.isascii():
        try:
            row.encode("utf-8")
        except UnicodeEncodeError:
            row = json.dumps(entry.as_json())
    return row


def read_entries(path: Path) -> tuple[Entry, ...]:
    try:
        if path.is_dir():
            raise IsADirectoryError
        data = read_regular(path, MAX_BASELINE_BYTES)  # never a FIFO or device, never endless
    except IsADirectoryError:
        raise BaselineError([f"{path}: the baseline path is a directory, not a file"]) from None
    except OSError as exc:
        raise BaselineError([f"{path}: cannot read baseline: {exc.strerror or exc}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BaselineError([f"{path}: baseline is not UTF-8 text (byte {exc.start})"]) from None
    return parse(text, path)


def parse(text: str, source: Path | str) -> tuple[Entry, ...]:
    """Validate a baseline document; raise BaselineError listing every problem."""
    marker = _CONFLICT_MARKER.search(text)
    if marker is not None:
        line = text.count("\n", 0, marker.start()) + 1
        raise BaselineError(
            [
                f"{source}: line {line}: unresolved merge conflict marker {marker.group(1)!r}; "
                "resolve it by hand (keep both sides' entries, one per line, and delete the marker lines), "
                "or record today's findings anew with `ctxsep baseline create --force`"
            ]
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError([f"{source}: line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}"]) from None
    if not isinstance(document, dict):
        raise BaselineError([f'{source}: must hold a JSON object with an "entries" list, not {_kind(document)}'])
    problems = [
        f"{source}: unknown top-level key {key!r}; allowed: {', '.join(TOP_LEVEL_KEYS)}"
        for key in document
        if key not in TOP_LEVEL_KEYS
    ]
    version = document.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or isinstance(version, bool):
        problems.append(f'{source}: "version" is {version!r}; this ctxsep reads baseline format {FORMAT_VERSION}')
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list):
        what = "missing" if raw_entries is None else f"{_kind(raw_entries)}, not a list"
        raise BaselineError([*problems, f'{source}: "entries" is {what}'])
    lines = _entry_lines(text)
    entries: list[Entry] = []
    first_seen: dict[EntryKey, str] = {}
    for index, raw in enumerate(raw_entries):
        where = f"{source}: entry {index + 1}" + (f" (line {lines[index]})" if index < len(lines) else "")
        entry = _entry(raw, where, problems)
        if entry is None:
            continue
        if entry.key in first_seen:
            problems.append(
                f"{where}: same path, code, scope and fingerprint as {first_seen[entry.key]}; "
                "keep one entry and add up the counts"
            )
            continue
        first_seen[entry.key] = where.removeprefix(f"{source}: ")
        entries.append(entry)
    if problems:
        if len(problems) > MAX_PROBLEMS:
            extra = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], f"{source}: ... and {extra} more problems"]
        raise BaselineError(problems)
    return tuple(entries)


def _entry(raw: object, where: str, problems: list[str]) -> Entry | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object with keys {', '.join(ENTRY_KEYS)}, not {_kind(raw)}")
        return None
    before = len(problems)
    for key in raw:
        if key not in ENTRY_KEYS and key not in OPTIONAL_ENTRY_KEYS:
            optional = ", ".join(OPTIONAL_ENTRY_KEYS)
            problems.append(
                f"{where}: unknown key {key!r}; entries have {', '.join(ENTRY_KEYS)} (optional: {optional})"
            )
    missing = [key for key in ENTRY_KEYS if key not in raw]
    if missing:
        problems.append(f"{where}: missing {', '.join(repr(k) for k in missing)}")
        return None
    path, code, scope, fingerprint, count, phase = (raw[key] for key in ENTRY_KEYS)
    if not isinstance(path, str) or normalize_key(path) != path or not path:
        problems.append(
            f'{where}: "path" {path!r} must be a file path relative to the config file\'s directory, '
            "with '/' separators and no '.' or '..' parts"
        )
    if not isinstance(code, str) or code not in RULES_BY_CODE:
        problems.append(f'{where}: "code" {code!r} is not a rule code ({", ".join(RULES_BY_CODE)})')
    if not isinstance(scope, str) or not scope:
        problems.append(f"{where}: \"scope\" must be a non-empty string such as 'Service.run' or '<module>'")
    if not isinstance(fingerprint, str) or not (fingerprint == NO_FINGERPRINT or _FINGERPRINT.fullmatch(fingerprint)):
        problems.append(f'{where}: "fingerprint" {fingerprint!r} must be 8 lowercase hex digits')
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        problems.append(f'{where}: "count" {count!r} must be a whole number of at least 1')
    if not isinstance(phase, str) or phase not in PHASE_NAMES:
        problems.append(f'{where}: "phase" {phase!r} must be one of {", ".join(PHASE_NAMES)}')
    via = raw.get("via", "")
    if "via" in raw and via not in TYPED_FRONT_ENDS:
        problems.append(f'{where}: "via" {via!r} must be one of {", ".join(TYPED_FRONT_ENDS)} (or left out)')
    if len(problems) > before:
        return None
    return Entry(path, code, scope, fingerprint, count, Phase.parse(phase), via)


def _entry_lines(text: str) -> list[int]:
    """The line each element of the top-level ``entries`` list starts on, so
    problems can name it. Only called on text ``json.loads`` accepted; gives
    up quietly (no line numbers) on anything surprising."""
    decoder = json.JSONDecoder()
    space = re.compile(r"[ \t\n\r]*")

    def skip(pos: int) -> int:
        match = space.match(text, pos)
        return match.end() if match else pos

    # Lines are counted from the previous entry on, never from the start of
    # the text again: reading stays linear in the size of the file.
    counted = [0, 1]  # [position counted up to, line number there]

    def line_at(pos: int) -> int:
        counted[1] += text.count("\n", counted[0], pos)
        counted[0] = pos
        return counted[1]

    try:
        pos = skip(1 if text.startswith("\ufeff") else 0)
        if text[pos] != "{":
            return []
        pos = skip(pos + 1)
        while text[pos] != "}":
            key, pos = decoder.raw_decode(text, pos)
            pos = skip(skip(pos) + 1)  # the ':'
            if key == "entries" and text[pos] == "[":
                lines: list[int] = []
                pos = skip(pos + 1)
                while text[pos] != "]":
                    lines.append(line_at(pos))
                    _, pos = decoder.raw_decode(text, pos)
                    pos = skip(pos)
                    if text[pos] == ",":
                        pos = skip(pos + 1)
                return lines
            _, pos = decoder.raw_decode(text, pos)
            pos = skip(pos)
            if text[pos] == ",":
                pos = skip(pos + 1)
    except (IndexError, ValueError):
        return []
    return []


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }.get(type(value), type(value).__name__)
