"""A content-hash cache of per-file results, safe for several hook processes at once.

The lint rules and the secrets checker use it. A key covers everything a
file's result depends on: its bytes and path (some rules skip test files),
what the caller says matters (enabled rules, settings, a baseline's digest)
and the ml-policy version. Each entry is its own small file, written to a temporary
name and renamed into place, so concurrent writers never produce a torn
entry and readers see a whole entry or none.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ml_policy import __version__
from ml_policy.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity

DEFAULT_DIRECTORY = ".ml-policy-cache"


class Cache:
    """Diagnostics by key, under `directory/<version>/`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / __version__
        self._folder = os.fspath(self.directory)  # entry paths are built as strings: 1000s a run
        self._made: set[str] = set()  # subfolders known to exist

    @staticmethod
    def key(path: Path, data: bytes, *context: str) -> str:
        """The key of `path` holding `data`, checked under `context` (one string per setting)."""
        digest = hashlib.sha256()  # faster than blake2b where the CPU has SHA instructions
        for part in (__version__, path.as_posix(), *context):
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self._folder, key[:2], key + ".json")

    def get(self, key: str, path: Path) -> list[Diagnostic] | None:
        try:
            with open(self._entry(key), "rb") as handle:
                records = json.loads(handle.read())
            return [_load(record, path) for record in records]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or unreadable: recompute

    def put(self, key: str, diagnostics: Sequence[Diagnostic]) -> None:
        import tempfile  # only a run that computed something writes

        entry = self._entry(key)
        folder = os.path.dirname(entry)
        try:
            if folder not in self._made:
                os.makedirs(folder, exist_ok=True)
                self._ignore_in_git()
                self._made.add(folder)
            descriptor, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    json.dump([_dump(d) for d in diagnostics], handle)
                os.replace(temporary, entry)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return  # a read-only checkout still lints, just without a cache

    def _ignore_in_git(self) -> None:
        marker = self.directory.parent / ".gitignore"
        if not marker.exists():
            marker.write_text("# Created by ml-policy: its cache is not for version control.\n*\n")


def _dump(diagnostic: Diagnostic) -> dict[str, Any]:
    fix = diagnostic.fix
    return {
        "code": diagnostic.code,
        "message": diagnostic.message,
        "position": [
            diagnostic.line,
            diagnostic.column,
            diagnostic.end_line,
            diagnostic.end_column,
        ],
        "severity": diagnostic.severity.value,
        "cell": diagnostic.cell,
        "fix": None
        if fix is None
        else {
            "message": fix.message,
            "applicability": fix.applicability.value,
            "edits": [[e.content, e.line, e.column, e.end_line, e.end_column] for e in fix.edits],
        },
    }


def _load(record: dict[str, Any], path: Path) -> Diagnostic:
    line, column, end_line, end_column = record["position"]
    fix_record = record["fix"]
    fix = None
    if fix_record is not None:
        edits = tuple(Edit(*edit) for edit in fix_record["edits"])
        fix = Fix(fix_record["message"], edits, Applicability(fix_record["applicability"]))
    return Diagnostic(
        record["code"],
        record["message"],
        path,
        line,
        column,
        end_line,
        end_column,
        Severity(record["severity"]),
        fix,
        cell=record["cell"],
    )
