"""GitHub Actions workflow commands: annotations in Ruff's github format.

Values are escaped as GitHub's toolkit (`@actions/core`) escapes them, so a
message with a newline or a path with a comma cannot end the command early.
Other control characters (ESC: the log viewer renders colour sequences) are
first written out as `printable` escapes; CR and LF are left to the toolkit's
escaping, which GitHub undoes, so a file name with a newline still matches.
A notebook finding is annotated at its line in the `.ipynb` file (the JSON
string holding the cell's line); the message says `cell N:line:col` as text
output does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml_policy.diagnostics import Severity
from ml_policy.report import display_path, printable
from ml_policy.report.cells import FileRegions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ml_policy.diagnostics import Diagnostic

_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "notice",
}

_DATA_ESCAPES = {"%": "%25", "\r": "%0D", "\n": "%0A"}
# Properties are separated by "," and end at "::", so those characters go too.
_PROPERTY_ESCAPES = {**_DATA_ESCAPES, ":": "%3A", ",": "%2C"}
_DATA = str.maketrans(_DATA_ESCAPES)
_PROPERTY = str.maketrans(_PROPERTY_ESCAPES)


def render(diagnostics: Sequence[Diagnostic], root: Path) -> str:
    """Write `::level title=...,file=...::path:line:col: CODE message` per finding."""
    regions = FileRegions()
    return "".join(f"{_command(diagnostic, root, regions)}\n" for diagnostic in diagnostics)


def escape_data(value: str) -> str:
    """Escape a command's message as the toolkit's `escapeData` does."""
    # translate() replaces in one pass, so an inserted "%" is never escaped again.
    return value.translate(_DATA)


def escape_property(value: str) -> str:
    """Escape a command property's value as the toolkit's `escapeProperty` does."""
    return value.translate(_PROPERTY)


def _command(diagnostic: Diagnostic, root: Path, regions: FileRegions) -> str:
    path = printable(display_path(diagnostic.path, root), keep_lines=True)
    line, column, end_line, end_column = regions.region(diagnostic)
    properties = {
        "title": f"ml-policy ({diagnostic.code})",
        "file": path,
        "line": str(line),
        "col": str(column),
        "endLine": str(end_line),
        "endColumn": str(end_column),
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = escape_data(_text(diagnostic, path))
    return f"::{_LEVELS[diagnostic.severity]} {joined}::{message}"


def _text(diagnostic: Diagnostic, path: str) -> str:
    cell = f"cell {diagnostic.cell}:" if diagnostic.cell else ""
    position = f"{path}:{cell}{diagnostic.line}:{diagnostic.column}:"
    text = f"{position} {diagnostic.code} {printable(diagnostic.message, keep_lines=True)}"
    # Ruff adds the fix's title on a second line of the annotation.
    if diagnostic.fix is not None:
        text += f"\n  help: {printable(diagnostic.fix.message, keep_lines=True)}"
    return text
