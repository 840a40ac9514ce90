"""The code cells of a Jupyter notebook that carry outputs (MLA002).

Outputs are what leak data (printed rows, plotted samples, tracebacks with
paths and tokens) and bloat diffs (base64 images). Execution counts alone are
not reported: they make diffs churn but carry no data, and stripping outputs
with nbstripout or `jupyter nbconvert --clear-output` clears them too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class NotebookError(Exception):
    """A notebook that is not valid JSON or has no cells (the lint engine's MLE001 wording)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class CellOutputs:
    """A code cell (1-based, counting every cell as Jupyter does) and what it outputs."""

    cell: int
    count: int
    kinds: tuple[str, ...]  # "stream", "error", or the MIME types of displayed data


def cells_with_outputs(data: bytes) -> list[CellOutputs]:
    """Every code cell of a notebook's bytes whose `outputs` is not empty."""
    try:
        notebook = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", 1)
        raise NotebookError(f"notebook is not valid JSON: {error}", line) from None
    except RecursionError:
        raise NotebookError("notebook is not read: its JSON is nested too deep") from None
    found: list[CellOutputs] = []
    for number, cell in enumerate(_cells(notebook), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs")
        if isinstance(outputs, list) and outputs:
            found.append(CellOutputs(number, len(outputs), _kinds(outputs)))
    return found


def _cells(notebook: Any) -> list[Any]:
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if isinstance(cells, list):
        return cells
    # nbformat 3 kept its cells in worksheets.
    sheets = notebook.get("worksheets") if isinstance(notebook, dict) else None
    if isinstance(sheets, list):
        return [c for s in sheets if isinstance(s, dict) for c in _list(s.get("cells"))]
    raise NotebookError("notebook has no 'cells' list")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _kinds(outputs: list[Any]) -> tuple[str, ...]:
    kinds: dict[str, None] = {}
    for output in outputs:
        if not isinstance(output, dict):
            continue
        data = output.get("data")
        if isinstance(data, dict) and data:
            kinds.update(dict.fromkeys(str(mime) for mime in data))
        else:
            kinds[str(output.get("output_type", "output"))] = None
    return tuple(kinds)
