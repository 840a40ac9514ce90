"""Where a notebook finding is in the `.ipynb` file itself, for the formats that open the file.

A notebook finding carries its cell and a position inside that cell (what
text and json show, as Ruff does). SARIF viewers and GitHub annotations show
the file: GitHub code scanning would mark the notebook's line 3 for a finding
on line 3 of cell 7. They get the line and column of the JSON string that
holds that line of the cell's source instead, found by reading the notebook
again (once per file, only for notebooks with findings in a cell).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml_policy.files import open_regular
from ml_policy.notebooks import SourceMap

if TYPE_CHECKING:
    from pathlib import Path

    from ml_policy.diagnostics import Diagnostic

Region = tuple[int, int, int, int]  # line, column, end line, end column: 1-based

# The largest notebook the artifacts checker reads; a bigger one has no cell findings.
MAX_BYTES = 64 * 1024 * 1024
# Where a notebook finding goes when its file cannot be read again: plainly a
# stand-in (Ruff uses 1:1 for every notebook finding in these formats).
UNKNOWN: Region = (1, 1, 1, 1)


class FileRegions:
    """The region of each finding in its file: as given, or mapped out of a notebook cell."""

    def __init__(self) -> None:
        self._maps: dict[Path, SourceMap | None] = {}

    def region(self, diagnostic: Diagnostic) -> Region:
        d = diagnostic
        if d.cell is None:
            return d.line, d.column, d.end_line, d.end_column
        places = self._map(d.path)
        if places is None:
            return UNKNOWN
        start = places.position(d.cell, d.line, d.column)
        end = places.position(d.cell, d.end_line, d.end_column)
        return (*start, *end)

    def _map(self, path: Path) -> SourceMap | None:
        if path not in self._maps:
            self._maps[path] = _read(path)
        return self._maps[path]


def _read(path: Path) -> SourceMap | None:
    try:
        with open_regular(path) as file:
            data = file.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES:
        return None
    try:
        return SourceMap(data)
    except ValueError:
        return None
