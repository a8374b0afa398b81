"""Core types shared by every layer: phases, severities and findings.

Nothing here knows about rules, config files or hosts; everything else may
import it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Phase(enum.IntEnum):
    """The migration ladder. Order matters: a larger value is stricter."""

    LEGACY = 0
    TRANSITIONAL = 1
    MIGRATED = 2
    FINAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Phase:
        """Raise ValueError (with the valid names) for an unknown phase."""
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown phase {text!r}") from None

    def next(self) -> Phase | None:
        return Phase(self + 1) if self < Phase.FINAL else None


PHASE_NAMES: tuple[str, ...] = tuple(p.label for p in Phase)


class Severity(enum.IntEnum):
    OFF = 0
    WARN = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}") from None


SEVERITY_NAMES: tuple[str, ...] = tuple(s.label for s in Severity)

#: Pseudo-codes that are not rules. They share the ``CTX`` prefix so every host
#: shows them by default.
SKIPPED_CODE = "CTX900"
SKIPPED_SYMBOL = "file-skipped"
CONFIG_ERROR_CODE = "CTX901"
CONFIG_ERROR_SYMBOL = "config-error"


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported problem.

    ``line`` is 1-based and ``col`` is the 0-based offset that ``ast`` gives
    (flake8 and the CLI print ``col + 1``). ``message`` already starts with the
    code. ``scope`` and ``fingerprint`` identify the finding independently of
    its line, for baselines.
    """

    path: str
    line: int
    col: int
    code: str
    symbol: str
    severity: Severity
    message: str
    scope: str = "<module>"
    fingerprint: str = "-"
    phase: Phase | None = None
    baselined: bool = False

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)


class CtxsepError(Exception):
    """Base for errors a user can fix (bad config, bad baseline, bad usage)."""


class ConfigError(CtxsepError):
    """A configuration problem; ``problems`` holds every one found, each
    already naming the file and the key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class BaselineError(ConfigError):
    """A baseline file that cannot be used (unreadable, not JSON, a broken
    entry). A ConfigError, so every front end reports it the way it reports a
    broken config: the CLI exits 2, flake8 and pylint show one ``CTX901``
    result per problem. Each problem names the file and the line or entry."""


#: How every front end starts the reason for a bug inside ctxsep (the result
#: cache keys on it: such a result is not a fact about the file).
INTERNAL_ERROR_PREFIX = "ctxsep internal error"


def internal_error(exc: BaseException) -> str:
    """The reason text for a bug inside ctxsep, the same in every front end."""
    return f"{INTERNAL_ERROR_PREFIX}: {type(exc).__name__}: {exc} (please report it)"


# -- fixes (SPEC §11): plain data every layer may render ----------------------------

SAFE = "safe"
UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``source[start:end]`` of one file with ``replacement``.

    ``start``/``end`` are offsets in the file's decoded text (characters, as
    Python's ``str`` counts them). The same range as lines and columns
    (``line`` 1-based, ``col`` 0-based characters, end exclusive) is there for
    editors (LSP ranges count UTF-16 units; convert with the line's text).
    ``path`` is the absolute path of the file the edit belongs to.
    """

    path: str
    start: int
    end: int
    replacement: str
    start_line: int = 1
    start_col: int = 0
    end_line: int = 1
    end_col: int = 0


@dataclass(frozen=True, slots=True)
class Fix:
    """One fix for one or more findings: what it is (``title``), whether
    ``ctxsep fix`` applies it by default (``applicability``: ``safe`` or
    ``unsafe``), its edits (possibly in several files) and the findings it
    removes, as ``(code, line, col)`` of the file the fix was computed for
    (``col`` 0-based, as in :class:`Finding`)."""

    code: str
    applicability: str
    title: str
    edits: tuple[Edit, ...]
    fixes: tuple[tuple[str, int, int], ...] = ()

    @property
    def safe(self) -> bool:
        return self.applicability == SAFE

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(edit.path for edit in self.edits)
