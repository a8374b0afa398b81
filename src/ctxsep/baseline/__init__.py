"""Baselines (SPEC §7): known findings recorded in a file beside the config,
hidden by the engine — for every front end — while their file's phase is no
stricter than the phase they were recorded in.

``fileformat`` reads and writes the file; ``store`` matches findings against
it and caches loaded files. Creating, updating and checking a baseline over a
whole tree lives above the runner, in ``ctxsep.migration.baseline_ops``.
"""

from ctxsep.baseline.fileformat import Entry, EntryKey, dumps, parse, read_entries
from ctxsep.baseline.store import (
    Baseline,
    BaselineStore,
    finding_key,
    is_baselinable,
    load_baseline,
    split_findings,
)

__all__ = [
    "Baseline",
    "BaselineStore",
    "Entry",
    "EntryKey",
    "dumps",
    "finding_key",
    "is_baselinable",
    "load_baseline",
    "parse",
    "read_entries",
    "split_findings",
]
