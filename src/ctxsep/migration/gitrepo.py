"""The few git questions the report asks, through the ``git`` command.

``git`` is the well-kept implementation of its own formats (packs, loose
objects, worktrees, submodules, replace refs): nothing here reads
``.git`` directly. Blobs come from one long-lived ``git cat-file --batch``
process, so a walk over many commits never checks anything out.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from ctxsep.model import CtxsepError

#: git's modes for what a tree can hold; only regular files are read as source
_BLOB_MODES = ("100644", "100755")
_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


class GitError(CtxsepError):
    """A git command failed, or the path is not in a repository."""


def _git(repo: Path, *args: str, check: bool = True) -> str:
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            env={**os.environ, **_ENV},
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {repo}: {message[-1] if message else f'exit {proc.returncode}'}")
    return proc.stdout.decode("utf-8", "surrogateescape") if proc.returncode == 0 else ""


def toplevel(path: Path) -> Path | None:
    """The work tree containing ``path`` (a file or a directory), or None."""
    directory = path if path.is_dir() else path.parent
    out = _git(directory, "rev-parse", "--show-toplevel", check=False).strip()
    return Path(out).resolve() if out else None


@dataclass(frozen=True)
class Commit:
    sha: str
    date: datetime  # committer date, with the committer's offset
    subject: str

    @property
    def iso_date(self) -> str:
        return self.date.isoformat()

    @property
    def day(self) -> str:
        """The UTC calendar day, for sampling one commit a day."""
        return self.date.astimezone(UTC).date().isoformat()


def _parse_commits(text: str) -> list[Commit]:
    commits = []
    for record in text.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, date, subject = record.split("\x00", 2)
        commits.append(Commit(sha, datetime.fromisoformat(date), subject))
    return commits


_FORMAT = "--format=%x1e%H%x00%cI%x00%s"


def head_commit(repo: Path) -> Commit | None:
    """HEAD, or None in a repository with no commit yet."""
    return next(iter(_parse_commits(_git(repo, "log", "-1", _FORMAT, "HEAD", check=False))), None)


def branch(repo: Path) -> str | None:
    """The checked-out branch, None when HEAD is detached."""
    out = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
    return out or None


def first_parent_history(repo: Path, since: str | None = None) -> list[Commit]:
    """HEAD's first-parent history, oldest first. ``since`` is a revision
    (its own commit included) or an ISO 8601 date or time: commits dated
    (committer date) at or after it; a date or time without a zone is UTC
    (``2025-08-01`` is its midnight, UTC)."""
    args = ["log", "--first-parent", _FORMAT]
    start: str | None = None
    after: datetime | None = None
    if since is not None:
        resolved = _git(repo, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}", check=False).strip()
        if resolved:
            start = resolved
            args.append(f"{resolved}..HEAD")
        else:
            after = _parse_date(since)
            if after is None:
                raise GitError(f"--since {since!r}: neither a date (YYYY-MM-DD) nor a revision of {repo}")
            args.append("HEAD")
    else:
        args.append("HEAD")
    commits = _parse_commits(_git(repo, *args))
    if start is not None:
        commits += _parse_commits(_git(repo, "log", "-1", _FORMAT, start))
    if after is not None:
        # Filtered here, not with `git log --since`: git reads a bare date as
        # that day at the current time of day.
        commits = [commit for commit in commits if commit.date >= after]
    commits.reverse()
    return commits


def _parse_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TreeEntry:
    path: str  # relative to the repository root, with /
    sha: str
    regular: bool  # a regular file (not a symlink or a submodule)


def list_tree(repo: Path, commit: str) -> list[TreeEntry]:
    """Every file of ``commit``'s tree (blobs and links; submodules skipped)."""
    out = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit)
    entries = []
    for item in out.split("\x00"):
        if not item:
            continue
        meta, path = item.split("\t", 1)
        mode, kind, sha = meta.split(" ")
        if kind == "blob":
            entries.append(TreeEntry(path, sha, mode in _BLOB_MODES))
    return entries


class BlobReader:
    """One ``git cat-file --batch`` process answering blob reads in turn."""

    def __init__(self, repo: Path) -> None:
        try:
            self._proc = subprocess.Popen(
                ["git", "-C", str(repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **_ENV},
            )
        except OSError as exc:
            raise GitError(f"cannot run git: {exc.strerror or exc}") from None
        self.reads = 0

    def read(self, sha: str) -> bytes | None:
        """The blob's bytes; None when the repository lacks it (a partial
        clone, a pruned object)."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(sha.encode("ascii") + b"\n")
        stdin.flush()
        header = stdout.readline().decode("ascii", "replace").split()
        if len(header) == 2 and header[1] == "missing":
            return None
        if len(header) != 3 or header[1] != "blob":
            raise GitError(f"git cat-file: cannot read blob {sha}: {' '.join(header) or 'no answer'}")
        data = stdout.read(int(header[2]))
        stdout.read(1)  # the newline after each object
        self.reads += 1
        return data

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
