"""Inline suppression: Ruff's `# noqa` and `# noqa: MLD006, MLD004`, in every file kind.

One grammar and one filter for every checker. Each reader finds the real
comments of its file kind with that format's own rules (a `#` inside a quoted
string, a URL or a YAML value is not a comment) and hands them here as
`Noqa` records; the checker drops the findings they cover, once, before it
returns. The semantics are Ruff's: a comment on the line a finding starts on
suppresses it; a bare `# noqa` suppresses every code there; codes are
case-insensitive, separated by commas or spaces.

A finding that a backslash-continued line group holds (a Dockerfile `RUN`, a
shell command, a requirement with `--hash` lines) is also suppressed by a
comment at the end of the group's last line, as Ruff reads continuations in
Python: in shell, Dockerfile and pip syntax a `#` comment ends the logical
line, so the last line is the only place a comment can go without cutting
the command short. MLE001 (a file that was not checked) is never suppressed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ml_policy.diagnostics import Diagnostic

NOQA = re.compile(
    r"#\s*noqa(?P<colon>:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
ALL = frozenset({"*"})
# Findings that say a file was not checked: no comment may hide them.
UNSUPPRESSIBLE = ("MLE",)


def mentions_noqa(text: str) -> bool:
    """The cheap test every reader makes before looking for comments at all."""
    return "noqa" in text.lower()


def directive(comment: str) -> frozenset[str] | None:
    """The codes a comment's `# noqa` names ({"*"} for a bare one); None without a noqa."""
    if not mentions_noqa(comment):
        return None
    found: frozenset[str] = frozenset()
    matched = False
    for match in NOQA.finditer(comment):
        codes = match["codes"]
        if codes is None:
            return ALL
        matched = True
        found |= frozenset(re.split(r"[\s,]+", codes.upper()))
    return found if matched else None


@dataclass(frozen=True)
class Noqa:
    """The codes a comment suppresses on lines `first` to `last` of a file (or of a cell)."""

    path: Path
    first: int
    last: int
    codes: frozenset[str]
    cell: int | None = None  # notebooks: lines count within this cell

    def allows(self, code: str) -> bool:
        return self.codes is ALL or code in self.codes


def noqa(
    path: Path, comment: str, first: int, last: int = 0, cell: int | None = None
) -> Noqa | None:
    """The Noqa of one comment (covering `first`..`last`, or `first` alone); None if it has none."""
    codes = directive(comment)
    if codes is None:
        return None
    return Noqa(path, first, max(last, first), codes, cell)


def unsuppressed(diagnostics: Sequence[Diagnostic], comments: Iterable[Noqa]) -> list[Diagnostic]:
    """`diagnostics` without the ones a comment suppresses, in the same order."""
    # Indexed by line: a file may hold thousands of findings and of comments.
    by_line: dict[tuple[Path, int | None, int], list[Noqa]] = {}
    for comment in comments:
        for line in range(comment.first, comment.last + 1):
            by_line.setdefault((comment.path, comment.cell, line), []).append(comment)
    if not by_line:
        return list(diagnostics)
    return [d for d in diagnostics if not _suppressed(d, by_line)]


def _suppressed(
    diagnostic: Diagnostic, by_line: dict[tuple[Path, int | None, int], list[Noqa]]
) -> bool:
    if diagnostic.code.startswith(UNSUPPRESSIBLE):
        return False
    here = by_line.get((diagnostic.path, diagnostic.cell, diagnostic.line), ())
    return any(comment.allows(diagnostic.code) for comment in here)
