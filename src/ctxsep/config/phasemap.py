"""How a path gets its phase: the most specific key of the phase map wins.

Keys are paths relative to the config file's directory: a plain path names a
directory (and everything below it) or a file; a key with ``*``, ``?`` or
``[`` is a gitignore-style glob (``*`` stays within one path segment, ``**``
spans any number), matched with pathspec.

Specificity is structural, never the order of keys in the file:

1. the depth at which the key matches — the number of path segments of the
   matched directory, or the file's full depth plus one when the key matches
   the file itself — so a deeper directory beats its parent and a file or a
   file glob beats the directory it sits in;
2. at equal depth, a literal key beats a glob.

Two keys that tie on both with *different* phases are a configuration error
naming both, rather than a silent pick.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ctxsep.model import ConfigError, Phase

if TYPE_CHECKING:
    import pathspec

_GLOB_CHARS = frozenset("*?[")
#: Directories a phase map remembers (``DirectoryPhases``) before starting over.
_MAX_DIRS = 65_536


@dataclass(frozen=True, slots=True)
class PhaseKey:
    key: str  # as written in the config, for messages
    normalized: str
    parts: tuple[str, ...]
    phase: Phase
    is_glob: bool
    spec: pathspec.GitIgnoreSpec | None = field(default=None, compare=False)
    #: the spec's one regular expression, when matching a normalized POSIX
    #: path is just searching it (``_plain_regex``): the per-file test
    regex: re.Pattern[str] | None = field(default=None, compare=False)

    @property
    def literal_prefix(self) -> tuple[str, ...]:
        """The leading segments without glob characters: every path the key
        matches starts with them (keys are anchored at the config directory)."""
        prefix: list[str] = []
        for part in self.parts:
            if any(ch in _GLOB_CHARS for ch in part):
                break
            prefix.append(part)
        return tuple(prefix)

    @property
    def fixed_depth(self) -> int | None:
        """For a glob without ``**``: the only depth it can first match at
        (each segment matches exactly one path segment); None otherwise."""
        return None if any("**" in part for part in self.parts) else len(self.parts)

    def match_depth(self, parts: tuple[str, ...]) -> int | None:
        """How deep this key matches ``parts`` (a file's path segments), or
        None. A match of the file itself is ``len(parts) + 1``."""
        if not self.is_glob:
            n = len(self.parts)
            if parts[:n] != self.parts:
                return None
            return n + 1 if n == len(parts) else n
        assert self.spec is not None
        # The shallowest matching ancestor (or the file) decides. A glob
        # without ``**`` can only match its own number of segments first: a
        # shallower candidate has too few segments, and a deeper one matches
        # only if that ancestor already did. (tests/test_phasemap.py checks
        # this against trying every depth.)
        fixed = self.fixed_depth
        depths = range(1, len(parts) + 1) if fixed is None else (fixed,) if fixed <= len(parts) else ()
        for depth in depths:
            is_file = depth == len(parts)
            candidate = "/".join(parts[:depth]) + ("" if is_file else "/")
            if self.spec.match_file(candidate):
                return depth + 1 if is_file else depth
        return None

    def dir_depth(self, dir_parts: tuple[str, ...]) -> int | None:
        """How deep this key matches the directory ``dir_parts`` or one of its
        ancestors (shallowest first, as ``match_depth`` tries them), or None:
        then it can match a file in that directory only by the file itself."""
        if not self.is_glob:
            n = len(self.parts)
            return n if dir_parts[:n] == self.parts else None
        fixed = self.fixed_depth
        n = len(dir_parts)
        depths = range(1, n + 1) if fixed is None else (fixed,) if fixed <= n else ()
        for depth in depths:
            if _spec_matches(self, "/".join(dir_parts[:depth]) + "/"):
                return depth
        return None


def _spec_matches(key: PhaseKey, candidate: str) -> bool:
    """``key.spec.match_file(candidate)`` for a relative POSIX path without a
    leading ``./`` (what ``DirectoryPhases`` builds)."""
    if key.regex is not None:
        return key.regex.search(candidate) is not None
    assert key.spec is not None
    return bool(key.spec.match_file(candidate))


def _plain_regex(spec: pathspec.GitIgnoreSpec) -> re.Pattern[str] | None:
    """The regex that decides ``spec`` alone, or None. A spec of one including
    pattern matches a path exactly when the pattern's regex finds it
    (pathspec's ``match_file`` also normalizes separators, which POSIX paths
    built from ``/``-joined parts never need); anything else keeps
    ``match_file``. (tests/test_phasemap.py compares the two.)"""
    patterns = getattr(spec, "patterns", None)
    if os.sep != "/" or os.altsep is not None or not isinstance(patterns, list | tuple) or len(patterns) != 1:
        return None
    regex = getattr(patterns[0], "regex", None)
    if getattr(patterns[0], "include", None) is not True or not isinstance(regex, re.Pattern):
        return None
    return regex


def _glob_spec(normalized: str) -> pathspec.GitIgnoreSpec:
    import pathspec  # only configs with glob keys pay for importing it

    # `re` warns about odd sets such as "[[a]" (FutureWarning); a key is
    # checked by key_problem, and Python's warnings must not reach CI logs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pathspec.GitIgnoreSpec.from_lines(["/" + normalized])


def normalize_key(key: str) -> str | None:
    """``./app//routes/`` -> ``app/routes``; ``.`` -> ``""``. None when the key
    is absolute or escapes the config directory."""
    text = key.strip().replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def key_problem(normalized: str) -> str | None:
    """Why a (normalized) phase-map key can never match anything, or None.

    pathspec compiles a broken glob (``app/[``) to a pattern that matches
    nothing, and a leading ``!`` reads like gitignore's negation, which a
    phase map does not have: both would be silently ignored otherwise."""
    if normalized.startswith("!"):
        return (
            "a leading '!' is gitignore negation, which the phase map does not have; "
            "name the paths to set (a more specific key overrides a broader one)"
        )
    if not any(ch in _GLOB_CHARS for ch in normalized):
        return None
    try:
        pattern = _glob_spec(normalized).patterns[0]
    except Exception as exc:  # pathspec's own error types vary between versions
        return f"is not a valid glob: {exc}"
    if getattr(pattern, "regex", None) is None or not getattr(pattern, "include", True):
        hint = " (an unclosed '[')" if normalized.count("[") > normalized.count("]") else ""
        return f"is not a valid glob{hint}: it can never match a path"
    return None


@dataclass(frozen=True)
class PhaseMap:
    keys: tuple[PhaseKey, ...]
    default: Phase
    source: str = ""  # "<config file>: [tool.ctxsep.phases]", for error messages

    @classmethod
    def build(cls, entries: dict[str, Phase], default: Phase, source: str = "") -> PhaseMap:
        keys = []
        for key, phase in entries.items():
            normalized = normalize_key(key)
            if normalized is None:
                raise ValueError(f"key {key!r} must be a relative path inside the project")
            is_glob = any(ch in _GLOB_CHARS for ch in normalized)
            spec = _glob_spec(normalized) if is_glob else None
            parts = tuple(normalized.split("/")) if normalized else ()
            regex = _plain_regex(spec) if spec is not None else None
            keys.append(PhaseKey(key, normalized, parts, phase, is_glob, spec, regex))
        return cls(tuple(keys), default, source)

    def with_key(self, key: str, phase: Phase) -> PhaseMap:
        """This map with ``key`` set to ``phase`` (replacing a key for the same
        path): what promoting ``key`` in the config would give. ``key`` is
        relative to the config directory; ``""`` is the whole project."""
        normalized = normalize_key(key)
        if normalized is None:
            raise ValueError(f"key {key!r} must be a relative path inside the project")
        entries = {k.key: k.phase for k in self.keys if k.normalized != normalized}
        entries[normalized or "."] = phase
        return PhaseMap.build(entries, self.default, self.source)

    def lookup(self, rel_path: str) -> tuple[Phase, PhaseKey | None]:
        """The phase of a file at ``rel_path`` (POSIX, relative to the config
        directory) and the key that decided it (None: the default phase).

        What a file's directory contributes is worked out once per directory
        (``DirectoryPhases``); only keys that can match the file itself (a glob
        such as ``**/test_*.py``, a literal file key) are tried per file."""
        directory, _, name = rel_path.rpartition("/")
        if name in ("", ".") or not self.keys:
            return self._lookup_parts(tuple(p for p in rel_path.split("/") if p not in ("", ".")), rel_path)
        return self.directory(directory).lookup(self, name, rel_path)

    def directory(self, rel_dir: str) -> DirectoryPhases:
        """What the keys say about the files directly in ``rel_dir`` (POSIX,
        relative to the config directory): ``.lookup(self, name, rel_path)``
        is ``lookup(rel_path)`` for a file ``name`` in it (not "" or ".")."""
        memo: dict[str, DirectoryPhases] = self.__dict__.setdefault("_dir_memo", {})
        known = memo.get(rel_dir)
        if known is None:
            if len(memo) >= _MAX_DIRS:
                memo.clear()
            known = memo[rel_dir] = DirectoryPhases.build(self, self._index, rel_dir)
        return known

    def _lookup_parts(self, parts: tuple[str, ...], rel_path: str) -> tuple[Phase, PhaseKey | None]:
        """``lookup`` trying every candidate key at every depth (paths without
        a file name; ``DirectoryPhases`` gives the same answers for the others)."""
        found = ((key.match_depth(parts), key) for key in self._matching_keys(parts))
        return self._decide(_most_specific((depth, key) for depth, key in found if depth is not None), rel_path)

    def _decide(self, winners: list[PhaseKey], rel_path: str) -> tuple[Phase, PhaseKey | None]:
        """The phase the most specific keys (in config order) give."""
        if not winners:
            return self.default, None
        phases = {key.phase for key in winners}
        if len(phases) > 1:
            names = " and ".join(repr(k.key) for k in winners)
            raise ConfigError(
                [
                    f"{self.source} keys {names} match {rel_path!r} equally specifically "
                    f"but give different phases; add a more specific key for it"
                ]
            )
        return winners[0].phase, winners[0]

    def _matching_keys(self, parts: tuple[str, ...]) -> list[PhaseKey]:
        """The keys that can match ``parts``, in config order, without trying
        every key on every file: literal keys are looked up by the file's
        ancestors, glob keys by their literal prefix (also an ancestor)."""
        index = self._index
        found: list[tuple[int, PhaseKey]] = []
        for depth in range(len(parts) + 1):
            found.extend(index.literal.get(parts[:depth], ()))
            found.extend(index.globs.get(parts[:depth], ()))
        found.sort(key=lambda item: item[0])
        return [key for _, key in found]

    @property
    def _index(self) -> _KeyIndex:
        index: _KeyIndex | None = self.__dict__.get("_key_index")
        if index is None:
            index = _KeyIndex.build(self.keys)
            object.__setattr__(self, "_key_index", index)
        return index

    def candidates(self, rel_path: str) -> list[tuple[PhaseKey, int]]:
        """Every key matching ``rel_path`` with its depth, most specific first
        (for ``ctxsep explain``)."""
        parts = tuple(p for p in rel_path.split("/") if p not in ("", "."))
        found = [(key, depth) for key in self.keys if (depth := key.match_depth(parts)) is not None]
        found.sort(key=lambda kd: (kd[1], not kd[0].is_glob), reverse=True)
        return found


@dataclass(frozen=True)
class _KeyIndex:
    """Keys by where they can match; each with its position in the config."""

    literal: dict[tuple[str, ...], tuple[tuple[int, PhaseKey], ...]]  # by the key's parts
    globs: dict[tuple[str, ...], tuple[tuple[int, PhaseKey], ...]]  # by the glob's literal prefix

    @classmethod
    def build(cls, keys: tuple[PhaseKey, ...]) -> _KeyIndex:
        literal: dict[tuple[str, ...], list[tuple[int, PhaseKey]]] = {}
        globs: dict[tuple[str, ...], list[tuple[int, PhaseKey]]] = {}
        for position, key in enumerate(keys):
            table = globs if key.is_glob else literal
            table.setdefault(key.literal_prefix if key.is_glob else key.parts, []).append((position, key))
        return cls({k: tuple(v) for k, v in literal.items()}, {k: tuple(v) for k, v in globs.items()})


@dataclass(frozen=True)
class DirectoryPhases:
    """What the keys say about the files of one directory (``dir_parts``,
    relative to the config directory).

    ``PhaseKey.match_depth`` takes a key's *shallowest* match. A key that
    matches one of the directory's ancestors (or the directory) matches every
    file in it at that depth, whatever the file's name: the best of those
    decide ``answer`` (None when they tie with different phases: the error
    names the file). A key that matches no ancestor can only match the file
    itself (depth ``len(parts) + 1``, which beats any ancestor): those are
    ``file_globs``, tried per file, and the keys indexed under the file's own
    path (a literal key naming the file, a glob below it), for the ``named``
    files, which take the general rule. So the answer for each file is
    exactly the one of trying every key at every depth
    (tests/test_phasemap.py checks that)."""

    dir_parts: tuple[str, ...]
    prefix: str  # "/".join(dir_parts) + "/", or "" at the top
    winners: tuple[PhaseKey, ...]
    answer: tuple[Phase, PhaseKey | None] | None
    file_globs: tuple[PhaseKey, ...]
    named: frozenset[str]

    @classmethod
    def build(cls, phase_map: PhaseMap, index: _KeyIndex, directory: str) -> DirectoryPhases:
        dir_parts = tuple(p for p in directory.split("/") if p not in ("", "."))
        n = len(dir_parts)
        matched: list[tuple[int, PhaseKey]] = []
        file_globs: list[PhaseKey] = []
        candidates: list[tuple[int, PhaseKey]] = []
        for prefix in range(n + 1):
            candidates.extend(index.literal.get(dir_parts[:prefix], ()))
            candidates.extend(index.globs.get(dir_parts[:prefix], ()))
        candidates.sort(key=lambda item: item[0])
        for _, key in candidates:
            depth = key.dir_depth(dir_parts)
            if depth is None:
                if key.is_glob and key.fixed_depth in (None, n + 1):
                    file_globs.append(key)
                continue
            matched.append((depth, key))
        winners = _most_specific(matched)
        named = frozenset(
            parts[n]
            for table in (index.literal, index.globs)
            for parts in table
            if len(parts) == n + 1 and parts[:n] == dir_parts
        )
        answer: tuple[Phase, PhaseKey | None] | None = (phase_map.default, None)
        if winners:
            answer = (winners[0].phase, winners[0]) if len({k.phase for k in winners}) == 1 else None
        text_prefix = "/".join(dir_parts) + "/" if dir_parts else ""
        return cls(dir_parts, text_prefix, tuple(winners), answer, tuple(file_globs), named)

    def lookup(self, phase_map: PhaseMap, name: str, rel_path: str) -> tuple[Phase, PhaseKey | None]:
        if name in self.named:  # a key names this very file (or a path below it): the general rule
            return phase_map._lookup_parts((*self.dir_parts, name), rel_path)
        if self.file_globs:
            candidate = self.prefix + name
            matched = [key for key in self.file_globs if _spec_matches(key, candidate)]
            if matched:
                return phase_map._decide(matched, rel_path)
        if self.answer is None:  # keys tie with different phases: the error names the file
            return phase_map._decide(list(self.winners), rel_path)
        return self.answer


def _most_specific(found: Iterable[tuple[int, PhaseKey]]) -> list[PhaseKey]:
    """The keys with the highest score among (depth, key): the deepest
    match, a literal key before a glob at the same depth; ties in order."""
    best: tuple[int, int] | None = None
    winners: list[PhaseKey] = []
    for depth, key in found:
        score = (depth, 0 if key.is_glob else 1)
        if best is None or score > best:
            best, winners = score, [key]
        elif score == best:
            winners.append(key)
    return winners
