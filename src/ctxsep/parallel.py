"""Worker processes for checking many files.

``map_files`` (in ``runner``) hands out a list known in advance. A check
learns which files need parsing only as it reads them (most do not), so
``Streamer`` takes them one at a time: it keeps them while they are little
work, and once the work put adds up to enough to pay for processes it
starts the workers, which parse while the caller goes on reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ctxsep.config import SettingsResolver

if TYPE_CHECKING:  # imported when a pool starts: small runs never pay for it
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
ItemT = TypeVar("ItemT")

#: the workers' own resolver (they resolve each item's settings themselves)
_worker_resolver: SettingsResolver | None = None


def init_worker(explicit: Path | None, cwd: Path) -> None:
    global _worker_resolver
    # One read of each config per worker, as the parent does (check_once): a
    # config edited meanwhile gives another cache key, and the result is not stored.
    _worker_resolver = SettingsResolver(explicit=explicit, cwd=cwd, recheck=False)


def worker_resolver() -> SettingsResolver:
    assert _worker_resolver is not None, "not in a worker"
    return _worker_resolver


#: what a ``Streamer``'s workers do with each item (given when they start:
#: with ``fork`` it is not even pickled)
_worker_task: Callable[[Any, SettingsResolver], Any] | None = None


def _init_streamer(explicit: Path | None, cwd: Path, task: Callable[[Any, SettingsResolver], Any]) -> None:
    global _worker_task
    init_worker(explicit, cwd)
    _worker_task = task


def _run_batch(items: list[Any]) -> list[Any]:
    assert _worker_task is not None, "not in a streamer's worker"
    resolver = worker_resolver()
    return [_worker_task(item, resolver) for item in items]


#: Items go to a worker in batches of up to this weight (bytes) or count:
#: one per item cost ~0.3 ms of pickling and waking on both sides (3 s for
#: the 11,500 files of a dense 800k-line tree); a batch is ~20 ms of work.
_BATCH_WEIGHT = 64 * 1024
_BATCH_ITEMS = 32


class Streamer(Generic[ItemT, T]):
    """``task(item, resolver)`` for items put one at a time, each with a
    weight (its bytes). In this process while the weights put add up to
    less than ``threshold``; in ``workers`` processes from then on (the
    items kept so far first, heaviest first). Results come back from
    ``results`` as ``(key, result)``, in the order they finish."""

    def __init__(
        self,
        resolver: SettingsResolver,
        task: Callable[[ItemT, SettingsResolver], T],
        workers: int,
        threshold: int,
    ) -> None:
        self._resolver = resolver
        self._task = task
        self._workers = workers
        self._threshold = threshold
        self._kept: list[tuple[int, int, ItemT]] = []  # (weight, key, item)
        self._weight = 0
        self._pool: ProcessPoolExecutor | None = None
        self._batch: list[tuple[int, ItemT]] = []  # (key, item), not submitted yet
        self._batch_weight = 0
        self._futures: dict[Future[list[T]], list[int]] = {}

    def __enter__(self) -> Streamer[ItemT, T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc is not None)

    def put(self, key: int, item: ItemT, weight: int) -> None:
        if self._pool is not None:
            self._add(key, item, weight)
            return
        self._kept.append((weight, key, item))
        self._weight += weight
        if self._workers > 1 and self._weight >= self._threshold:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                initializer=_init_streamer,
                initargs=(self._resolver.explicit, self._resolver.cwd, self._task),
            )
            for kept_weight, kept_key, kept in sorted(self._kept, key=lambda entry: -entry[0]):
                self._add(kept_key, kept, kept_weight)
            self._kept = []

    def _add(self, key: int, item: ItemT, weight: int) -> None:
        self._batch.append((key, item))
        self._batch_weight += weight
        if self._batch_weight >= _BATCH_WEIGHT or len(self._batch) >= _BATCH_ITEMS:
            self._submit()

    def _submit(self) -> None:
        assert self._pool is not None
        if self._batch:
            future = self._pool.submit(_run_batch, [item for _, item in self._batch])
            self._futures[future] = [key for key, _ in self._batch]
        self._batch, self._batch_weight = [], 0

    @property
    def unfinished(self) -> int:
        """Items put whose result is not there yet (for progress)."""
        waiting = sum(len(keys) for future, keys in self._futures.items() if not future.done())
        return len(self._kept) + len(self._batch) + waiting

    def results(self, on_left: Callable[[int], None] | None = None) -> Iterator[tuple[int, T]]:
        """Every item's result; ``on_left(n)`` is told how many are still
        to come after each one (or each batch)."""
        if self._pool is not None:
            self._submit()
        left = len(self._kept) + sum(len(keys) for keys in self._futures.values())
        for _, key, item in self._kept:
            result = self._task(item, self._resolver)
            left -= 1
            if on_left is not None:
                on_left(left)
            yield key, result
        self._kept = []
        if not self._futures:
            return
        from concurrent.futures import as_completed

        for future in as_completed(self._futures):
            keys = self._futures[future]
            left -= len(keys)
            if on_left is not None:
                on_left(left)
            yield from zip(keys, future.result(), strict=True)
