"""The notebook reader every family shares: cells, old formats, and broken files."""

from __future__ import annotations

import json

import pytest

from ml_policy.notebooks import NotebookError, read_cells


def test_cells_are_numbered_among_all_cells() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title"]},
            {"cell_type": "code", "source": ["import torch\n", "x = 1"], "outputs": [{"a": 1}]},
            {"cell_type": "code", "source": "y = 2"},
            "not a cell",
        ]
    }
    cells = read_cells(json.dumps(notebook).encode())
    assert [(c.number, c.kind, c.source, len(c.outputs)) for c in cells] == [
        (1, "markdown", "# Title", 0),
        (2, "code", "import torch\nx = 1", 1),
        (3, "code", "y = 2", 0),
    ]


def test_nbformat_3_worksheets_and_input() -> None:
    notebook = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["!pip install x"]}]}]}
    [cell] = read_cells(json.dumps(notebook))
    assert (cell.number, cell.kind, cell.source) == (1, "code", "!pip install x")


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b'{"cells": [\n  {"cell_type": ', "not valid JSON", 2),
        (b"\xff\xfe\x00", "not valid JSON", 1),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep", 1),
        (b'{"metadata": {}}', "no 'cells' list", 1),
        (b"[1, 2]", "no 'cells' list", 1),
    ],
)
def test_broken_notebooks_say_why_and_where(data: bytes, message: str, line: int) -> None:
    with pytest.raises(NotebookError, match=message) as raised:
        read_cells(data)
    assert raised.value.line == line
