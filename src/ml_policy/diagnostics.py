"""Diagnostic, Fix, Edit, Severity: the one currency every checker returns.

Lines and columns are 1-based; columns count characters (as Ruff's do), and
an end position points just past the last character of the finding.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from ml_policy import DOCS_URL
from ml_policy.redact import redact


class Severity(enum.Enum):
    """How a finding is shown by reporters that know levels (SARIF, GitHub)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Applicability(enum.Enum):
    """Ruff's fix applicability: safe fixes apply with --fix, unsafe ones need --unsafe-fixes."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Edit:
    """Replace the text between two 1-based positions with `content`."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Fix:
    """A change that resolves a diagnostic."""

    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact(self.message))


def rule_url(code: str) -> str:
    """Where a rule's documentation lives (what `ml-policy rule CODE` prints)."""
    return f"{DOCS_URL}/docs/rules/{code}.md"


@dataclass(frozen=True)
class Diagnostic:
    """One finding in one file."""

    code: str
    message: str
    path: Path
    line: int = 1
    column: int = 1
    # 0 means "the same as the start"; "" means "the rule's documentation".
    end_line: int = 0
    end_column: int = 0
    severity: Severity = Severity.ERROR
    fix: Fix | None = None
    url: str = ""
    cell: int | None = None  # notebooks: the 1-based cell; `line` is then the line in that cell

    def __post_init__(self) -> None:
        if self.line < 1 or self.column < 1:
            raise ValueError(f"positions are 1-based: {self.line}:{self.column}")
        # Messages quote user input; whatever holds a credential is masked here, once,
        # so no output format, cache entry or fix summary can carry it.
        object.__setattr__(self, "message", redact(self.message))
        if not self.end_line:
            object.__setattr__(self, "end_line", self.line)
        if not self.end_column:
            object.__setattr__(self, "end_column", self.column)
        if not self.url:
            object.__setattr__(self, "url", rule_url(self.code))

    def sort_key(self) -> tuple[str, int, int, int, str]:
        """Order of output: by file, then position, then code (as Ruff does)."""
        return (self.path.as_posix(), self.cell or 0, self.line, self.column, self.code)
