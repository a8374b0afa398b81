"""The one applier: compute fixes, pick non-overlapping ones, apply them in
memory, verify every changed file (it compiles; the engine no longer shows
the fixed findings and shows nothing new), drop what fails (a fix spanning
files goes as a whole), loop to a fixed point, and write every changed file
atomically — all of them or none."""

from __future__ import annotations

import io
import tokenize
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ctxsep import atomic
from ctxsep.atomic import write_atomic_bytes
from ctxsep.config import FileSettings, SettingsResolver
from ctxsep.engine import SkipFile, baseline_for, check_source, decode_source
from ctxsep.fixes.compute import compute_fixes, needs_view
from ctxsep.fixes.edits import apply_edits, choose
from ctxsep.inventory.project import ProjectIndex, build_index
from ctxsep.model import INTERNAL_ERROR_PREFIX, SKIPPED_CODE, CtxsepError, Finding, Fix
from ctxsep.runner import display_path, run_check

MAX_ROUNDS = 10
Key = tuple[str, str, str]  # (code, scope, fingerprint): a finding, independent of its line


@dataclass
class FileState:
    path: Path
    display: str
    settings: FileSettings
    original: bytes
    encoding: str
    text: str  # current text, fixes applied so far
    findings: list[Finding]  # shown findings of ``text``
    fixed: Counter[str] = field(default_factory=Counter)
    original_text: str = ""
    baselined_before: int = 0
    baselined_after: int = 0

    @property
    def changed(self) -> bool:
        return self.text != self.original_text

    def encoded(self) -> bytes:
        return self.text.encode(self.encoding)


@dataclass
class FixRun:
    states: dict[Path, FileState] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # display path -> reason
    #: fixes offered but not applied: needs --unsafe-fixes
    unsafe_left: int = 0
    #: "path:line: why an expected fix was not offered"
    notes: list[str] = field(default_factory=list)
    files_checked: int = 0

    @property
    def changed(self) -> list[FileState]:
        return sorted((s for s in self.states.values() if s.changed), key=lambda s: s.display)

    @property
    def fixed(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for state in self.changed:
            total.update(state.fixed)
        return total

    @property
    def stale_baseline(self) -> int:
        return sum(max(0, s.baselined_before - s.baselined_after) for s in self.changed)


def _codes(fix: Fix) -> set[str]:
    return {fix.code, *(code for code, _, _ in fix.fixes)}


def project_index(paths: list[str], resolver: SettingsResolver, keep_bytes: bool = False) -> ProjectIndex:
    """The index of the project holding the first PATH: the tree of its config
    file (or the cwd when there is none)."""
    first = resolver.cwd / (paths[0] if paths else ".")
    anchor = first / "__init__.py" if first.is_dir() else first
    config = resolver.for_path(anchor).config
    root = config.root if config.path is not None else resolver.cwd
    return build_index([str(root)], resolver, config.vocabulary, keep_bytes)


def run_fixes(
    paths: list[str],
    resolver: SettingsResolver,
    unsafe: bool = False,
    selects: Callable[[str], bool] | None = None,
    jobs: int | None = None,
) -> FixRun:
    """Fix every file under ``paths`` in memory (see :func:`write`).
    Raises ConfigError before touching anything."""
    checked = run_check(paths, resolver, jobs=jobs)
    project = project_index(paths, resolver, keep_bytes=True)
    run = FixRun(files_checked=len(checked.results))

    def wanted(fix: Fix) -> bool:  # a fix is wanted when a code it fixes is selected
        return selects is None or any(selects(code) for code in _codes(fix))

    candidates: list[Path] = []
    for file, result in zip(checked.files, checked.results, strict=True):
        if result.skipped:
            continue
        if file.is_symlink() and any(f.code != SKIPPED_CODE for f in result.findings):
            # writing would replace the link with a file (or write where it points): fix the target instead
            run.failed[display_path(file, resolver.cwd)] = "a symbolic link; fix the file it points to"
            continue
        state = _load(file, resolver, list(result.findings), len(result.baselined))
        if state is None:
            continue
        # the cheap screen: compute_fixes asks the ``ast`` (fixes.quick) itself, once
        if needs_view(state.findings, state.text, project, state.settings):
            run.states[file] = state
            candidates.append(file)

    def offer(file: Path, state: FileState, round_number: int) -> list[Fix]:
        notes: list[str] = []
        fixes = compute_fixes(file, state.text, state.settings, state.findings, project, notes)
        for note in notes:  # why an unsafe fix is missing matters with --unsafe-fixes; a bug always
            if (unsafe or INTERNAL_ERROR_PREFIX in note) and f"{state.display}:{note}" not in run.notes:
                run.notes.append(f"{state.display}:{note}")
        fixes = [f for f in fixes if wanted(f)]
        if round_number == 0:
            run.unsafe_left += sum(1 for f in fixes if not f.safe and not unsafe)
        return [f for f in fixes if f.safe or unsafe]

    apply_rounds(run, candidates, offer, resolver, project)
    for state in run.changed:
        state.baselined_after = _baselined(state)
    return run


def _load(file: Path, resolver: SettingsResolver, findings: list[Finding], baselined: int) -> FileState | None:
    try:
        data = atomic.read_source(file)
        text = decode_source(data)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (OSError, SkipFile, SyntaxError):
        return None
    settings = resolver.for_path(file)
    return FileState(
        path=file,
        display=display_path(file, resolver.cwd),
        settings=settings,
        original=data,
        encoding=encoding,
        text=text,
        findings=findings,
        original_text=text,
        baselined_before=baselined,
    )


def apply_rounds(
    run: FixRun,
    candidates: list[Path],
    offer: Callable[[Path, FileState, int], list[Fix]],
    resolver: SettingsResolver,
    project: ProjectIndex,
) -> None:
    """Fix ``run``'s ``candidates`` to a fixed point, in memory (at most
    ``MAX_ROUNDS`` rounds): each round, ``offer(file, state, round)`` gives
    the fixes wanted for each candidate, the non-overlapping ones are
    applied and verified (``_apply_round``), and the files they changed are
    the next round's candidates. ``ctxsep fix`` and the language server's
    fix-all both go through here."""
    for round_number in range(MAX_ROUNDS):
        offered = [fix for file in candidates for fix in offer(file, run.states[file], round_number)]
        applied = _apply_round(run, choose(offered), resolver, project)
        if not applied:
            return
        candidates = sorted(applied)


def _apply_round(run: FixRun, chosen: list[Fix], resolver: SettingsResolver, project: ProjectIndex) -> set[Path]:
    """Apply ``chosen`` in memory, verify, keep what passes. Returns the
    files changed this round.

    When a file fails verification, the last fix touching it is dropped
    (in every file it touches: a fix spanning files goes whole) and the
    rest are tried again; the file is reported when a fix was dropped."""
    pending = list(chosen)
    while pending:
        by_file: dict[Path, list[Fix]] = {}
        for fix in pending:
            for name in fix.paths:
                by_file.setdefault(Path(name), []).append(fix)
        failed: tuple[Path, str] | None = None
        results: dict[Path, tuple[str, list[Finding]]] = {}
        for path, fixes in by_file.items():
            problem, new_text, shown = _try(run, path, fixes, resolver)
            if problem:
                failed = (path, problem)
                break
            results[path] = (new_text, shown)
        if failed is None:
            for path, (new_text, shown) in results.items():
                state = run.states[path]
                state.text = new_text
                state.findings = shown
                project.overlay[path] = new_text
                fixed = {w for fix in by_file[path] if Path(fix.edits[0].path) == path for w in fix.fixes}
                state.fixed.update(code for code, _, _ in fixed)
                # a fix for a finding only the type-aware front ends report (CTX006)
                state.fixed.update(f.code for f in by_file[path] if not f.fixes and Path(f.edits[0].path) == path)
            return set(results)
        path, reason = failed
        known = run.states.get(path)
        run.failed[known.display if known else display_path(path, resolver.cwd)] = reason
        dropped = by_file[path][-1]
        pending = [fix for fix in pending if fix is not dropped]
    return set()


def _try(run: FixRun, path: Path, fixes: list[Fix], resolver: SettingsResolver) -> tuple[str, str, list[Finding]]:
    state = run.states.get(path) or _add_state(run, path, resolver)
    if state is None:
        return "cannot be read", "", []
    edits = [edit for fix in fixes for edit in fix.edits if Path(edit.path) == path]
    try:
        new_text = apply_edits(state.text, edits)
    except ValueError as exc:
        return str(exc), "", []
    problem, shown = _verify(state, new_text, [f for f in fixes if Path(f.edits[0].path) == path])
    return problem, new_text, shown


def _add_state(run: FixRun, path: Path, resolver: SettingsResolver) -> FileState | None:
    state = _load(path, resolver, [], 0)
    if state is None:
        return None
    result = check_source(
        state.text, state.display, state.settings, filter_findings=baseline_for(state.settings.config).split
    )
    state.findings = list(result.findings)
    state.baselined_before = len(result.baselined)
    run.states[path] = state
    return state


def _all_findings(state: FileState, text: str) -> list[Finding]:
    return list(check_source(text, state.display, state.settings).findings)


def _key(finding: Finding) -> Key:
    return (finding.code, finding.scope, finding.fingerprint)


def _verify(state: FileState, new_text: str, fixes: list[Fix]) -> tuple[str, list[Finding]]:
    """('' or why the new text is refused, its shown findings)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(new_text, state.display, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return f"the fixed file would not compile (line {line}: {getattr(exc, 'msg', exc)})", []
    before = _all_findings(state, state.text)
    after = _all_findings(state, new_text)
    if any(f.code == SKIPPED_CODE for f in after):
        return "the fixed file could not be checked", []
    before_count = Counter(_key(f) for f in before)
    after_count = Counter(_key(f) for f in after)
    new = [k for k, n in after_count.items() if n > before_count.get(k, 0)]
    if new:
        code, scope, _ = new[0]
        return f"the fix would add a new {code} finding (in {scope})", []
    by_position = {(f.code, f.line, f.col): f for f in before}
    claimed: Counter[Key] = Counter()
    for where in {where for fix in fixes for where in fix.fixes}:
        if where in by_position:
            claimed[_key(by_position[where])] += 1
    for key, n in claimed.items():
        if after_count.get(key, 0) > before_count[key] - n:
            return f"the fix would leave the {key[0]} finding it fixes (in {key[1]})", []
    shown, _ = baseline_for(state.settings.config).split(after, state.settings) if after else ([], [])
    return "", shown


def _baselined(state: FileState) -> int:
    result = check_source(
        state.text, state.display, state.settings, filter_findings=baseline_for(state.settings.config).split
    )
    return len(result.baselined)


def write(run: FixRun) -> None:
    """Write every changed file atomically; if one write fails, put back the
    ones already written and raise CtxsepError naming the file."""
    written: list[FileState] = []
    changed = run.changed
    for state in changed:
        try:
            if atomic.read_source(state.path) != state.original:
                raise CtxsepError(f"{state.display}: changed on disk while ctxsep was fixing it; nothing was written")
        except OSError as exc:
            raise CtxsepError(f"{state.display}: cannot read: {exc.strerror or exc}") from None
    for state in changed:
        try:
            write_atomic_bytes(state.path, state.encoded())
        except (OSError, UnicodeEncodeError) as exc:
            for done in written:
                write_atomic_bytes(done.path, done.original)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CtxsepError(f"{state.display}: cannot write: {reason}; no file was changed") from None
        written.append(state)
