"""``report --history``: the report at sampled commits of the first-parent history.

Each sampled commit is reported exactly as ``ctxsep report`` would report a
checkout of it, without checking anything out:

- its tree is listed with ``git ls-tree`` and its files read with one
  ``git cat-file --batch`` process (``gitrepo``);
- the commit's own config files (every ``ctxsep.toml`` and ``pyproject.toml``)
  and the baseline files they name are written into a small *skeleton*
  directory, the only files on disk, so config discovery, the phase map, the
  ``exclude`` patterns and the baseline are the real ones, read by the code
  every other command uses;
- each source file is reported from its blob's bytes (``report_file``) with
  the baseline left out, and that result is kept under (path, blob, config
  digest): a file that did not change between two samples, under a config
  that did not change, is never checked again — only its baseline, which
  may have changed, is applied again.

A commit whose config or baseline is broken becomes a point with the
problems instead of a report, and the walk goes on. This module prints
nothing; ``on_commit`` lets the caller show progress.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ctxsep import atomic
from ctxsep.atomic import write_atomic_bytes
from ctxsep.config import Config, FileSettings, SettingsResolver, leads_outside, relative_posix
from ctxsep.config.loader import CONFIG_FILES
from ctxsep.engine import baseline_for
from ctxsep.migration.gitrepo import BlobReader, Commit, GitError, TreeEntry, first_parent_history, list_tree
from ctxsep.migration.history_store import HistoryStore, entry_key
from ctxsep.migration.report import Report, ReportFile, build_report, report_file, with_report_baseline
from ctxsep.model import ConfigError
from ctxsep.runner import SKIPPED_DIRS, SOURCE_SUFFIXES, FileCollector, map_files, resolve_settings


@dataclass(frozen=True)
class HistoryPoint:
    commit: Commit
    report: Report | None  # None when the commit could not be reported
    problems: tuple[str, ...] = ()  # why not (a broken config, PATH missing)
    checked: int = 0  # files checked at this commit
    reused: int = 0  # files whose result was reused from an earlier commit


@dataclass
class History:
    path: str  # PATH as given
    repo: Path
    sampling: str  # how commits were sampled, in words
    commits_walked: int  # first-parent commits in the range
    points: list[HistoryPoint] = field(default_factory=list)

    @property
    def reported(self) -> list[HistoryPoint]:
        return [point for point in self.points if point.report is not None]


def sample(commits: list[Commit], every: int | None) -> list[Commit]:
    """``every`` N-th commit counted back from the newest (which is always
    in), or by default the last commit of each UTC day."""
    if every is not None:
        newest = len(commits) - 1
        return [commit for i, commit in enumerate(commits) if (newest - i) % every == 0]
    last_of_day: dict[str, Commit] = {}
    for commit in commits:
        last_of_day[commit.day] = commit
    return list(last_of_day.values())


def sampling_text(every: int | None) -> str:
    if every == 1:
        return "every first-parent commit"
    return f"every {every} first-parent commits" if every is not None else "the last commit of each day (UTC)"


class _Skeleton:
    """A directory holding a commit's config and baseline files at their
    paths, and a ``.git`` so config discovery stops at its root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / ".git").mkdir()
        self._written: dict[str, str] = {}  # path -> blob

    def place(self, wanted: dict[str, str], tree: dict[str, TreeEntry], reader: BlobReader) -> None:
        """Make the files on disk ``wanted`` (path -> blob), keeping the
        others written before (baselines) only while ``tree`` still has them
        unchanged: a baseline is then not read again."""
        for path in [p for p, blob in self._written.items() if p not in wanted and _blob(tree, p) != blob]:
            (self.root / path).unlink(missing_ok=True)
            del self._written[path]
        for path, blob in wanted.items():
            if self._written.get(path) != blob:
                self.add(path, blob, reader)

    def written(self, path: str) -> str | None:
        return self._written.get(path)

    def add(self, path: str, blob: str, reader: BlobReader) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        # A new inode each time: the baseline store knows a file by inode, mtime and size.
        data = reader.read(blob)
        if data is None:  # the repository lacks it: as if the file were not there
            target.unlink(missing_ok=True)
        else:
            write_atomic_bytes(target, data)
        self._written[path] = blob


#: symbolic links followed before a path counts as a loop (Linux follows 40)
_MAX_LINKS = 40


def _blob(tree: dict[str, TreeEntry], path: str) -> str | None:
    entry = tree.get(path)
    return entry.sha if entry is not None and entry.regular else None


def _report_blob(item: tuple[Path, bytes | None], resolver: SettingsResolver) -> ReportFile:
    path, data = item
    return report_file(path, resolver, data=data, baseline=False)


@dataclass
class _Walker:
    repo: Path
    path_rel: str  # PATH relative to the repository root ("" for the root)
    cwd_rel: str  # the cwd relative to the repository root
    path_arg: str
    explicit: Path | None
    jobs: int | None
    reader: BlobReader
    skeleton: _Skeleton
    store: HistoryStore
    #: (path, blob, config digest) -> the file's result before the baseline,
    #: for the files of the last commit walked (the next one shares most of them)
    memo: dict[tuple[str, str, str], ReportFile] = field(default_factory=dict)
    #: config file path in the skeleton -> what it was made from (for the store's keys)
    config_sources: dict[Path, str] = field(default_factory=dict)
    #: a symbolic link's blob -> its target
    link_targets: dict[str, str] = field(default_factory=dict)

    def point(self, commit: Commit) -> HistoryPoint:
        entries = list_tree(self.repo, commit.sha)
        by_path = {entry.path: entry for entry in entries}
        configs = {e.path: e.sha for e in entries if e.regular and e.path.rsplit("/", 1)[-1] in CONFIG_FILES}
        self.skeleton.place({} if self.explicit is not None else configs, by_path, self.reader)
        if (
            self.path_rel
            and self.path_rel not in by_path
            and not any(path.startswith(self.path_rel + "/") for path in by_path)
        ):
            return HistoryPoint(commit, None, (f"{self.path_arg}: no such file or directory at this commit",))
        explicit = self.skeleton.root / self.explicit.name if self.explicit is not None else None
        if explicit is None:
            self.config_sources = {self.skeleton.root / path: f"{path}@{blob}" for path, blob in configs.items()}
        elif not self.config_sources:  # --config: copied and digested once for the whole walk
            assert self.explicit is not None
            if not explicit.exists():
                write_atomic_bytes(explicit, self.explicit.read_bytes())
            content = hashlib.blake2b(explicit.read_bytes(), digest_size=16).hexdigest()
            self.config_sources = {explicit: f"--config {self.explicit.name}@{content}"}
        cwd = self.skeleton.root / self.cwd_rel
        resolver = SettingsResolver(explicit=explicit, cwd=cwd, recheck=False)
        try:
            found = self._collect(resolver, entries, by_path)
        except ConfigError as exc:
            return HistoryPoint(commit, None, tuple(self._relative(p) for p in exc.problems))
        files: list[ReportFile | None] = []
        todo: list[tuple[int, tuple[str, str, str], tuple[Path, bytes | None]]] = []
        contents = [self._content(entry, by_path) for entry, _ in found]
        keys = [
            (entry.path, content or f"unreadable {entry.sha}", settings.config.digest)
            for (entry, settings), content in zip(found, contents, strict=True)
        ]
        too_large: list[Path] = []
        for i, ((entry, settings), key) in enumerate(zip(found, keys, strict=True)):
            known = self.memo.get(key)
            if known is None:
                known = self.store.get(self._store_key(key, settings))
                if known is not None:
                    self.memo[key] = known
            files.append(known)
            if known is None:
                todo.append((i, key, (self.skeleton.root / entry.path, self._data(entry.path, contents[i], too_large))))
        try:
            results = map_files([item for _, _, item in todo], resolver, _report_blob, self.jobs)
        finally:
            for path in too_large:
                path.unlink(missing_ok=True)
        for (i, key, _), result in zip(todo, results, strict=True):
            self.memo[key] = files[i] = result
            self.store.put(self._store_key(key, found[i][1]), result)
        # Only this commit's results can be wanted again soon: a file changed
        # and changed back is checked again, and memory stays one tree's worth.
        wanted = set(keys)
        self.memo = {key: value for key, value in self.memo.items() if key in wanted}
        reported = []
        for (_, settings), raw in zip(found, files, strict=True):
            assert raw is not None
            reported.append(with_report_baseline(raw, settings))
        report = build_report(self.path_arg, reported)
        # A point keeps its numbers, not its files: forty trees of results
        # would cost hundreds of megabytes on a large repository.
        report.files = []
        return HistoryPoint(commit, report, checked=len(todo), reused=len(found) - len(todo))

    def _collect(
        self, resolver: SettingsResolver, entries: list[TreeEntry], by_path: dict[str, TreeEntry]
    ) -> list[tuple[TreeEntry, FileSettings]]:
        """What ``runner.collect_settings`` finds in a checkout, from the tree
        listing: the same skipped directories and ``exclude`` patterns, every
        config and baseline validated (ConfigError lists every problem)."""
        root = self.skeleton.root
        collector = FileCollector(resolver)
        chosen: list[TreeEntry] = []
        if self.path_rel in by_path:  # PATH names a file: checked even if it is not .py
            entry = by_path[self.path_rel]
            if not collector.excluded(root / entry.path, False):
                chosen.append(entry)
        else:
            top = self.path_rel.count("/") + 1 if self.path_rel else 0
            prefix = self.path_rel + "/" if self.path_rel else ""
            skipped: dict[str, bool] = {}
            for entry in sorted(entries, key=lambda e: e.path):
                if not entry.path.startswith(prefix) or not entry.path.endswith(SOURCE_SUFFIXES):
                    continue
                parts = entry.path.split("/")
                if any(
                    self._skipped_dir("/".join(parts[: n + 1]), collector, skipped) for n in range(top, len(parts) - 1)
                ):
                    continue
                if not collector.excluded(root / entry.path, False):
                    chosen.append(entry)

        def check_baseline(config: Config) -> None:  # the commit's baseline file, written out first
            baseline = relative_posix(config.baseline_path, root)
            blob = _blob(by_path, baseline)
            if blob is not None and self.skeleton.written(baseline) != blob:
                self.skeleton.add(baseline, blob, self.reader)
            baseline_for(config)

        found = resolve_settings(chosen, lambda entry: root / entry.path, resolver, check_baseline)
        # A symbolic link is reported at its own path, with what it leads to.
        return [(entry, settings) for entry, settings in found if entry.regular or entry.link]

    def _store_key(self, key: tuple[str, str, str], settings: FileSettings) -> str:
        """The file, its content, the config's source (not its path in the
        skeleton, which differs between runs) and the cwd."""
        config = settings.config.path
        source = self.config_sources.get(config, "built-in default") if config is not None else "built-in default"
        return entry_key(key[0], key[1], source, self.cwd_rel)

    def _content(self, entry: TreeEntry, by_path: dict[str, TreeEntry]) -> str | None:
        """The blob a checkout reads at ``entry``: its own, or for a symbolic
        link the one it leads to inside the tree (None: a dangling link, a
        loop, or a target outside the repository)."""
        for _ in range(_MAX_LINKS):
            if entry.regular:
                return entry.sha
            if not entry.link:
                return None
            target = self._link_target(entry.sha)
            if target is None or target.startswith("/"):
                return None
            path = posixpath.normpath(posixpath.join(posixpath.dirname(entry.path), target))
            following = by_path.get(path)
            if following is None:
                return None
            entry = following
        return None

    def _link_target(self, blob: str) -> str | None:
        target = self.link_targets.get(blob)
        if target is None:
            data = self.reader.read(blob)
            target = self.link_targets[blob] = data.decode("utf-8", "surrogateescape") if data is not None else ""
        return target or None

    def _data(self, path: str, blob: str | None, too_large: list[Path]) -> bytes | None:
        """The bytes to report ``path`` from; None to let the report read the
        skeleton as a checkout's file would be read: absent (a dangling link,
        a blob the repository lacks: "cannot read") or, for a blob larger than
        ctxsep reads, a sparse file of its size (refused the same way)."""
        data = self.reader.read(blob) if blob is not None else None
        if data is not None and len(data) > atomic.MAX_SOURCE_BYTES:
            sparse = self.skeleton.root / path
            sparse.parent.mkdir(parents=True, exist_ok=True)
            with sparse.open("wb") as handle:
                handle.truncate(len(data))
            too_large.append(sparse)
            return None
        return data

    def _skipped_dir(self, path: str, collector: FileCollector, memo: dict[str, bool]) -> bool:
        answer = memo.get(path)
        if answer is None:
            name = path.rsplit("/", 1)[-1]
            answer = memo[path] = (
                name in SKIPPED_DIRS
                or name.endswith(".egg-info")
                or collector.excluded(self.skeleton.root / path, True, (self.skeleton.root / path).parent)
            )
        return answer

    def _relative(self, problem: str) -> str:
        """A problem as a checkout would name it: paths relative to the repository."""
        if self.explicit is not None:  # --config: name the user's own file
            problem = problem.replace(os.fspath(self.skeleton.root / self.explicit.name), os.fspath(self.explicit))
        prefix = os.fspath(self.skeleton.root) + os.sep
        return problem.replace(prefix, "")


@contextmanager
def _skeleton_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="ctxsep-history-")).resolve()
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def walk_history(
    path_arg: str,
    repo: Path,
    cwd: Path,
    explicit_config: Path | None = None,
    since: str | None = None,
    every: int | None = None,
    jobs: int | None = None,
    on_commit: Callable[[int, int, Commit], None] | None = None,
    store: HistoryStore | None = None,
) -> History:
    """The report at each sampled first-parent commit of ``repo``'s HEAD.

    ``path_arg`` is PATH as the user gave it (relative to ``cwd``, inside
    ``repo``). ``explicit_config`` (``--config``) applies at every commit in
    place of the commit's own configs, read as if it sat at the repository's
    root. ``store`` keeps results between runs. Raises GitError when the
    history cannot be read."""
    target = (cwd / path_arg).resolve()
    path_rel = relative_posix(target, repo)
    cwd_rel = relative_posix(cwd.resolve(), repo)
    if leads_outside(path_rel):
        raise GitError(f"{path_arg}: not inside the repository {repo}")
    path_rel = "" if path_rel == "." else path_rel
    cwd_rel = "" if cwd_rel == "." or leads_outside(cwd_rel) else cwd_rel
    commits = first_parent_history(repo, since)
    sampled = sample(commits, every)
    history = History(path_arg, repo, sampling_text(every), len(commits))
    with _skeleton_dir() as directory, BlobReader(repo) as reader:
        kept = store if store is not None else HistoryStore(None)
        walker = _Walker(repo, path_rel, cwd_rel, path_arg, explicit_config, jobs, reader, _Skeleton(directory), kept)
        for number, commit in enumerate(sampled, 1):
            history.points.append(walker.point(commit))
            if on_commit is not None:
                on_commit(number, len(sampled), commit)
    kept.save()
    return history
