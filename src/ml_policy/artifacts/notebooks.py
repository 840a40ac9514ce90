"""The code cells of a Jupyter notebook that carry outputs (MLA002).

Outputs are what leak data (printed rows, plotted samples, tracebacks with
paths and tokens) and bloat diffs (base64 images). Execution counts alone are
not reported: they make diffs churn but carry no data, and stripping outputs
with nbstripout or `jupyter nbconvert --clear-output` clears them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ml_policy.notebooks import NotebookError, read_cells

__all__ = ["CellOutputs", "NotebookError", "cells_with_outputs"]


@dataclass(frozen=True)
class CellOutputs:
    """A code cell (1-based, counting every cell as Jupyter does) and what it outputs."""

    cell: int
    count: int
    kinds: tuple[str, ...]  # "stream", "error", or the MIME types of displayed data
    first_line: str = ""  # of the cell's source: where the finding is, so where a noqa goes


def cells_with_outputs(data: bytes) -> list[CellOutputs]:
    """Every code cell of a notebook's bytes whose `outputs` is not empty."""
    return [
        CellOutputs(
            cell.number, len(cell.outputs), _kinds(cell.outputs), cell.source.split("\n", 1)[0]
        )
        for cell in read_cells(data)
        if cell.kind == "code" and cell.outputs
    ]


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
