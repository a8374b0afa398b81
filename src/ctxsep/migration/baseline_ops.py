"""What ``ctxsep baseline create|update|prune|check`` compute from one run.

A run may span several configs (a monorepo); each config names its own
baseline file, so the work is grouped per baseline file. Only files the run
analysed are judged: entries for files outside the run are kept as they are,
and an entry is dropped for a missing file only when that file lies under a
path the run was given (PHPStan's rule: a partial run never condemns what it
did not look at). The functions here return data; the CLI prints and writes.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ctxsep.atomic import read_regular, write_atomic
from ctxsep.baseline import Baseline, Entry, EntryKey, dumps, finding_key, is_baselinable, load_baseline
from ctxsep.baseline.fileformat import TYPED_FRONT_ENDS
from ctxsep.baseline.store import confined_baseline_path
from ctxsep.baseline.typed import TypedRecord
from ctxsep.config import Config, SettingsResolver, relative_posix
from ctxsep.model import CtxsepError, Finding, Phase, Severity
from ctxsep.runner import RunResult


@dataclass
class FileState:
    """One analysed file as a baseline command sees it."""

    rel_path: str  # relative to the config directory, as entries store it
    display: str  # as the user sees it (relative to the cwd)
    phase: Phase
    severities: dict[str, Severity]
    all_findings: list[Finding]  # shown and baselined alike
    new: list[Finding]  # not hidden by the baseline
    skipped: bool
    #: findings a type-aware front end recorded for this file (``--typed``), per front end
    typed: dict[str, list[Finding]] = field(default_factory=dict)
    #: the front ends that checked this file while recording (their entries for it can be judged)
    typed_vias: frozenset[str] = frozenset()
    # Counted once: judging each of a file's entries must not recount its
    # findings (4,000 entries in one file were 16 million key computations).
    _counts: Counter[EntryKey] | None = field(default=None, init=False, repr=False, compare=False)
    _typed_by_via: dict[str, Counter[EntryKey]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def counts(self) -> Counter[EntryKey]:
        """How many findings of the file have each key (do not modify)."""
        if self._counts is None:
            self._counts = Counter(finding_key(self.rel_path, f) for f in self.all_findings if is_baselinable(f))
        return self._counts

    def _typed_seen(self, via: str) -> Counter[EntryKey]:
        seen = self._typed_by_via.get(via)
        if seen is None:
            seen = self._typed_by_via[via] = Counter(finding_key(self.rel_path, f) for f in self.typed.get(via, ()))
        return seen

    def typed_counts(self) -> dict[str, Counter[EntryKey]]:
        """Per front end, what it recorded that the AST engine does not
        report itself (one entry per key: the AST's, else the first front
        end's in ``TYPED_FRONT_ENDS`` order)."""
        taken = set(self.counts())
        result: dict[str, Counter[EntryKey]] = {}
        for via in TYPED_FRONT_ENDS:
            counts = Counter(finding_key(self.rel_path, f) for f in self.typed.get(via, ()) if is_baselinable(f))
            result[via] = Counter({key: n for key, n in counts.items() if key not in taken})
            taken.update(result[via])
        return result

    def found(self, entry: Entry) -> int:
        """How many findings this run saw for ``entry``'s key. For an entry a
        type-aware front end recorded: the most any source saw — the AST
        engine (which may see it now, after a vocabulary change) or any front
        end that checked the file while recording (mypy may have lost an
        annotation that pylint does not need)."""
        ast_count = self.counts()[entry.key]
        if not entry.via:
            return ast_count
        seen = [ast_count]
        for via in self.typed_vias:
            seen.append(self._typed_seen(via)[entry.key])
        return max(seen)

    def via_for(self, entry: Entry) -> str:
        """The ``via`` an entry keeps when rewritten: none once the AST engine reports its key."""
        return "" if entry.via and self.counts()[entry.key] else entry.via

    def verifiable(self, entry: Entry) -> bool:
        """Whether this run can tell if ``entry`` still occurs: not when the
        file could not be parsed, nor when the rule is off in its phase, nor
        for an entry a type-aware front end recorded unless its records were
        given (``--typed``)."""
        if entry.via and entry.via not in self.typed_vias:
            return False
        return not self.skipped and self.severities.get(entry.code, Severity.OFF) is not Severity.OFF


@dataclass
class BaselineGroup:
    """Everything one baseline file needs from a run."""

    config: Config
    baseline: Baseline
    files: dict[str, FileState] = field(default_factory=dict)
    run_roots: tuple[Path, ...] = ()

    @property
    def path(self) -> Path:
        return self.config.baseline_path

    def gone(self, entry: Entry) -> bool:
        """The entry's file no longer exists, and this run would have checked it."""
        absolute = os.path.join(self.config.root, entry.path)
        under_a_root = any(
            absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep) for root in map(str, self.run_roots)
        )
        return under_a_root and not os.path.exists(absolute)  # string work first: this runs once per entry


def group_run(
    run: RunResult,
    resolver: SettingsResolver,
    paths: Iterable[str],
    read_baselines: bool = True,
    typed: Iterable[TypedRecord] = (),
    typed_checked: frozenset[tuple[str, Path]] = frozenset(),
) -> list[BaselineGroup]:
    """Group a run's results by baseline file (reading each unless
    ``read_baselines`` is False, as ``create --force`` over a broken file),
    with the ``--typed`` records of the run's files."""
    roots = tuple(Path(os.path.normpath(resolver.cwd / p)) for p in paths)
    # Recorded paths are absolute and normalised (``read_typed``).
    checked_by: dict[Path, set[str]] = {}
    for via, checked_path in typed_checked:
        checked_by.setdefault(checked_path, set()).add(via)
    by_file: dict[Path, dict[str, list[Finding]]] = {}
    for record in typed:
        checked_by.setdefault(record.path, set()).add(record.via)
        by_file.setdefault(record.path, {}).setdefault(record.via, []).append(record.finding)
    groups: dict[Path, BaselineGroup] = {}
    for file, result in zip(run.files, run.results, strict=True):
        settings = resolver.for_path(file)
        config = settings.config
        group = groups.get(config.baseline_path)
        if group is None:
            confined_baseline_path(config)  # before reading, and before anything is written there
            baseline = load_baseline(config.baseline_path) if read_baselines else Baseline(config.baseline_path)
            group = groups[config.baseline_path] = BaselineGroup(config, baseline, run_roots=roots)
        group.files[settings.rel_path] = FileState(
            rel_path=settings.rel_path,
            display=result.path,
            phase=settings.phase,
            severities=settings.severities,
            all_findings=sorted([*result.findings, *result.baselined], key=lambda f: f.sort_key),
            new=list(result.findings),
            skipped=result.skipped is not None,
            typed=by_file.get(Path(os.path.normpath(file)), {}),
            typed_vias=frozenset(checked_by.get(Path(os.path.normpath(file)), ())),
        )
    return sorted(groups.values(), key=lambda g: str(g.path))


# -- computing new entries --------------------------------------------------------


def created_entries(group: BaselineGroup, keep_others: bool) -> list[Entry]:
    """Every finding of the analysed files, recorded at each file's phase;
    with ``keep_others``, the old entries of files this run did not analyse."""
    entries = [
        Entry(*key, count=count, phase=state.phase)
        for state in group.files.values()
        for key, count in state.counts().items()
    ]
    for state in group.files.values():
        for via, counts in state.typed_counts().items():
            entries.extend(Entry(*key, count=count, phase=state.phase, via=via) for key, count in counts.items())
    recorded = {entry.key for entry in entries}
    for entry in group.baseline.entries:
        analysed = group.files.get(entry.path)
        if entry.key in recorded:
            continue
        if analysed is None:
            if keep_others and not group.gone(entry):
                entries.append(entry)
        elif entry.via and entry.via not in analysed.typed_vias:
            entries.append(entry)  # this run cannot see what that front end sees: keep its record
    return entries


def updated_entries(group: BaselineGroup, allow_growth: bool = False, drop_gated: bool = False) -> list[Entry]:
    """The baseline after ``update`` (``drop_gated`` for ``prune``).

    Shrink-only by default: counts drop to what still occurs, fixed entries
    and entries of deleted files go. ``allow_growth`` also records new
    findings and re-records debt a promotion un-hid, at the file's current
    phase. ``drop_gated`` removes entries a promotion made inactive.
    """
    result: list[Entry] = []
    counts = {rel: state.counts() for rel, state in group.files.items()}
    for entry in group.baseline.entries:
        state = group.files.get(entry.path)
        if state is None:
            if not group.gone(entry):
                result.append(entry)
            continue
        gated = not entry.active_in(state.phase)
        if gated and drop_gated:
            continue
        if not state.verifiable(entry):
            result.append(entry)
            continue
        found = state.found(entry)
        via = state.via_for(entry)
        if allow_growth and (found > entry.count or (gated and found)):
            result.append(_with(entry, found, max(entry.phase, state.phase), via))
        elif min(found, entry.count):
            result.append(_with(entry, min(found, entry.count), entry.phase, via))
    if allow_growth:
        known = {entry.key for entry in group.baseline.entries}
        for rel, state in group.files.items():
            if state.skipped:
                continue
            for key, count in counts[rel].items():
                if key not in known:
                    known.add(key)
                    result.append(Entry(*key, count=count, phase=state.phase))
            for via, typed_counts in state.typed_counts().items():
                for key, count in typed_counts.items():
                    if key not in known:
                        known.add(key)
                        result.append(Entry(*key, count=count, phase=state.phase, via=via))
    return result


def _with(entry: Entry, count: int, phase: Phase, via: str) -> Entry:
    return Entry(entry.path, entry.code, entry.scope, entry.fingerprint, count, phase, via)


# -- checking ----------------------------------------------------------------------


@dataclass(frozen=True)
class StaleEntry:
    entry: Entry
    unused: int  # how many of its count no longer occur
    reason: str


@dataclass
class CheckOutcome:
    new: list[Finding] = field(default_factory=list)
    stale: list[StaleEntry] = field(default_factory=list)
    #: entries a promotion made inactive: (entry, the file's phase now)
    gated: list[tuple[Entry, Phase]] = field(default_factory=list)


def check_group(group: BaselineGroup) -> CheckOutcome:
    outcome = CheckOutcome()
    for analysed in group.files.values():
        outcome.new.extend(analysed.new)
        outcome.new.extend(_typed_new(group, analysed))
    for entry in group.baseline.entries:
        state = group.files.get(entry.path)
        if state is None:
            if group.gone(entry):
                outcome.stale.append(StaleEntry(entry, entry.count, "the file no longer exists"))
            continue
        if not entry.active_in(state.phase):
            outcome.gated.append((entry, state.phase))
            continue
        if not state.verifiable(entry):
            continue
        found = state.found(entry)
        if found < entry.count:
            what = "no longer found" if not found else f"{entry.count - found} of {entry.count} no longer found"
            outcome.stale.append(StaleEntry(entry, entry.count - found, what))
    outcome.new.sort(key=lambda f: f.sort_key)
    return outcome


def _typed_new(group: BaselineGroup, state: FileState) -> list[Finding]:
    """The recorded typed findings the baseline does not hide (as the
    plugin would show them: active entries hide up to their count)."""
    hiding = {e.key: e.count for e in group.baseline.for_file(state.rel_path) if e.active_in(state.phase)}
    new: list[Finding] = []
    for via, counts in state.typed_counts().items():
        seen: Counter[EntryKey] = Counter()
        for finding in sorted(state.typed.get(via, ()), key=lambda f: f.sort_key):
            key = finding_key(state.rel_path, finding)
            if key not in counts:
                continue  # the AST engine reports it, or another front end's record counts it
            seen[key] += 1
            if seen[key] > hiding.get(key, 0):
                new.append(replace(finding, path=state.display))
    return new


# -- changes and writing --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """Per directory (relative to the cwd), findings added and removed."""

    directory: str
    added: int
    removed: int


def changes(old: Iterable[Entry], new: Iterable[Entry], config: Config, cwd: Path) -> list[Change]:
    before = {e.key: e for e in old}
    after = {e.key: e for e in new}
    per_dir: dict[str, list[int]] = {}
    for key in before.keys() | after.keys():
        was = before[key].count if key in before else 0
        now = after[key].count if key in after else 0
        regated = key in before and key in after and before[key].phase != after[key].phase
        if was == now and not regated:
            continue
        directory = relative_posix((config.root / key[0]).parent, cwd)
        totals = per_dir.setdefault(directory, [0, 0])
        if now > was or regated:
            totals[0] += now if regated else now - was
            totals[1] += was if regated else 0
        else:
            totals[1] += was - now
    return [Change(d, a, r) for d, (a, r) in sorted(per_dir.items())]


def write_entries(path: Path, entries: Iterable[Entry]) -> bool:
    """Write the baseline atomically; False when the content is unchanged
    (the file is then not touched)."""
    text = dumps(entries)
    try:
        if read_regular(path, len(text.encode()) + 1).decode("utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    except OSError as exc:
        raise CtxsepError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
    return True
