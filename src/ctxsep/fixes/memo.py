"""``check``'s fix marks, remembered between runs.

Working out a file's fixes parses it with libcst, which costs more than
checking it; a warm ``check`` must stay cheap, so the marks of each file are
kept in ``fixes-v1`` beside the result cache, keyed by the file's bytes, its
settings, ctxsep's own code and the content of every file that could change
a fix (the files the check parsed: the only ones that can define a
dual-pattern callable, the scoped factory or the request-scoped context).

Like the result cache, the file is signed with this user's machine key, so
a memo that came with a checkout (or from another machine) is ignored: it
could otherwise put edits of a stranger's choosing into JSON and SARIF.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from ctxsep import atomic
from ctxsep.cache import MAX_INDEX_BYTES, code_version, config_key, mac, unsafe_directory
from ctxsep.config import FileSettings
from ctxsep.model import Edit, Fix

MEMO_NAME = "fixes-v1.json"
_MAGIC = b"ctxsep-fixes-v1\n"


def file_key(data: bytes, display: str, settings: FileSettings, project_digest: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    # config_key: the result cache's (the digest and the table as read, ``[tool.ctxsep.fix]`` too)
    for part in (display, config_key(settings.config), settings.phase.label, code_version(), project_digest):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def _fix_json(fix: Fix) -> list[Any]:
    edits = [
        [e.path, e.start, e.end, e.replacement, e.start_line, e.start_col, e.end_line, e.end_col] for e in fix.edits
    ]
    return [fix.code, fix.applicability, fix.title, edits, [list(w) for w in fix.fixes]]


def _fix_from(data: list[Any]) -> Fix:
    code, applicability, title, edits, fixes = data
    return Fix(
        str(code),
        str(applicability),
        str(title),
        tuple(Edit(str(p), int(s), int(e), str(r), int(a), int(b), int(c), int(d)) for p, s, e, r, a, b, c, d in edits),
        tuple((str(c), int(line), int(col)) for c, line, col in fixes),
    )


class FixMemo:
    def __init__(self, directory: Path | None, project: Path | None) -> None:
        self.directory = directory
        self.usable = directory is not None and unsafe_directory(directory, project) is None
        self.entries: dict[str, list[Any]] = {}
        self.used: dict[str, list[Any]] = {}
        if self.usable and directory is not None:
            self.entries = _read(directory / MEMO_NAME)

    def get(self, key: str) -> list[Fix] | None:
        stored = self.entries.get(key)
        if stored is None:
            return None
        try:
            fixes = [_fix_from(item) for item in stored]
        except (TypeError, ValueError):
            return None
        self.used[key] = stored
        return fixes

    def put(self, key: str, fixes: list[Fix]) -> None:
        self.used[key] = [_fix_json(fix) for fix in fixes]

    def save(self) -> None:
        """Keep what this run used (so the file never outgrows the tree)."""
        if not self.usable or self.directory is None or self.used == self.entries:
            return
        body = json.dumps(self.used, separators=(",", ":"), sort_keys=True).encode()
        with contextlib.suppress(OSError):
            if self.directory.is_dir():
                atomic.write_atomic_bytes(self.directory / MEMO_NAME, _MAGIC + mac(body) + b"\n" + body, durable=False)


def _read(path: Path) -> dict[str, list[Any]]:
    try:  # a regular file only: never a symlink, a FIFO or a device the checkout planted
        raw = atomic.read_regular(path, MAX_INDEX_BYTES, follow_symlinks=False)
    except OSError:
        return {}
    if not raw.startswith(_MAGIC):
        return {}
    signature, _, body = raw[len(_MAGIC) :].partition(b"\n")
    try:
        if signature != mac(body):
            return {}
        data = json.loads(body)
    except (ValueError, OSError):
        return {}
    return data if isinstance(data, dict) else {}
