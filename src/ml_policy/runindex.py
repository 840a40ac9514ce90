"""The run index: what a checker's last run over the same files needed from the cache, in
one signed file.

A warm run of a checker over a repository asked the cache once per file: it read each
source file to hash it, then opened that file's entry. The run index keeps, for one
checker over one list of files, every entry that run used and each file's content
digest under its `lstat` signature, so the next run over those files reads one file
and no unchanged source (a file whose signature differs is read and hashed as before).

It is signed like an entry (cache.py), under the per-user key and bound to its name; a
forged, stale or damaged index is ignored as a whole. A digest is trusted only for a
file whose signature matches exactly (mode, size, inode, device, mtime and ctime in
nanoseconds, which only the kernel sets), and is recorded only from a signature taken
before the file was read and at least two seconds old: a file written twice within one
tick of the file system's clock keeps its mtime (git's "racy" files), so a recent one
is hashed again next time. A different list of files is another index: indexes are
kept for the last few runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MIN_FILES = 64  # below this, a run asks the entries themselves about as fast
KEPT = 16  # indexes kept (the least recently written go first)
SETTLE_NS = 2_000_000_000  # younger files may still change within the same clock tick


_FIELDS = ("st_mode", "st_size", "st_ino", "st_dev", "st_mtime_ns", "st_ctime_ns")


def signature(status: os.stat_result) -> list[int]:
    """What must be unchanged for a file's recorded digest to hold."""
    return [getattr(status, field) for field in _FIELDS]


def name_for(namespace: str, files: Sequence[Path]) -> str:
    """The index of `namespace` (a checker) run from this folder over `files`."""
    digest = hashlib.sha256(f"{namespace}\0{os.getcwd()}\0".encode("utf-8", "surrogateescape"))
    for path in sorted(os.fspath(p) for p in files):
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


class RunIndex:
    """One run's digests and entries: those of the last run, and those of this one."""

    def __init__(self, digests: dict[str, Any], entries: dict[str, Any]) -> None:
        self._old_digests = digests
        self._old_entries = entries
        self.digests: dict[str, list[Any]] = {}
        self.entries: dict[str, Any] = {}
        self._started = time.time_ns()

    @classmethod
    def of(cls, data: Any) -> RunIndex:
        """The last run's index from its JSON; an empty one when there is none to use."""
        if not isinstance(data, dict) or data.keys() != {"digests", "entries"}:
            return cls({}, {})
        digests, entries = data["digests"], data["entries"]
        if not isinstance(digests, dict) or not isinstance(entries, dict):
            return cls({}, {})
        return cls(digests, entries)

    def known_digest(self, path: Path) -> str | None:
        """The content digest recorded for `path`, if it has not changed since."""
        recorded = self._old_digests.get(os.fspath(path))
        if not isinstance(recorded, list) or len(recorded) != len(_FIELDS) + 1:
            return None
        try:
            status = os.lstat(path)
        except OSError:
            return None
        digest = recorded[-1]
        if recorded[:-1] != signature(status) or not isinstance(digest, str):
            return None
        self.digests[os.fspath(path)] = recorded
        return digest

    def remember(self, path: Path, status: os.stat_result, digest: str) -> None:
        """`digest` of `path` as read after `status` was taken, if the file has settled."""
        newest = max(status.st_mtime_ns, status.st_ctime_ns)
        if self._started - newest >= SETTLE_NS:
            self.digests[os.fspath(path)] = [*signature(status), digest]

    def entry(self, key: str) -> Any:
        """The records of `key` from the last run (unchecked: the caller loads them)."""
        records = self._old_entries.get(key)
        if records is not None:
            self.entries[key] = records
        return records

    def keep(self, key: str, records: Any) -> None:
        self.entries[key] = records

    def changed(self) -> bool:
        return self.digests != self._old_digests or self.entries != self._old_entries

    def payload(self) -> bytes:
        data = {"digests": self.digests, "entries": self.entries}
        return json.dumps(data, separators=(",", ":")).encode("utf-8", "surrogateescape")


def prune(folder: str) -> None:
    """Keep the KEPT most recently written indexes of `folder`."""
    try:
        with os.scandir(folder) as found:
            indexes = [entry for entry in found if entry.name.endswith(".json")]
            by_age = sorted(indexes, key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for stale in by_age[KEPT:]:
        with contextlib.suppress(OSError):
            os.unlink(stale.path)
