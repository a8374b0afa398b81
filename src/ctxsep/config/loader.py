"""Finding and reading the config: walk up from each linted file, parse TOML
with tomllib, validate everything, report every problem at once.

Discovery starts at the linted file's own directory (never the cwd), so an
editor linting one buffer and a monorepo with several configs get the right
one. In each directory ``ctxsep.toml`` wins over ``pyproject.toml``; a
``pyproject.toml`` without ``[tool.ctxsep]`` is passed over. The walk stops
after the first directory that holds ``.git`` or ``.hg``.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ctxsep.atomic import UnsafeFileError, read_regular
from ctxsep.config.diagnostics import no_config_notice, unmatched_key_warnings
from ctxsep.config.fixtable import parse_fix_table
from ctxsep.config.paths import (
    MAX_CONFIG_BYTES,
    VCS_MARKERS,
    at_vcs_top,
    os_reason,
    place_in_project,
    read_regular_file,
    safe_resolve,
)
from ctxsep.config.phasemap import DirectoryPhases, PhaseMap
from ctxsep.config.schema import (
    DEFAULT_BASELINE,
    DEFAULT_PHASE,
    TOP_LEVEL_KEYS,
    Config,
    FileSettings,
    default_severities,
)
from ctxsep.model import PHASE_NAMES, SEVERITY_NAMES, ConfigError, Phase, Severity
from ctxsep.rules import RULES_BY_CODE, RULES_BY_SYMBOL
from ctxsep.semantics import Vocabulary
from ctxsep.semantics.vocabulary import DEFAULTS as NAME_DEFAULTS

CONFIG_FILES = ("ctxsep.toml", "pyproject.toml")
_POSIX = os.sep == "/"
#: Directories a resolver remembers the place of (``for_path``) before starting over.
_MAX_PLACED = 65_536
NAME_KEYS = tuple(NAME_DEFAULTS)


def find_config(
    start: Path, memo: dict[Path, Path | None] | None = None, listing: Collection[str] | None = None
) -> Path | None:
    """The config governing files in directory ``start``.

    ``memo`` (directory -> answer) lets a run that checks thousands of files
    ask each directory once: the answer for a directory without a config or
    a VCS marker is its parent's. ``listing``, the names in ``start`` (a
    tree walk has just listed them), spares looking for names it lacks.
    """
    memo = {} if memo is None else memo
    chain: list[Path] = []
    directory = start
    found: Path | None = None
    names = listing or None  # an empty listing tells nothing about searching the directory
    if names is not None and start not in memo:
        # One look inside, as looking for the config files would: a directory
        # that can be listed but not searched raises here (PermissionError).
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # changed since: as if absent
            os.lstat(start / next(iter(names)))
    while True:
        if directory in memo:
            found = memo[directory]
            break
        chain.append(directory)
        own = _config_in(directory, names)
        if own is not None:
            found = own
            break
        parent = directory.parent
        if parent == directory or (
            at_vcs_top(directory) if names is None else any(marker in names for marker in VCS_MARKERS)
        ):
            break
        directory, names = parent, None
    for visited in chain:
        memo[visited] = found
    return found


def _config_in(directory: Path, listing: Collection[str] | None = None) -> Path | None:
    for name in CONFIG_FILES:
        if listing is not None and name not in listing:
            continue  # not there when the directory was listed
        candidate = directory / name
        if name == "ctxsep.toml":
            # Anything by that name is meant as our config: a directory, a
            # dangling link or a symlink loop is reported (load_config), not
            # passed over for a config further up.
            if os.path.lexists(candidate):
                return candidate
        elif candidate.is_file() and _has_ctxsep_table(candidate):
            return candidate
    return None


def _has_ctxsep_table(pyproject: Path) -> bool:
    # A cheap textual test first: most pyproject.toml files never mention us,
    # and a broken one that does not is none of our business.
    try:
        data = read_regular(pyproject, MAX_CONFIG_BYTES)  # never a FIFO swapped in since is_file()
    except UnsafeFileError:
        return True  # too big (or swapped): load_config says so, naming it, rather than passing it over
    except OSError:
        return False
    if b"tool.ctxsep" not in data and b'"ctxsep"' not in data:
        return False
    # The text test also matches `dependencies = ["ctxsep"]` or `name = "ctxsep"`;
    # such a pyproject.toml has no table of ours and is passed over. A broken
    # one that mentions us is ours to report (load_config does).
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return True
    return isinstance(tool, dict) and "ctxsep" in tool


def load_config(path: Path) -> Config:
    """Parse and validate one config file. Raises ConfigError listing every
    problem, each naming the file and the key."""
    path = safe_resolve(path)
    data = read_regular_file(path)
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: invalid TOML: {exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: invalid TOML: not UTF-8 ({exc.reason})"]) from None
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        table = tool.get("ctxsep") if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            raise ConfigError([f"{path}: has no [tool.ctxsep] table"])
        return _Validator(path, "tool.ctxsep").build(table)
    return _Validator(path, "").build(document)


def default_config(root: Path) -> Config:
    return Config(root=root)


@dataclass
class _Validator:
    path: Path
    section: str

    def __post_init__(self) -> None:
        self.problems: list[str] = []

    def label(self, *keys: str) -> str:
        dotted = ".".join(k for k in (self.section, *keys[:-1]) if k)
        last = keys[-1] if keys else ""
        table = f"[{dotted}]" if dotted else "top level"
        return f"{self.path}: {table} {last!r}" if last else f"{self.path}: {table}"

    def problem(self, *keys: str, reason: str) -> None:
        self.problems.append(f"{self.label(*keys)}: {reason}")

    def build(self, table: dict[str, Any]) -> Config:
        for key in table:
            if key == "tool" and not self.section and isinstance(table[key], dict) and "ctxsep" in table[key]:
                self.problem(
                    key,
                    reason="unknown key: in ctxsep.toml the settings sit at the top level; "
                    "drop the 'tool.ctxsep' prefix ([phases], not [tool.ctxsep.phases])",
                )
            elif key not in TOP_LEVEL_KEYS:
                self.problem(key, reason=f"unknown key{_suggest(key, TOP_LEVEL_KEYS)}")
        parsed_default = self._phase(table.get("default-phase", DEFAULT_PHASE.label), "default-phase")
        # Phase.LEGACY is 0, so never write `parsed or DEFAULT` here.
        default_phase = DEFAULT_PHASE if parsed_default is None else parsed_default
        baseline = self._inside(self._string(table.get("baseline", DEFAULT_BASELINE), "baseline"), "baseline")
        exclude = self._string_list(table.get("exclude", []), "exclude")
        phases = self._phases(table.get("phases", {}))
        vocabulary = self._names(table.get("names", {}))
        severities = self._severities(table.get("severity", {}))
        fix = parse_fix_table(table.get("fix", {}), self.problem)
        phase_map = PhaseMap((), default_phase)
        if phases is not None:
            try:
                source = f"{self.path}: [{self.section + '.' if self.section else ''}phases]"
                phase_map = PhaseMap.build(phases, default_phase, source)
            except ValueError as exc:  # already reported key by key in _phases
                self.problems.append(f"{self.label('phases', '')}: {exc}")
        if self.problems:
            raise ConfigError(self.problems)
        return Config(
            root=self.path.parent,
            path=self.path,
            section=self.section,
            default_phase=default_phase,
            baseline=baseline or DEFAULT_BASELINE,
            exclude=tuple(exclude),
            phase_map=phase_map,
            vocabulary=vocabulary,
            severities=severities,
            fix=fix,
            raw=table,
        )

    # -- values ---------------------------------------------------------------------

    def _phase(self, value: object, *keys: str) -> Phase | None:
        if not isinstance(value, str):
            self.problem(*keys, reason=f"must be a phase name ({', '.join(PHASE_NAMES)}), not {_kind(value)}")
            return None
        try:
            return Phase.parse(value)
        except ValueError:
            self.problem(
                *keys,
                reason=f"unknown phase {value!r}{_suggest(value, PHASE_NAMES)}; phases are {', '.join(PHASE_NAMES)}",
            )
            return None

    def _string(self, value: object, *keys: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(*keys, reason=f"must be a non-empty string, not {_kind(value)}")
            return None
        return value

    def _inside(self, value: str | None, *keys: str) -> str | None:
        """A path that stays inside the config's directory (SPEC §10: a
        checkout never makes ctxsep read or write outside the project)."""
        if value is None:
            return None
        if os.path.isabs(value) or PureWindowsPath(value).drive or PurePosixPath(value).is_absolute():
            reason = "must be a path relative to this file's directory, not an absolute path"
        elif posixpath.normpath(value.replace("\\", "/")).split("/")[0] == "..":
            reason = "must stay inside this file's directory (no '..' leading out of it)"
        else:
            return value
        self.problem(*keys, reason=f"{reason}: ctxsep never reads or writes a baseline outside the project")
        return None

    def _string_list(self, value: object, *keys: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(*keys, reason=f"must be a list of non-empty strings, not {_kind(value)}")
            return []
        return [v.strip() for v in value]

    def _table(self, value: object, *keys: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(*keys, reason=f"must be a table, not {_kind(value)}")
            return None
        return value

    def _phases(self, value: object) -> dict[str, Phase] | None:
        from ctxsep.config.phasemap import key_problem, normalize_key

        table = self._table(value, "phases")
        if table is None:
            return None
        result: dict[str, Phase] = {}
        seen: dict[str, str] = {}
        for key, phase_name in table.items():
            phase = self._phase(phase_name, "phases", key)
            normalized = normalize_key(key)
            if normalized is None:
                self.problem("phases", key, reason="must be a relative path inside the project (no '..', not absolute)")
                continue
            bad_pattern = key_problem(normalized)
            if bad_pattern is not None:
                self.problem("phases", key, reason=bad_pattern)
                continue
            if normalized in seen:
                self.problem("phases", key, reason=f"is the same path as {seen[normalized]!r}; keep one of them")
                continue
            seen[normalized] = key
            if phase is not None:
                result[key] = phase
        return result

    def _names(self, value: object) -> Vocabulary:
        table = self._table(value, "names")
        if table is None:
            return Vocabulary.default()
        allowed = (*NAME_KEYS, *(f"extend-{k}" for k in NAME_KEYS))
        merged: dict[str, list[str]] = {k: list(v) for k, v in NAME_DEFAULTS.items()}
        for key, names in table.items():
            if key not in allowed:
                self.problem("names", key, reason=f"unknown vocabulary key{_suggest(key, allowed)}")
                continue
            values = self._string_list(names, "names", key)
            bad = [v for v in values if not all(part.isidentifier() for part in v.split("."))]
            for name in bad:
                self.problem("names", key, reason=f"{name!r} is not a (dotted) Python name")
            if key.startswith("extend-"):
                merged[key.removeprefix("extend-")].extend(values)
            else:
                merged[key] = values
        return Vocabulary.from_mapping({k: tuple(dict.fromkeys(v)) for k, v in merged.items()})

    def _severities(self, value: object) -> dict[Phase, dict[str, Severity]]:
        result = default_severities()
        table = self._table(value, "severity")
        if table is None:
            return result
        for phase_name, overrides in table.items():
            try:
                phase = Phase.parse(phase_name)
            except ValueError:
                self.problem("severity", phase_name, reason=f"unknown phase{_suggest(phase_name, PHASE_NAMES)}")
                continue
            rules = self._table(overrides, "severity", phase_name)
            for code, severity in (rules or {}).items():
                if code not in RULES_BY_CODE:
                    hint = (
                        f" (did you mean {RULES_BY_SYMBOL[code].code!r}?)"
                        if code in RULES_BY_SYMBOL
                        else _suggest(code, RULES_BY_CODE)
                    )
                    self.problem("severity", phase_name, code, reason=f"unknown rule code{hint}")
                    continue
                if not isinstance(severity, str) or severity.lower() not in SEVERITY_NAMES:
                    self.problem(
                        "severity",
                        phase_name,
                        code,
                        reason=f"unknown severity {severity!r}{_suggest(str(severity), SEVERITY_NAMES)}; "
                        "use off, warn or error",
                    )
                    continue
                result[phase][code] = Severity.parse(severity)
        return result


def _suggest(word: str, choices: Any) -> str:
    import difflib  # only a config with a mistake pays for it

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


class SettingsResolver:
    """Maps each linted path to its :class:`FileSettings`.

    ``explicit`` pins one config for every file (``--config``); otherwise each
    file's config is discovered from its own directory. Results are memoized
    per directory and per config file, and a config file is re-read when its
    size or mtime changes (editors run linters in-process for hours).
    """

    def __init__(
        self,
        explicit: Path | None = None,
        cwd: Path | None = None,
        recheck: bool = True,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.cwd = (cwd or Path.cwd()).resolve()
        #: re-stat a config file on every use, to see edits (hosts that run
        #: for hours); a one-shot command reads each config once
        self.recheck = recheck
        self.explicit = safe_resolve(self.cwd / explicit) if explicit is not None else None
        #: where "valid, but probably not what you meant" goes (the CLI: stderr);
        #: each config's warnings are given once, when it is first read
        self.warn = warn
        self._warned: set[Path | None] = set()
        self._dir_to_config: dict[Path, Path | None] = {}
        self._parents: dict[str, Path] = {}
        self._resolved: dict[str, str] = {}
        #: directory -> (its config, the directory's path relative to the config's
        #: root + "/", what the config's phase map says about its files)
        self._placed: dict[str, tuple[Config, str, DirectoryPhases]] = {}
        self._configs: dict[Path, tuple[tuple[int, int], Config]] = {}
        self._default: Config | None = None

    def config_for_dir(self, directory: Path, listing: Collection[str] | None = None) -> Config:
        """The config of the files in ``directory``. ``listing``: the names in
        it, when the caller has just listed it (``find_config``)."""
        path = self.explicit
        if path is None:
            memo = self._dir_to_config
            path = memo[directory] if directory in memo else find_config(directory, memo, listing)
        if path is None:
            if self._default is None:
                self._default = default_config(self.cwd)
            if self.warn is not None and None not in self._warned:
                self._warned.add(None)
                self.warn(no_config_notice(directory))
            return self._default
        config = self._load(path)
        if self.warn is not None and config.path not in self._warned:
            self._warned.add(config.path)
            for warning in unmatched_key_warnings(config):
                self.warn(warning)
        return config

    def _load(self, path: Path) -> Config:
        if not self.recheck:
            known = self._configs.get(path)
            if known is not None:
                return known[1]
        try:
            stat = path.stat()
        except OSError as exc:
            raise ConfigError([f"{path}: cannot read config: {os_reason(exc)}"]) from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._configs.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        config = load_config(path)
        self._configs[path] = (stamp, config)
        return config

    def for_path(self, path: str | os.PathLike[str]) -> FileSettings:
        """Settings for a file (which need not exist: stdin display names).

        The path is taken as written, made absolute against the cwd without
        following symlinks: a symlinked file or directory gets the config and
        the phase of where it sits in the tree (where a reader sees it), never
        those of its target. Every front end passes through here, so the CLI,
        flake8, pylint, mypy and ``explain`` agree."""
        text = os.fspath(path)
        if _POSIX and text[:1] == "/" and "/." not in text and "//" not in text and text[-1:] != "/":
            # A plain absolute path (a walk's): os.path.split's answer, cheaper.
            directory, _, name = text.rpartition("/")
            directory = directory or "/"
        elif os.path.isabs(text):
            if "/." in text or "//" in text:
                text = os.path.normpath(text)
            directory, name = os.path.split(text)
        else:
            # Relative (flake8's ./pkg/mod.py, a stdin display name): joined to
            # the cwd and normalized lexically, each directory once.
            rel_dir, name = os.path.split(text)
            cached = self._resolved.get(rel_dir)
            if cached is None:
                cached = self._resolved[rel_dir] = os.path.normpath(os.path.join(self.cwd, rel_dir))
            directory = cached
            text = os.path.join(directory, name)
        # Where a directory sits relative to its config is worked out once
        # per directory (and config: an edited config is a new object). A
        # one-shot run reads each config once, so it need not even ask again.
        placed = self._placed.get(directory)
        if placed is None or self.recheck or name in ("", ".", ".."):
            parent = self._parents.get(directory)
            if parent is None:
                parent = self._parents[directory] = Path(directory)
            config = self.config_for_dir(parent)
            if placed is None or placed[0] is not config or name in ("", ".", ".."):
                rel = self._place(text, directory, name, config)
                phase, key = config.phase_map.lookup(rel)
                return FileSettings(config, rel, phase, key)
        config, prefix, phases = placed
        rel = prefix + name
        phase, key = phases.lookup(config.phase_map, name, rel)
        return FileSettings(config, rel, phase, key)

    def _place(self, text: str, directory: str, name: str, config: Config) -> str:
        """``text``'s path relative to ``config``'s root (``for_path``),
        remembering its directory's part for the other files in it."""
        rel = relative_posix(text, config.root)
        if rel.startswith("../") and config.path is not None and self.explicit is None:
            # The config was found through a symlinked directory (its root is
            # resolved): place the file by its directory's real location
            # (asked again for each file: a link can be changed).
            return relative_posix(os.path.join(os.path.realpath(directory), os.path.basename(text)), config.root)
        if name not in ("", ".", "..") and (rel == name or rel.endswith("/" + name)):
            if len(self._placed) >= _MAX_PLACED:
                self._placed.clear()
            prefix = rel[: len(rel) - len(name)]
            self._placed[directory] = (config, prefix, config.phase_map.directory(prefix[:-1]))
        return rel

    def place_display_name(self, name: str) -> str:
        """Where an editor's buffer sits, given the display name it passed with
        stdin (flake8's ``--stdin-display-name``, pylint's ``--from-stdin``):
        see :func:`ctxsep.config.paths.place_in_project`."""
        return place_in_project(name, self.cwd, self.explicit)


def relative_posix(path: str | os.PathLike[str], root: Path) -> str:
    """``path`` relative to ``root``, with ``/``; ``..`` segments when it
    lies outside. Plain string work on POSIX (this runs once per file)."""
    if os.sep == "/":
        text, base = os.fspath(path), os.fspath(root)
        if text.startswith(base) and (len(text) == len(base) or text[len(base)] == "/" or base.endswith("/")):
            rel = text[len(base) :].lstrip("/")
            if rel and "//" not in rel and not rel.endswith("/") and "/./" not in f"/{rel}/":
                return rel
    path = Path(path)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


__all__ = [
    "CONFIG_FILES",
    "SettingsResolver",
    "default_config",
    "find_config",
    "load_config",
    "relative_posix",
    "safe_resolve",
]
