"""Apply the fixes of diagnostics to files (`--fix`, `--unsafe-fixes`, `--diff`).

Edits are applied per file from the end backwards; an edit overlapping one
already applied is skipped and its diagnostic stays reported. Files keep
their encoding, BOM and line endings, and are written atomically.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ml_policy.apply.atomic import write_atomic
from ml_policy.diagnostics import Applicability, Diagnostic

LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class FixedFile:
    path: Path
    before: str
    after: str
    encoding: str

    def diff(self) -> str:
        name = self.path.as_posix()
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                name,
                name,
            )
        )

    def write(self) -> None:
        write_atomic(self.path, self.after.encode(self.encoding))


def fixable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    if fix is None or not fix.edits or diagnostic.cell is not None:
        return False
    return fix.applicability is Applicability.SAFE or (
        unsafe and fix.applicability is Applicability.UNSAFE
    )


def plan_fixes(
    diagnostics: Sequence[Diagnostic], unsafe: bool
) -> tuple[list[FixedFile], list[Diagnostic]]:
    """The fixed files, and the diagnostics that remain (not fixable, or not applied)."""
    by_path: dict[Path, list[Diagnostic]] = defaultdict(list)
    remaining = []
    for diagnostic in diagnostics:
        if fixable(diagnostic, unsafe):
            by_path[diagnostic.path].append(diagnostic)
        else:
            remaining.append(diagnostic)
    fixed_files = []
    for path, group in by_path.items():
        fixed, skipped = _fix_file(path, group)
        remaining.extend(skipped)
        if fixed is not None:
            fixed_files.append(fixed)
    return fixed_files, remaining


def _fix_file(
    path: Path, diagnostics: list[Diagnostic]
) -> tuple[FixedFile | None, list[Diagnostic]]:
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    before = data.decode(encoding)  # "utf-8-sig" drops a BOM here and writes it back
    text, skipped, applied_end = before, [], None
    starts = _line_starts(before)
    for diagnostic in sorted(diagnostics, key=_first_edit, reverse=True):
        edits = diagnostic.fix.edits if diagnostic.fix else ()
        spans = [
            (_offset(starts, e.line, e.column), _offset(starts, e.end_line, e.end_column), e)
            for e in edits
        ]
        if applied_end is not None and max(end for _, end, _ in spans) > applied_end:
            skipped.append(diagnostic)
            continue
        for start, end, edit in sorted(spans, key=lambda s: s[0], reverse=True):
            text = text[:start] + edit.content + text[end:]
        applied_end = min(start for start, _, _ in spans)
    changed = FixedFile(path, before, text, encoding) if text != before else None
    return changed, skipped


def _first_edit(diagnostic: Diagnostic) -> tuple[int, int]:
    edits = diagnostic.fix.edits if diagnostic.fix else ()
    return min(((e.line, e.column) for e in edits), default=(0, 0))


def _line_starts(text: str) -> list[int]:
    """Offsets of line starts, with Python's line breaks only (not str.splitlines' \\f and co)."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


def _offset(starts: list[int], line: int, column: int) -> int:
    return starts[line - 1] + column - 1
