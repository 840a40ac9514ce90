"""Apply the fixes of diagnostics to files (`--fix`, `--unsafe-fixes`, `--diff`).

Edits are applied per file from the end backwards; an edit overlapping one
already applied is skipped in that round. As in Ruff, the fixed text is then
linted again and the fixes found are applied, until none is left (at most
MAX_ROUNDS rounds), so one fix that also settles another finding, or two
fixes that overlap, end as Ruff's do; what remains is reported from the files
as written. Files keep their encoding, BOM and line endings; they are written
by apply.atomic (all checked before any is written).
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.diagnostics import Applicability, Diagnostic, Edit
from ml_policy.files import read_regular
from ml_policy.registry import PARSE_ERROR

if TYPE_CHECKING:
    from ml_policy.checkers import RunOptions
    from ml_policy.config import SettingsResolver

LINE_BREAK = re.compile(r"\r\n|\r|\n")
MAX_ROUNDS = 100  # Ruff's limit: fixes that keep producing fixes are a rule's bug


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

    def data(self) -> bytes:
        return self.after.encode(self.encoding)


@dataclass
class FixRun:
    """The files as the fixes leave them, how many findings the fixes settled, and warnings."""

    files: list[FixedFile] = field(default_factory=list)
    fixed: int = 0
    warnings: list[str] = field(default_factory=list)


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


def fix_until_stable(
    diagnostics: Sequence[Diagnostic], resolver: SettingsResolver, unsafe: bool
) -> FixRun:
    """Every file's text once no more fixes apply, as Ruff's `--fix` leaves it; writes nothing."""
    run = FixRun()
    by_path: dict[Path, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        if fixable(diagnostic, unsafe):
            by_path[diagnostic.path].append(diagnostic)
    for path, group in by_path.items():
        fixed, skipped = _fix_file(path, group)
        if fixed is None:
            continue
        settled, count = _settle(fixed, len(group) - len(skipped), resolver, unsafe, run.warnings)
        if settled is not None:
            run.files.append(settled)
            run.fixed += count
    return run


def _settle(
    fixed: FixedFile, count: int, resolver: SettingsResolver, unsafe: bool, warnings: list[str]
) -> tuple[FixedFile | None, int]:
    """Lint the fixed text again and apply what it finds, until nothing is left to fix."""
    text = fixed.after
    for _ in range(MAX_ROUNDS - 1):
        found = _relint(fixed.path, text, fixed.encoding, resolver)
        if found is None:
            warnings.append(
                f"{fixed.path}: the fixes would break the file (it no longer parses); "
                "left unchanged, please report it"
            )
            return None, 0
        due = [d for d in found if fixable(d, unsafe)]
        after, skipped = _apply(text, due)
        if after == text:
            return FixedFile(fixed.path, fixed.before, text, fixed.encoding), count
        text, count = after, count + len(due) - len(skipped)
    warnings.append(
        f"{fixed.path}: fixes did not settle after {MAX_ROUNDS} rounds; please report it"
    )
    return FixedFile(fixed.path, fixed.before, text, fixed.encoding), count


def _relint(
    path: Path, text: str, encoding: str, resolver: SettingsResolver
) -> list[Diagnostic] | None:
    """The lint findings in `text` as `path`'s content; None when it does not parse."""
    from ml_policy.lint.engine import lint_enabled
    from ml_policy.rules import ALL_RULES

    settings = resolver.for_path(path)
    rules = [rule for rule in ALL_RULES if settings.is_enabled(rule.code, path)]
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return None  # a fix added text the file's declared encoding cannot hold
    # Without the text pre-filter: the fixed text must parse even where no rule is left to
    # fire (the pre-filter would not parse such a file, and so not notice the damage).
    found = lint_enabled(path, data, settings, rules, prefilter=False)
    return None if any(d.code == PARSE_ERROR for d in found) else found


def _fix_file(
    path: Path, diagnostics: list[Diagnostic]
) -> tuple[FixedFile | None, list[Diagnostic]]:
    try:
        data = read_regular(path)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        before = data.decode(encoding)  # "utf-8-sig" drops a BOM here and writes it back
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None, diagnostics  # changed or gone since it was checked: nothing to fix
    text, skipped = _apply(before, diagnostics)
    changed = FixedFile(path, before, text, encoding) if text != before else None
    return changed, skipped


def _apply(before: str, diagnostics: list[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """`before` with the fixes applied, from the end; those skipped for overlapping.

    As in Ruff, an edit already applied (two findings sharing one fix) is not
    applied twice, and a fix whose every edit is applied counts as applied.
    """
    text, skipped, applied_end = before, [], None
    applied: set[Edit] = set()
    starts = _line_starts(before)
    for diagnostic in sorted(diagnostics, key=_first_edit, reverse=True):
        edits = [e for e in (diagnostic.fix.edits if diagnostic.fix else ()) if e not in applied]
        if not edits:
            continue
        spans = [
            (_offset(starts, e.line, e.column), _offset(starts, e.end_line, e.end_column), e)
            for e in edits
        ]
        if applied_end is not None and max(end for _, end, _ in spans) > applied_end:
            skipped.append(diagnostic)
            continue
        for start, end, edit in sorted(spans, key=lambda s: s[0], reverse=True):
            text = text[:start] + edit.content + text[end:]
        applied.update(edits)
        applied_end = min(start for start, _, _ in spans)
    return text, skipped


def remaining(
    diagnostics: Sequence[Diagnostic],
    written: Sequence[Path],
    resolver: SettingsResolver,
    families: Sequence[str] | None,
    options: RunOptions,
) -> list[Diagnostic]:
    """What is left after `written` were fixed, as a run over the files as written finds it.

    Positions move, and one fix may settle other findings (or the checkers of
    other families see new text), so fixed files are checked again, as Ruff
    reports them; the files no fix touched keep the findings already known.
    """
    if not written:
        return list(diagnostics)
    from ml_policy.checkers import run_all

    changed = set(written)
    again = run_all(written, resolver, families, options=options)
    kept = [d for d in diagnostics if d.path not in changed]
    return kept + [d for d in again if d.path in changed]


def summary(rendered: str, remaining: int, fixed: int) -> str:
    """Text output after `--fix`, with Ruff's count: `Found 3 errors (2 fixed, 1 remaining).`

    `rendered` is the text report of what remains; its own count line (the last
    one of that wording: a file name cannot forge it after it) is replaced.
    """
    total = fixed + remaining
    line = (
        f"Found {total} error{'' if total == 1 else 's'} ({fixed} fixed, {remaining} remaining).\n"
    )
    if not remaining:
        return line  # instead of "All checks passed!", as Ruff does
    count = f"Found {remaining} error{'' if remaining == 1 else 's'}.\n"
    head, found, tail = rendered.rpartition(count)
    return head + line + tail if found else rendered + line


def _first_edit(diagnostic: Diagnostic) -> tuple[int, int]:
    edits = diagnostic.fix.edits if diagnostic.fix else ()
    return min(((e.line, e.column) for e in edits), default=(0, 0))


def _line_starts(text: str) -> list[int]:
    """Offsets of line starts, with Python's line breaks only (not str.splitlines' \\f and co)."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


def _offset(starts: list[int], line: int, column: int) -> int:
    return starts[line - 1] + column - 1
