"""The notebook reader every family shares: cells, old formats, and broken files."""

from __future__ import annotations

import json
import re

import pytest

from ml_policy.notebooks import NotebookError, SourceMap, read_cells


def test_cells_are_numbered_among_all_cells() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title"]},
            {"cell_type": "code", "source": ["import torch\n", "x = 1"], "outputs": [{"a": 1}]},
            {"cell_type": "code", "source": "y = 2"},
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
        # Read as the deps reader reads any manifest, in its words (one MLE001, not two).
        (b"\xff\xfe\x00", "a binary file", 1),
        (b'{"cells": [\n\xff\xfe{', "not valid UTF-8: invalid start byte", 2),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep", 1),
        (b'{"metadata": {}}', "no 'cells' list", 1),
        (b"[1, 2]", "no 'cells' list", 1),
    ],
)
def test_broken_notebooks_say_why_and_where(data: bytes, message: str, line: int) -> None:
    with pytest.raises(NotebookError, match=message) as raised:
        read_cells(data)
    assert raised.value.line == line


def test_json_errors_are_complete_sentences() -> None:
    # Python's own wording here ends in "starting at" / "at", cut off before a position.
    with pytest.raises(NotebookError) as raised:
        read_cells(b'{"cells": [{"source": "import os')
    assert str(raised.value) == (
        "notebook is not valid JSON: Unterminated string starting here;"
        " none of its cells were checked"
    )
    assert (raised.value.line, raised.value.column) == (1, 23)


def test_line_endings_count_as_python_and_the_deps_reader_count_them() -> None:
    for newline in (b"\n", b"\r\n", b"\r"):
        with pytest.raises(NotebookError) as raised:
            read_cells(newline.join([b"{", b' "cells": [', b"  x]}"]))
        assert (raised.value.line, raised.value.column) == (3, 3)


CELL = '{"cell_type": "code", "source": "import torch\\n", "outputs": []}'


@pytest.mark.parametrize(
    ("cell", "problem", "column"),
    [
        ("null", "notebook cell 2 is null, not a cell object", 3),
        ("5", "notebook cell 2 is a number, not a cell object", 3),
        ('"x = 1"', "notebook cell 2 is text, not a cell object", 3),
        ('{"source": "x"}', "notebook cell 2 has no 'cell_type'", 3),
        (
            '{"cell_type": 7, "source": "x"}',
            "notebook cell 2 has a 'cell_type' that is a number",
            17,
        ),
        (
            '{"cell_type": "code", "source": 5}',
            "notebook cell 2 has a 'source' that is a number, not text or a list of lines",
            35,
        ),
        ('{"cell_type": "code", "source": null}', "has a 'source' that is null", 35),
        ('{"cell_type": "code", "source": {"0": "x"}}', "has a 'source' that is an object", 35),
        ('{"cell_type": "code", "source": ["x", 1]}', "that is a list holding a number", 35),
        ('{"cell_type": "code", "input": 5}', "has a 'input' that is a number", 34),
        ('{"cell_type": "code", "source": "", "outputs": {}}', "'outputs' that are an object", 50),
    ],
)
def test_broken_cells_are_errors_with_their_cell_and_place(
    cell: str, problem: str, column: int
) -> None:
    """What Jupyter cannot read is not skipped: it hid code (or outputs) from every check."""
    text = '{"cells": [\n  ' + CELL + ",\n  " + cell + "\n]}"
    with pytest.raises(NotebookError, match=re.escape(problem)) as raised:
        read_cells(text.encode())
    assert str(raised.value).endswith("; none of its cells were checked")
    assert (raised.value.line, raised.value.column) == (3, column)


def test_several_broken_cells_are_counted() -> None:
    with pytest.raises(NotebookError) as raised:
        read_cells(b'{"cells": [null, 1, {"cell_type": "code", "source": 2}]}')
    assert str(raised.value) == (
        "notebook cell 1 is null, not a cell object (and 2 more broken cells);"
        " none of its cells were checked"
    )


def test_markdown_outputs_and_missing_sources_are_not_errors() -> None:
    cells = read_cells(
        b'{"cells": [{"cell_type": "markdown", "outputs": 1}, {"cell_type": "code"}]}'
    )
    assert [(c.kind, c.source, c.outputs) for c in cells] == [
        ("markdown", "", []),
        ("code", "", []),
    ]


# --- SourceMap: a cell's line in the .ipynb file ---------------------------------------

# As Jupyter writes a notebook: one JSON string per source line, indented by one.
NOTEBOOK = """\
{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": ["# Title"]
  },
  {
   "cell_type": "code",
   "execution_count": null,
   "metadata": {},
   "outputs": [],
   "source": [
    "import torch\\n",
    "name = \\"caf\\u00e9\\" + \\"\\\\t\\"  # \\ud83d\\ude00\\n",
    "x = 1"
   ]
  },
  {
   "cell_type": "code",
   "source": "a = 1\\nb = 2\\n"
  },
  {"cell_type": "code", "source": []}
 ]
}
"""


def text_at(line: int, column: int, length: int) -> str:
    return NOTEBOOK.splitlines()[line - 1][column - 1 : column - 1 + length]


def test_source_map_points_at_the_json_string_of_each_line() -> None:
    places = SourceMap(NOTEBOOK.encode())
    assert places.position(2, 1, 1) == (14, 6)
    assert text_at(*places.position(2, 1, 8), 5) == "torch"
    assert places.position(2, 3, 1) == (16, 6)
    assert text_at(*places.position(2, 3, 1), 5) == "x = 1"
    assert text_at(*places.position(1, 1, 3), 5) == "Title"


def test_source_map_counts_escapes_as_the_characters_they_spell() -> None:
    places = SourceMap(NOTEBOOK)
    cell_line = 'name = "café" + "\\t"  # \U0001f600'
    assert cell_line.index("é") == 11
    assert text_at(*places.position(2, 2, 12), 6) == "\\u00e9"
    assert text_at(*places.position(2, 2, 13), 2) == '\\"'
    assert text_at(*places.position(2, 2, cell_line.index("\\") + 1), 3) == "\\\\t"
    assert text_at(*places.position(2, 2, cell_line.index("\U0001f600") + 1), 12) == (
        "\\ud83d\\ude00"
    )


def test_source_map_for_a_source_string_an_empty_cell_and_out_of_range() -> None:
    places = SourceMap(NOTEBOOK)
    assert text_at(*places.position(3, 2, 1), 5) == "b = 2"
    assert places.position(3, 2, 1)[0] == 21
    assert text_at(*places.position(4, 1, 1), 2) == "[]"  # no text: the empty source
    assert places.position(9, 1, 1) == (1, 1)
    assert places.position(3, 99, 99)[0] == 21  # clamped to the cell's end


def test_source_map_of_a_broken_notebook_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        SourceMap(b'{"cells": [')
