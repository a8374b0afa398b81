"""The migration report's numbers (SPEC §8), per directory.

For each file: its findings now (shown and baselined), the findings it would
have at its directory's next phase with the baseline ignored (the gate), and
how often it uses the legacy constructor and the scoped factory (counted by
``ctxsep.semantics.usage``, the rules' own name resolution). Files are
grouped by the directory they sit in; rendering lives in ``ctxsep.output``.
"""

from __future__ import annotations

import os
import posixpath
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ctxsep import atomic
from ctxsep.baseline.typed import TypedRun
from ctxsep.config import FileSettings, SettingsResolver
from ctxsep.engine import SkipFile, baseline_for, check_file, check_path, decode_source, parse
from ctxsep.migration.gate import promoted
from ctxsep.migration.gitrepo import branch, head_commit, toplevel
from ctxsep.model import Finding, Phase, Severity
from ctxsep.prefilter import might_have_findings
from ctxsep.runner import collect, display_path, map_files
from ctxsep.semantics.usage import Usage, count_usage


@dataclass(frozen=True)
class ReportFile:
    path: str  # as displayed (relative to the cwd)
    module: str  # dotted, from the path relative to the config
    phase: Phase
    directory_phase: Phase
    findings: tuple[Finding, ...]
    baselined: tuple[Finding, ...]
    skipped: bool
    gate_target: Phase | None  # the directory's next phase (None: already final)
    gate_findings: tuple[Finding, ...]
    usage: Usage

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path) or "."


def report_file(path: Path, resolver: SettingsResolver, data: bytes | None = None, baseline: bool = True) -> ReportFile:
    """One file's numbers. ``data`` is the file's content when the caller
    holds it (the history walk reads blobs from git); ``baseline=False``
    leaves every finding in ``findings`` (see ``with_report_baseline``)."""
    settings = resolver.for_path(path)
    display = display_path(path, resolver.cwd)
    text: str | None = None
    tree = None
    usage = Usage()
    if data is None:
        try:
            data = atomic.read_source(path)
        except OSError:
            data = None  # check_file reports it as skipped
    if data is not None and might_have_findings(data, settings.vocabulary):
        try:
            text = decode_source(data)
            tree = parse(text, display)
        except SkipFile:
            text, tree = None, None
        if tree is not None and text is not None:
            usage = count_usage(tree, settings.vocabulary, settings.module_parts, text)
    source: str | bytes | None = text if text is not None else data
    current = check_file(path, resolver, source=source, display_path=display, tree=tree, baseline=baseline)
    directory = posixpath.dirname(settings.rel_path)
    directory_phase, _ = settings.config.phase_map.lookup(directory)
    # A file outside its config's directory (``--config`` from elsewhere) has
    # no phase-map key that could promote it: no gate.
    outside = settings.rel_path.startswith("../")
    target = None if outside else directory_phase.next()
    gate: tuple[Finding, ...] = ()
    if target is not None and source is not None:
        after = promoted(settings, directory, target)
        gate = check_path(path, after, display, source=source, tree=tree).findings
    module = ".".join(p for p in settings.module_parts if p != "__init__") or settings.rel_path
    return ReportFile(
        path=display,
        module=module,
        phase=settings.phase,
        directory_phase=directory_phase,
        findings=current.findings,
        baselined=current.baselined,
        skipped=current.skipped is not None,
        gate_target=target,
        gate_findings=gate,
        usage=usage,
    )


def with_report_baseline(file: ReportFile, settings: FileSettings) -> ReportFile:
    """``file`` (computed with ``baseline=False``) with its baseline applied,
    as ``report_file`` would have returned it."""
    if not file.findings or file.skipped:
        return file
    shown, hidden = baseline_for(settings.config).split(list(file.findings), settings)
    return replace(file, findings=tuple(shown), baselined=tuple(hidden))


def percent(legacy: int, scoped: int) -> int | None:
    """Share of scoped-factory uses, rounded down (None: neither is used)."""
    total = legacy + scoped
    return None if total == 0 else (100 * scoped) // total


@dataclass
class DirectoryRow:
    directory: str
    phase: Phase
    files: int = 0
    other_phases: Counter[Phase] = field(default_factory=Counter)  # files whose phase differs
    legacy_uses: int = 0
    scoped_uses: int = 0
    #: code -> {"error": n, "warn": n, "baselined": n}
    by_rule: dict[str, Counter[str]] = field(default_factory=dict)
    gate_target: Phase | None = None
    gate_errors: int = 0
    gate_warnings: int = 0

    @property
    def percent_migrated(self) -> int | None:
        return percent(self.legacy_uses, self.scoped_uses)

    def count(self, kind: str) -> int:
        return sum(counts[kind] for counts in self.by_rule.values())

    @property
    def fails_own_phase(self) -> bool:
        """Has an error at the phase it is in now (what ``ctxsep check`` fails on)."""
        return self.count("error") > 0

    @property
    def passes_gate(self) -> bool | None:
        return None if self.gate_target is None else self.gate_errors == 0

    @property
    def relevant(self) -> bool:
        """Has anything to migrate or report."""
        return bool(self.legacy_uses or self.scoped_uses or self.by_rule or self.gate_errors or self.gate_warnings)


@dataclass(frozen=True)
class SourceInfo:
    """What the report is a report of: named in its title."""

    project: str
    commit: str | None = None  # None outside a git repository
    branch: str | None = None  # None when HEAD is detached
    date: str | None = None  # the commit's committer date (ISO 8601)


def source_info(path: Path) -> SourceInfo:
    """The project (``[project] name`` of the nearest ``pyproject.toml``
    from PATH up to the repository's root, else the root directory's name)
    and the checked-out commit."""
    repo = toplevel(path)
    start = (path if path.is_dir() else path.parent).resolve()
    base = repo if repo is not None else start
    project = None
    for directory in (start, *start.parents):
        project = _project_name(directory / "pyproject.toml")
        if project is not None or directory == base or base not in directory.parents:
            break
    project = project or base.name
    if repo is None:
        return SourceInfo(project)
    head = head_commit(repo)
    return SourceInfo(project, head.sha if head else None, branch(repo), head.iso_date if head else None)


#: a larger pyproject.toml is not read for the project's name
_MAX_PYPROJECT_BYTES = 16 * 1024 * 1024


def _project_name(pyproject: Path) -> str | None:
    try:
        # never a FIFO or device: a config elsewhere may have let this one go unread
        document = tomllib.loads(atomic.read_regular(pyproject, _MAX_PYPROJECT_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = document.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) and name.strip() else None


@dataclass
class Report:
    root: str  # the PATH given
    rows: list[DirectoryRow]
    files: list[ReportFile]
    source: SourceInfo | None = None
    #: directories checked with nothing to report (not in ``rows``, still counted in the totals)
    quiet_rows: list[DirectoryRow] = field(default_factory=list)

    @property
    def quiet_directories(self) -> int:
        """How many directories were checked with nothing to report."""
        return len(self.quiet_rows)

    @property
    def all_rows(self) -> list[DirectoryRow]:
        """Every directory checked, clean ones too, sorted by path."""
        return sorted([*self.rows, *self.quiet_rows], key=lambda row: row.directory)

    @property
    def totals(self) -> DirectoryRow:
        total = DirectoryRow("total", Phase.LEGACY)
        for row in self.all_rows:
            total.files += row.files
            total.legacy_uses += row.legacy_uses
            total.scoped_uses += row.scoped_uses
            total.gate_errors += row.gate_errors
            total.gate_warnings += row.gate_warnings
            for code, counts in row.by_rule.items():
                total.by_rule.setdefault(code, Counter()).update(counts)
        total.by_rule = dict(sorted(total.by_rule.items()))
        return total

    @property
    def gates_passed(self) -> tuple[int, int]:
        """(directories passing their gate, directories with a next phase)"""
        gated = [row for row in self.all_rows if row.gate_target is not None]
        return sum(1 for row in gated if row.passes_gate), len(gated)

    def directories_per_phase(self) -> dict[str, int]:
        """How many directories checked sit in each phase (every phase named)."""
        counts = Counter(row.phase for row in self.all_rows)
        return {phase.label: counts[phase] for phase in Phase}

    def legacy_edges(self) -> list[tuple[str, str, Counter[str]]]:
        """(module, legacy symbol, {"imports": n, "uses": n}) for the graph."""
        edges = []
        for file in self.files:
            for symbol, kinds in sorted(file.usage.legacy_symbols.items()):
                edges.append((file.module, symbol, kinds))
        return sorted(edges, key=lambda e: (e[0], e[1]))


def build_report(root: str, files: list[ReportFile]) -> Report:
    rows: dict[str, DirectoryRow] = {}
    for file in sorted(files, key=lambda f: f.path):
        row = rows.get(file.directory)
        if row is None:
            row = rows[file.directory] = DirectoryRow(
                file.directory, file.directory_phase, gate_target=file.gate_target
            )
        row.files += 1
        if file.phase != row.phase:
            row.other_phases[file.phase] += 1
        row.legacy_uses += file.usage.legacy_constructor_uses
        row.scoped_uses += file.usage.scoped_factory_uses
        for finding in file.findings:
            row.by_rule.setdefault(finding.code, Counter())[finding.severity.label] += 1
        for finding in file.baselined:
            row.by_rule.setdefault(finding.code, Counter())["baselined"] += 1
        for finding in file.gate_findings:
            if finding.severity is Severity.ERROR:
                row.gate_errors += 1
            elif finding.severity is Severity.WARN:
                row.gate_warnings += 1
    for row in rows.values():
        row.by_rule = dict(sorted(row.by_rule.items()))
    ordered = [rows[d] for d in sorted(rows)]
    relevant = [row for row in ordered if row.relevant]
    quiet = [row for row in ordered if not row.relevant]
    return Report(root, relevant, sorted(files, key=lambda f: f.path), quiet_rows=quiet)


def run_report(root: str, resolver: SettingsResolver, jobs: int | None = None, typed: TypedRun | None = None) -> Report:
    """Raises ConfigError for a broken config or baseline before checking.
    ``typed`` (``--typed FILE``) adds the CTX006 findings mypy or pylint
    recorded for the files reported, the file's baseline applied."""
    files = collect([root], resolver, baseline=True)
    reported = map_files(files, resolver, report_file, jobs)
    if typed is not None:
        by_path: dict[Path, list[Finding]] = {}
        for record in typed.records:
            if record.finding.code in TYPED_ONLY_CODES:
                by_path.setdefault(record.path, []).append(record.finding)
        reported = [
            with_typed(file, path, by_path.get(Path(os.path.normpath(path)), []), resolver)
            for path, file in zip(files, reported, strict=True)
        ]
    return build_report(root, reported)


#: the rules only a type-aware front end reports (the AST engine never does)
TYPED_ONLY_CODES = frozenset({"CTX006"})


def with_typed(file: ReportFile, path: Path, recorded: list[Finding], resolver: SettingsResolver) -> ReportFile:
    """``file`` with the type-only findings recorded for it (one per site,
    whichever front end saw it), its baseline applied."""
    found: dict[tuple[int, int, str], Finding] = {}
    for finding in recorded:
        finding = replace(finding, path=file.path)
        found.setdefault((finding.line, finding.col, finding.code), finding)
    if not found:
        return file
    settings = resolver.for_path(path)
    shown, hidden = baseline_for(settings.config).split(sorted(found.values(), key=lambda f: f.sort_key), settings)
    return replace(file, findings=(*file.findings, *shown), baselined=(*file.baselined, *hidden))
