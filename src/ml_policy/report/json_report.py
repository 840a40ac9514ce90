"""JSON output shaped like Ruff's `--output-format json`, so Ruff JSON tooling reads it.

Checked against ruff 0.17.6: same keys, alphabetical as Ruff writes them,
indented by two. Ruff's `name` key (the rule's kebab-case name) is left out
because a Diagnostic does not carry it. Notebook findings carry their `cell`
and a position inside that cell, as Ruff's do. A file name that is not UTF-8
is written `lossy`, as Ruff writes it, so the output is always valid JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml_policy.diagnostics import Applicability, Severity
from ml_policy.report import absolute_path, dump_json

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ml_policy.diagnostics import Diagnostic, Edit, Fix

JSONObject = dict[str, object]

# Ruff serialises its enums in lowercase without separators ("displayonly").
_APPLICABILITY = {
    Applicability.SAFE: "safe",
    Applicability.UNSAFE: "unsafe",
    Applicability.DISPLAY_ONLY: "displayonly",
}
# Ruff's own levels are info/warning/error/fatal.
_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "info",
}


def render(diagnostics: Sequence[Diagnostic], root: Path) -> str:
    """List one Ruff-shaped JSON object per finding; file names are absolute."""
    del root  # Ruff's `filename` is always absolute, so the root is not needed.
    objects = [_diagnostic(diagnostic) for diagnostic in diagnostics]
    return dump_json(objects) + "\n"


def _diagnostic(diagnostic: Diagnostic) -> JSONObject:
    return {
        "cell": diagnostic.cell,
        "code": diagnostic.code,
        "end_location": _location(diagnostic.end_line, diagnostic.end_column),
        "filename": str(absolute_path(diagnostic.path)),
        "fix": None if diagnostic.fix is None else _fix(diagnostic.fix),
        "location": _location(diagnostic.line, diagnostic.column),
        "message": diagnostic.message,
        "noqa_row": diagnostic.line,
        "severity": _SEVERITY[diagnostic.severity],
        "url": diagnostic.url,
    }


def _fix(fix: Fix) -> JSONObject:
    # Ruff lists edits in source order whatever order the rule built them in.
    edits = sorted(fix.edits, key=lambda edit: (edit.line, edit.column))
    return {
        "applicability": _APPLICABILITY[fix.applicability],
        "edits": [_edit(edit) for edit in edits],
        "message": fix.message,
    }


def _edit(edit: Edit) -> JSONObject:
    return {
        "content": edit.content,
        "end_location": _location(edit.end_line, edit.end_column),
        "location": _location(edit.line, edit.column),
    }


def _location(row: int, column: int) -> JSONObject:
    return {"column": column, "row": row}
