"""Jupyter notebooks as numbered cells: the one reader the lint, deps and artifacts checks share.

One reader means one wording for a broken notebook (it becomes MLE001 in every
family, and `ml-policy check` then reports it once) and one answer for old
formats: nbformat 3 kept its cells in `worksheets` and a code cell's text in
`input`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class NotebookError(Exception):
    """A notebook that is not JSON, is nested too deeply to read, or has no cells."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = max(line, 1)
        self.column = max(column, 1)


@dataclass(frozen=True)
class Cell:
    """One cell; `number` counts every cell from 1, as Jupyter and Ruff do."""

    number: int
    kind: str  # "code", "markdown", "raw"
    source: str
    outputs: list[Any] = field(default_factory=list)


def read_cells(data: bytes | str) -> list[Cell]:
    """Every cell of a notebook's JSON text, in order."""
    try:
        notebook = json.loads(data)
    except json.JSONDecodeError as error:
        raise NotebookError(
            f"notebook is not valid JSON: {error.msg}", error.lineno, error.colno
        ) from None
    except UnicodeDecodeError as error:
        raise NotebookError(f"notebook is not valid JSON: {error}") from None
    except RecursionError:
        raise NotebookError("notebook is not read: its JSON is nested too deep") from None
    return [
        Cell(number, str(cell.get("cell_type", "")), _source(cell), _list(cell.get("outputs")))
        for number, cell in enumerate(_raw_cells(notebook), start=1)
        if isinstance(cell, dict)
    ]


def _raw_cells(notebook: Any) -> list[Any]:
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if isinstance(cells, list):
        return cells
    sheets = notebook.get("worksheets") if isinstance(notebook, dict) else None
    if isinstance(sheets, list):
        return [c for s in sheets if isinstance(s, dict) for c in _list(s.get("cells"))]
    raise NotebookError("notebook has no 'cells' list")


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", cell.get("input", ""))
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
