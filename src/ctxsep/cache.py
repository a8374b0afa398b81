"""The result cache of ``ctxsep check`` (SPEC §6): a warm run re-checks only
what changed.

What is cached is one file's findings *before* the baseline is applied
(the runner applies the baseline after the cache, so editing, updating or
deleting a baseline never needs a cache flush). An entry is valid for:

- the file's content (a BLAKE2 hash of its bytes);
- the effective config (``Config.digest``: vocabulary, phase map,
  severities, the config's own path; plus a hash of the table as read), the
  file's phase and its path relative to the config (which gives its module
  name);
- this ctxsep (version, a hash of its own source files, so editing a rule in
  a development checkout invalidates everything) and this Python (``ast``
  differs between versions).

Not re-reading unchanged files is what makes a warm run cheap: an entry
also records the file's ``stat`` (device, inode, size, mtime and ctime in
ns) and is reused without reading the file while those are unchanged. Like
git's index, a stamp is only recorded for a file whose timestamps are older
than the moment it was read by more than any file system's timestamp
granularity (``RACY_NS``); a file edited twice within one tick is therefore
re-hashed instead of trusted. A stamp that changed with the same content
(``touch``, a checkout) costs a read and a hash, not a re-check.

Storage is one JSON index per cache directory (``.ctxsep_cache/`` beside the
config file, the cwd when there is none, or ``--cache-dir``), written
whole to a temporary file and renamed into place, so a reader sees an old
or a new index and never a mixture. A keyed checksum line guards the JSON:
a truncated, garbage or hand-edited index is ignored (and replaced by the
next write), never trusted.

A cache can hide findings, so a cache that came with the checkout must not
(SPEC §10): the checksum is a BLAKE2 MAC under a secret key of this user on
this machine (``cache-key`` in ``$XDG_CACHE_HOME/ctxsep``, else
``~/.cache/ctxsep``, created 0600), which a committed ``.ctxsep_cache`` cannot
compute; its index is simply a miss. A key file inside the project being
checked is not secret, and is not used. And a cache directory that is a
symlink, holds symlinks, or lies outside its project is not used at all
(the run is uncached and says so once): ctxsep never writes through one.

Two runs at once each read, merge the other's entries back in just before
writing, and rename; the loser of that race loses cache entries, never
correctness.

Growth is bounded: an index holds at most one entry per file path, entries
not used for ``MAX_AGE_DAYS`` are dropped, and past ``MAX_ENTRIES`` the
least recently used go first.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ctxsep import __version__
from ctxsep.atomic import UnsafeFileError, read_regular, write_atomic_bytes
from ctxsep.config import Config, FileSettings
from ctxsep.engine import FileResult
from ctxsep.model import INTERNAL_ERROR_PREFIX, Finding, Severity
from ctxsep.semantics.conftest import CONFTEST, conftest_digest, is_test_module

CACHE_DIR_NAME = ".ctxsep_cache"
INDEX_NAME = "results-v1.json"
MAGIC = b"ctxsep-cache v1 "
#: Older than this and a stamp is trusted: covers 2 s FAT and 1 s ext3/HFS+ mtimes.
RACY_NS = 3_000_000_000
MAX_AGE_DAYS = 14
MAX_ENTRIES = 250_000
#: An index of MAX_ENTRIES entries stays far below this.
MAX_INDEX_BYTES = 1024 * 1024 * 1024
_DAY = 86_400

Stamp = tuple[int, int, int, int, int]
#: (line, col, code, symbol, severity, message, scope, fingerprint)
StoredFinding = tuple[int, int, str, str, int, str, str, str]


@dataclass(frozen=True)
class Stored:
    """One file's cached outcome, without its display path."""

    parsed: bool
    skipped: str | None
    findings: tuple[StoredFinding, ...]

    @classmethod
    def of(cls, result: FileResult) -> Stored:
        return cls(
            result.parsed,
            result.skipped,
            tuple(
                (f.line, f.col, f.code, f.symbol, int(f.severity), f.message, f.scope, f.fingerprint)
                for f in result.findings
            ),
        )

    def result(self, display: str, settings: FileSettings) -> FileResult:
        phase = settings.phase
        if not self.findings and not self.parsed and self.skipped is None:
            return FileResult(display, phase)  # most files of a warm run
        findings = tuple(
            Finding(display, line, col, code, symbol, Severity(sev), message, scope, fingerprint, phase)
            for line, col, code, symbol, sev, message, scope, fingerprint in self.findings
        )
        return FileResult(display, phase, findings, skipped=self.skipped, parsed=self.parsed)

    def to_json(self) -> list[Any] | None:
        if not self.parsed and self.skipped is None and not self.findings:
            return None  # the common case: the prefilter ruled the file out
        return [self.parsed, self.skipped, [list(f) for f in self.findings]]

    @classmethod
    def from_json(cls, data: Any) -> Stored:
        """Raises ValueError/TypeError on anything but what ``to_json`` writes."""
        if data is None:
            return _CLEAN
        parsed, skipped, findings = data
        if not isinstance(parsed, bool) or not (skipped is None or isinstance(skipped, str)):
            raise ValueError("bad entry")
        checked = []
        for line, col, code, symbol, sev, message, scope, fingerprint in findings:
            if not (isinstance(line, int) and isinstance(col, int) and isinstance(sev, int)):
                raise ValueError("bad finding")
            if not all(isinstance(s, str) for s in (code, symbol, message, scope, fingerprint)):
                raise ValueError("bad finding")
            Severity(sev)
            checked.append((line, col, code, symbol, sev, message, scope, fingerprint))
        return cls(parsed, skipped, tuple(checked))


_CLEAN = Stored(False, None, ())


def cacheable(result: FileResult) -> bool:
    """Everything but failures that do not follow from the content: an
    unreadable file, or a ctxsep bug (a fix changes the code hash anyway)."""
    reason = result.skipped or ""
    return not reason.startswith(("cannot read", INTERNAL_ERROR_PREFIX))


@dataclass(slots=True)
class Entry:
    key: str  # config digest, phase and relative path
    content: str  # hash of the bytes
    stamp: Stamp | None  # None: re-hash before trusting
    day: int  # last used, days since the epoch
    stored: Any  # the JSON form, decoded on use


def entry_key(settings: FileSettings, fixtures: dict[tuple[int, str, bool], str] | None = None) -> str:
    """The cache key of a file checked with ``settings``: its config, phase
    and path, and — a test module's findings depend on the ``conftest.py``
    files above it too (their fixtures can make a parameter a context) —
    their contents. ``fixtures`` (for one pass over many files, as in
    ``ResultCache.lookup_all``) remembers that part per directory: it stats
    every ``conftest.py`` above a test module. Without it the part is
    worked out afresh, so a cache kept for hours (the mypy plugin's) still
    sees a ``conftest.py`` edited meanwhile."""
    rel = settings.rel_path
    config = settings.config
    digest = ""
    if is_test_module(rel):
        directory, _, name = rel.rpartition("/")
        memo_key = (id(config), directory, name == CONFTEST)
        known = fixtures.get(memo_key) if fixtures is not None else None
        if known is None:
            known = conftest_digest(config.root / rel, config.root)
            if fixtures is not None:
                fixtures[memo_key] = known
        digest = known
    return f"{config_key(config)}|{settings.phase.label}|{rel}|{digest}"


_CONFIG_KEYS: dict[int, tuple[Config, str]] = {}


def config_key(config: Config) -> str:
    """``Config.digest`` plus a hash of the table exactly as read, so that a
    key added to the schema later cannot leave stale entries valid even if
    the digest forgets it."""
    known = _CONFIG_KEYS.get(id(config))
    if known is None or known[0] is not config:
        raw = json.dumps(config.raw, sort_keys=True, default=str).encode()
        key = f"{config.digest}{hashlib.blake2b(raw, digest_size=6).hexdigest()}"
        if len(_CONFIG_KEYS) > 256:
            _CONFIG_KEYS.clear()
        known = _CONFIG_KEYS[id(config)] = (config, key)
    return known[1]


def stamp_of(info: os.stat_result) -> Stamp:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)  # also in lookup_all


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def trusted_stamp(before: os.stat_result, after: os.stat_result, read_at_ns: int) -> Stamp | None:
    """The stamp to record for bytes read at ``read_at_ns`` between two
    stats: None when the file changed meanwhile or is too fresh to trust."""
    stamp = stamp_of(before)
    if stamp != stamp_of(after):
        return None
    if max(before.st_mtime_ns, before.st_ctime_ns) > read_at_ns - RACY_NS:
        return None
    return stamp


@lru_cache(maxsize=1)
def code_version() -> str:
    """ctxsep's version, a hash of its own source and the Python version."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__}|{sys.implementation.cache_tag}|{sys.version}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()


# -- one cache directory -------------------------------------------------------------


@dataclass
class CacheIndex:
    """The entries of one cache directory, by absolute file path."""

    directory: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    changed: bool = False
    #: why this directory is not used (nothing is read from or written to it)
    refused: str | None = None
    #: the directory the cache must sit in (None: an explicit ``--cache-dir``)
    project: Path | None = None

    @property
    def path(self) -> Path:
        return self.directory / INDEX_NAME

    @classmethod
    def load(cls, directory: Path, project: Path | None = None) -> CacheIndex:
        refused = unsafe_directory(directory, project)
        if refused is not None:
            return cls(directory, refused=refused, project=project)
        return cls(directory, read_index(directory / INDEX_NAME), project=project)

    def get(self, path: str) -> Entry | None:
        return self.entries.get(path)

    def put(self, path: str, entry: Entry) -> None:
        self.entries[path] = entry
        self.touched.add(path)
        self.changed = True

    def use(self, path: str, entry: Entry, today: int) -> None:
        self.touched.add(path)
        if entry.day != today:
            entry.day = today
            self.changed = True

    def save(self, today: int) -> None:
        """Merge what another run wrote meanwhile, prune, write atomically.
        A cache that cannot be written is no error: the next run is cold."""
        if not self.changed or self.refused is not None:
            return
        refused = unsafe_directory(self.directory, self.project)
        if refused is not None:  # it changed under us: still never write through it
            self.refused = refused
            return
        merged = read_index(self.path)
        for path in self.touched:
            merged[path] = self.entries[path]
        for path, entry in self.entries.items():
            if path not in merged:
                merged[path] = entry
        kept = {p: e for p, e in merged.items() if p in self.touched or today - e.day <= MAX_AGE_DAYS}
        if len(kept) > MAX_ENTRIES:
            newest = sorted(kept, key=lambda p: kept[p].day, reverse=True)[:MAX_ENTRIES]
            kept = {p: kept[p] for p in newest}
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
            mark_cache_dir(self.directory)
            write_atomic_bytes(self.path, encode_index(kept), durable=False)
        self.changed = False


def encode_index(entries: dict[str, Entry]) -> bytes:
    return encode_signed(
        MAGIC,
        {path: [e.key, e.content, list(e.stamp) if e.stamp else None, e.day, e.stored] for path, e in entries.items()},
    )


def encode_signed(magic: bytes, entries: Any) -> bytes:
    """A signed cache file: ``magic``, the keyed checksum, then the JSON body
    holding this ctxsep's code version and ``entries`` (read back by
    :func:`read_signed`)."""
    body = json.dumps({"code": code_version(), "entries": entries}, separators=(",", ":")).encode()
    return magic + mac(body) + b"\n" + body


def read_signed(path: Path, magic: bytes) -> Any:
    """The ``entries`` of a file :func:`encode_signed` wrote; None when it is
    missing, unreadable, truncated, corrupt, not signed with this user's key
    or written by another ctxsep or Python. A symlink or anything but a
    regular file is never read."""
    try:
        data = read_regular(path, MAX_INDEX_BYTES, follow_symlinks=False)
    except OSError:
        return None
    header, _, body = data.partition(b"\n")
    if not header.startswith(magic) or not hmac.compare_digest(header[len(magic) :], mac(body)):
        return None
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(document, dict) or document.get("code") != code_version():
        return None
    return document.get("entries")


def mac(body: bytes) -> bytes:
    """The keyed checksum of a cache file's body (this user's key: see the module docstring)."""
    return hashlib.blake2b(body, digest_size=16, key=machine_key()).hexdigest().encode()


def read_index(path: Path) -> dict[str, Entry]:
    """The entries of an index file; empty when it is missing, unreadable,
    truncated, corrupt, not signed with this user's key (committed with
    the checkout, copied from another machine) or written by another
    ctxsep or Python. A symlink or anything but a regular file is never
    read."""
    stored_entries = read_signed(path, MAGIC)
    try:
        entries = {}
        for file, (key, content, stamp, day, stored) in stored_entries.items():
            if not (isinstance(key, str) and isinstance(content, str) and isinstance(day, int)):
                return {}
            if stamp is not None:
                stamp = tuple(stamp)
                # JSON gives exact ints (and bools, which isinstance(v, int) also lets pass)
                if len(stamp) != 5 or not set(map(type, stamp)) <= _JSON_INTS:
                    return {}
            entries[file] = Entry(key, content, stamp, day, stored)
        return entries
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


_JSON_INTS = frozenset({int, bool})


def mark_cache_dir(directory: Path) -> None:
    """Tell backup tools and git to leave the cache alone."""
    for name, text in _MARKERS:
        if not (directory / name).exists():
            write_atomic_bytes(directory / name, text, durable=False)


_MARKERS = (
    ("CACHEDIR.TAG", b"Signature: 8a477f597d28d172789f06886806bc55\n# a ctxsep result cache: safe to delete\n"),
    (".gitignore", b"# created by ctxsep: a result cache, safe to delete\n*\n"),
)


# -- trust: the key, and directories safe to use --------------------------------------

KEY_NAME = "cache-key"
_KEY_BYTES = 32


def key_directory() -> Path:
    """Where this user's cache key lives: outside every project."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "ctxsep"


@lru_cache(maxsize=1)
def machine_key() -> bytes:
    """This user's secret cache key, created on first use (0600). When it
    can be neither read nor created, a key for this process only: caches
    then never outlive the run, which is slow but never wrong."""
    try:
        directory = key_directory()
    except RuntimeError:  # no home directory at all
        import secrets

        return secrets.token_bytes(_KEY_BYTES)
    path = directory / KEY_NAME
    damaged = False
    try:
        return _read_key(path)
    except ValueError:  # not a key ctxsep wrote for this user: replace it
        damaged = True
    except OSError:
        pass
    import secrets  # imported here: most runs read the key, only the first makes it
    import tempfile

    with contextlib.suppress(OSError, ValueError):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{KEY_NAME}.", dir=directory)  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(_KEY_BYTES) + "\n")
            if damaged:
                os.replace(temp, path)
            else:
                with contextlib.suppress(FileExistsError):  # another run won the race: use its key
                    os.link(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        return _read_key(path)
    return secrets.token_bytes(_KEY_BYTES)


def _read_key(path: Path) -> bytes:
    """Raises OSError when there is no key file, ValueError when there is
    one that is not this user's 32-byte key."""
    info = os.stat(path, follow_symlinks=False)
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ValueError("someone else's key")
    try:
        key = bytes.fromhex(read_regular(path, 4096, follow_symlinks=False).decode("ascii").strip())
    except UnsafeFileError as exc:
        raise ValueError(str(exc)) from None
    if len(key) != _KEY_BYTES:
        raise ValueError("not a key")
    return key


def unsafe_directory(directory: Path, project: Path | None, files: tuple[str, ...] = ()) -> str | None:
    """Why ``directory`` must not hold a cache, or None. ``project`` is the
    directory the cache must sit in (None for an explicit ``--cache-dir``,
    which the command line chose)."""
    if directory.is_symlink():
        return f"{directory} is a symbolic link"
    if project is not None:
        real_project = project.resolve()
        if directory.resolve().parent != real_project:
            return f"{directory} does not lie directly in {project}"
        with contextlib.suppress(OSError, RuntimeError):
            home = Path.home().resolve()
            # A checkout that holds the key could forge entries; running in (or above) one's own
            # home directory, where the default key lives, is no checkout doing that.
            if key_directory().resolve().is_relative_to(real_project) and not home.is_relative_to(real_project):
                return f"the cache key directory {key_directory()} lies inside the project, so it is no secret"
    for name in (INDEX_NAME, *(marker for marker, _ in _MARKERS), *files):
        if (directory / name).is_symlink():
            return f"{directory / name} is a symbolic link"
    return None


# -- the run's view: which directory each file's entry lives in -------------------------


class ResultCache:
    """The cache as one run uses it: ``.ctxsep_cache`` beside each file's
    config (the cwd for files without one), or one ``directory`` for all."""

    def __init__(self, cwd: Path, directory: Path | None = None) -> None:
        self.cwd = cwd
        self.explicit = (cwd / directory) if directory is not None else None
        self.today = int(time.time()) // _DAY
        self._indexes: dict[Path, CacheIndex] = {}
        self._by_config: dict[int, tuple[Config, CacheIndex]] = {}  # the config is kept, so its id stays unique
        #: (id(config), phase) -> (config, the start of the keys of its files at that phase)

    def directory_for(self, config: Config) -> Path:
        if self.explicit is not None:
            return self.explicit
        return (config.root if config.path is not None else self.cwd) / CACHE_DIR_NAME

    def index_for(self, config: Config) -> CacheIndex:
        known = self._by_config.get(id(config))
        if known is not None and known[0] is config:
            return known[1]
        directory = self.directory_for(config)
        index = self._indexes.get(directory)
        if index is None:
            project = None if self.explicit is not None else directory.parent
            index = self._indexes[directory] = CacheIndex.load(directory, project)
        self._by_config[id(config)] = (config, index)
        return index

    def key_for(self, settings: FileSettings, fixtures: dict[tuple[int, str, bool], str] | None = None) -> str:
        """``entry_key`` (see there for ``fixtures``)."""
        return entry_key(settings, fixtures)

    def lookup(self, path: Path, settings: FileSettings, display: str) -> tuple[FileResult | None, str | None]:
        """(cached result, None) on a hit; (None, content hash the entry had)
        on a miss, so an unchanged file with a new stamp is not re-checked."""
        return self.lookup_all([(path, settings)], [display])[0]

    def lookup_all(
        self, found: Sequence[tuple[Path, FileSettings]], displays: Sequence[str]
    ) -> list[tuple[FileResult | None, str | None]]:
        """``lookup`` of each file (one loop: a warm run does this for every
        file of the tree, and a stat is the only system call it makes)."""
        answers: list[tuple[FileResult | None, str | None]] = []
        answer = answers.append
        stat, today, key_for = os.stat, self.today, self.key_for
        fixtures: dict[tuple[int, str, bool], str] = {}  # this pass's conftest.py digests, per directory
        config: Config | None = None
        index: CacheIndex | None = None
        for (path, settings), display in zip(found, displays, strict=True):
            if settings.config is not config:
                config = settings.config
                index = self.index_for(config)
            assert index is not None
            name = str(path)
            entry = index.entries.get(name)
            if entry is None or entry.key != key_for(settings, fixtures):
                answer((None, None))
                continue
            if entry.stamp is not None:
                try:
                    info = stat(name)
                except OSError:
                    answer((None, None))
                    continue
                if (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns) == entry.stamp:
                    if entry.stored is None:  # most files: the prefilter ruled them out
                        result = FileResult(display, settings.phase)
                    else:
                        try:
                            result = Stored.from_json(entry.stored).result(display, settings)
                        except (ValueError, TypeError):
                            answer((None, None))
                            continue
                    index.use(name, entry, today)
                    answer((result, None))
                    continue
            answer((None, entry.content))
        return answers

    def reuse(self, path: Path, settings: FileSettings, display: str, stamp: Stamp | None) -> FileResult | None:
        """The cached result of a file whose bytes hash to what the entry
        recorded (a miss on the stamp only); records the new stamp."""
        index = self.index_for(settings.config)
        entry = index.get(str(path))
        if entry is None:
            return None
        try:
            result = Stored.from_json(entry.stored).result(display, settings)
        except (ValueError, TypeError):
            return None
        index.put(str(path), Entry(entry.key, entry.content, stamp, self.today, entry.stored))
        return result

    def store(
        self,
        path: Path,
        settings: FileSettings,
        result: FileResult,
        content: str,
        stamp: Stamp | None,
        key: str | None = None,
    ) -> None:
        """Record ``result``; ``key``: its ``key_for(settings)`` when the
        caller has just compared it."""
        if not cacheable(result):
            return
        stored = Stored.of(result).to_json()
        entry = Entry(key if key is not None else self.key_for(settings), content, stamp, self.today, stored)
        self.index_for(settings.config).put(str(path), entry)

    def save(self) -> None:
        for index in self._indexes.values():
            index.save(self.today)

    @property
    def problems(self) -> list[str]:
        """Each cache directory this run refused to use, and why (for one warning each)."""
        return [
            f"not using the result cache: {index.refused}; checking without it"
            for index in self._indexes.values()
            if index.refused is not None
        ]
