"""Offsets in a text as 1-based (line, column): lines split at `\\n`, columns in characters."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class Span:
    """Where something is written: from line and column to end line and end column (exclusive).

    In a notebook the lines are counted within cell `cell` (1-based among all cells).
    """

    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None = None


class LineIndex:
    """The line starts of one text, to place any number of its offsets."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(match.end() for match in NEWLINE.finditer(text))]

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of the character at `offset`."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, start: int, end: int) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of `text[start:end]`, the end exclusive."""
        line, column = self.position(start)
        end_line, end_column = self.position(end - 1)
        return line, column, end_line, end_column + 1
