"""Jupyter notebooks as numbered cells: the one reader the lint, deps and artifacts checks share.

One reader means one wording for a broken notebook (it becomes MLE001 in every
family, and `ml-policy check` then reports it once) and one answer for old
formats: nbformat 3 kept its cells in `worksheets` and a code cell's text in
`input`. A notebook is read as the deps reader reads every manifest (no NUL
byte, UTF-8 with an optional BOM, line endings as Python reads them), so all
three families put the same error at the same place.

A cell that is not a cell (`null`, a number) or whose source is not text is an
error too, not a cell to skip: what Jupyter cannot read is not checked, and
says so. `SourceMap` finds where a cell's line sits in the notebook's JSON
text, for the formats that point into the file (SARIF, GitHub annotations).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ml_policy.textpos import LineIndex


class NotebookError(Exception):
    """A notebook that cannot be read: not JSON, nested too deep, no cells, or a broken cell.

    `line` and `column` are the position in the notebook's JSON text.
    """

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
    """Every cell of a notebook's JSON text, in order; NotebookError if any cell is broken."""
    text = notebook_text(data)
    raw = _raw_cells(_parse(text))
    problems = [(n, p) for n, (cell, _) in enumerate(raw, 1) if (p := _problem(cell)) is not None]
    if problems:
        raise _broken_cells(text, problems[0], len(problems) - 1)
    return [
        Cell(number, cell["cell_type"], _source(cell), _list(cell.get("outputs")))
        for number, (cell, _) in enumerate(raw, start=1)
    ]


def notebook_text(data: bytes | str) -> str:
    """The notebook's JSON text, decoded and checked as the deps manifest reader does it.

    The wording is that reader's, word for word: `ml-policy check` reports a
    finding two checkers share once, so both must say the same thing.
    """
    text = data if isinstance(data, str) else _decode(data)
    if "\r" not in text:  # the usual case: no copy
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    if b"\0" in data:
        raise NotebookError("not checked: a binary file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise NotebookError(f"not valid UTF-8: {error.reason}", line) from None


# Python's wording of these ends in "at", cut off before a position the finding carries.
_JSON_MESSAGES = {
    "Unterminated string starting at": "Unterminated string starting here",
    "Invalid control character at": "Invalid control character in a string",
    "Extra data": "Extra data after the notebook's JSON value",
}


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        problem = _JSON_MESSAGES.get(error.msg, error.msg)
        message = f"notebook is not valid JSON: {problem}; none of its cells were checked"
        raise NotebookError(message, error.lineno, error.colno) from None
    except RecursionError:
        raise NotebookError("notebook is not read: its JSON is nested too deep") from None


def _raw_cells(notebook: Any) -> list[tuple[Any, int]]:
    """Each cell value and where it starts in the text (0 unless read by `_located`)."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if isinstance(cells, list):
        return _items(cells)
    sheets = notebook.get("worksheets") if isinstance(notebook, dict) else None
    if isinstance(sheets, list):
        return [
            item
            for sheet in sheets
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
            for item in _items(sheet["cells"])
        ]
    raise NotebookError("notebook has no 'cells' list; none of it was checked")


def _items(values: list[Any]) -> list[tuple[Any, int]]:
    starts: list[int] = getattr(values, "starts", [0] * len(values))
    return list(zip(values, starts, strict=True))


def _problem(cell: Any) -> tuple[str, str | None] | None:
    """Why a cell cannot be read as nbformat describes it, and the key at fault; or None."""
    if not isinstance(cell, dict):
        return f"is {_kind(cell)}, not a cell object", None
    if "cell_type" not in cell:
        return "has no 'cell_type'", None
    if not isinstance(cell["cell_type"], str):
        return f"has a 'cell_type' that is {_kind(cell['cell_type'])}, not text", "cell_type"
    key = _source_key(cell)
    source = cell.get(key, "")
    if not isinstance(source, str) and not (
        isinstance(source, list) and all(isinstance(part, str) for part in source)
    ):
        return f"has a '{key}' that is {_kind(source)}, not text or a list of lines", key
    outputs = cell.get("outputs", [])
    if cell["cell_type"] == "code" and not isinstance(outputs, list):
        return f"has 'outputs' that are {_kind(outputs)}, not a list", "outputs"
    return None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        kinds = {_kind(item) for item in value if not isinstance(item, str)}
        return f"a list holding {min(kinds)}" if kinds else "a list"
    return {
        type(None): "null",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
    }.get(type(value), "an object")


def _broken_cells(text: str, first: tuple[int, tuple[str, str | None]], more: int) -> NotebookError:
    number, (problem, key) = first
    also = f" (and {more} more broken cell{'s' if more > 1 else ''})" if more else ""
    message = f"notebook cell {number} {problem}{also}; none of its cells were checked"
    return NotebookError(message, *LineIndex(text).position(_start(text, number, key)))


def _start(text: str, number: int, key: str | None) -> int:
    """Where cell `number` (or its value under `key`) starts in the text; 0 if unknown."""
    try:
        cell, start = _raw_cells(_located(text))[number - 1]
    except (RecursionError, NotebookError, ValueError):
        return 0
    return cell.starts.get(key, start) if isinstance(cell, _Object) and key else start


def _source_key(cell: dict[str, Any]) -> str:
    return "source" if "source" in cell or "input" not in cell else "input"


def _source(cell: dict[str, Any]) -> str:
    source = cell.get(_source_key(cell), "")
    return "".join(source) if isinstance(source, list) else str(source)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- where things are in the JSON text ---------------------------------------------


class _Array(list[Any]):
    """A JSON array and where each of its items starts in the text."""

    starts: list[int]


class _Object(dict[str, Any]):
    """A JSON object and where each of its values starts in the text."""

    starts: dict[str, int]


# What `_located` places: the cells (nbformat 4, or 3's worksheets) and each
# cell's source lines. A dict walks an object (its keys' values as given), a
# one-item list an array (each item as given); None reads a value whole.
_Want = dict[str, "_Want"] | list["_Want"] | None
_SOURCE: _Want = [None]
_CELLS: _Want = [{"source": _SOURCE, "input": _SOURCE}]
_NOTEBOOK: _Want = {"cells": _CELLS, "worksheets": [{"cells": _CELLS}]}
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _located(text: str) -> Any:
    """The notebook's JSON value, with where each cell and source line starts in `text`.

    Only the path down to the source lines is walked here; everything else
    (outputs, metadata: most of a notebook) is read whole by the C decoder.
    """
    try:
        value, end = _value(text, _skip(text, 0), _NOTEBOOK)
    except (json.JSONDecodeError, IndexError, RecursionError) as error:
        raise ValueError("notebook is not valid JSON") from error
    if _skip(text, end) != len(text):
        raise ValueError("notebook is not valid JSON")
    return value


def _value(text: str, at: int, want: _Want) -> tuple[Any, int]:
    if isinstance(want, dict) and text[at] == "{":
        return _object(text, at, want)
    if isinstance(want, list) and text[at] == "[":
        return _array(text, at, want[0])
    return _DECODER.raw_decode(text, at)


def _object(text: str, at: int, want: dict[str, _Want]) -> tuple[_Object, int]:
    found = _Object()
    found.starts = {}
    at = _skip(text, at + 1)
    if text[at] == "}":
        return found, at + 1
    while True:
        if text[at] != '"':
            raise json.JSONDecodeError("Expecting property name", text, at)
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if text[at] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        at = _skip(text, at + 1)
        found.starts[key] = at  # a repeated key keeps its last value, as in json.loads
        found[key], at = _value(text, at, want.get(key))
        at, closed = _next(text, at, "}")
        if closed:
            return found, at


def _array(text: str, at: int, want: _Want) -> tuple[_Array, int]:
    found = _Array()
    found.starts = []
    at = _skip(text, at + 1)
    if text[at] == "]":
        return found, at + 1
    while True:
        found.starts.append(at)
        item, at = _value(text, at, want)
        found.append(item)
        at, closed = _next(text, at, "]")
        if closed:
            return found, at


def _next(text: str, at: int, close: str) -> tuple[int, bool]:
    """Past the "," (and the space after it) or the closing bracket after a value; closed?"""
    at = _skip(text, at)
    if text[at] == ",":
        return _skip(text, at + 1), False
    if text[at] == close:
        return at + 1, True
    raise json.JSONDecodeError(f"Expecting ',' or '{close}'", text, at)


def _skip(text: str, at: int) -> int:
    match = _WHITESPACE.match(text, at)
    return at if match is None else match.end()


# Where str.splitlines() breaks lines: the lint rules count a cell's lines so.
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# One character of JSON string text: a surrogate pair, an escape, a plain character; or the end.
_ESCAPE = re.compile(r'\\u[dD][89abAB]..\\u[dD][c-fC-F]..|\\u....|\\.|[^\\"]|"', re.DOTALL)


@dataclass(frozen=True)
class _CellText:
    anchor: int  # where the cell (or its source) starts, for a cell with no text
    parts: list[tuple[int, int]]  # (offset in the cell's text, where its JSON string starts)
    text: str


class SourceMap:
    """Where the lines of each cell are in a notebook's JSON text.

    A finding in a notebook is placed by cell, line and column inside the
    cell; tools that open the file itself (GitHub code scanning, annotations)
    need the line and column of the `.ipynb` file: the JSON string that holds
    that line of the cell's source.
    """

    def __init__(self, data: bytes | str) -> None:
        """ValueError when the notebook cannot be read (it is then reported as MLE001)."""
        try:
            self._text = notebook_text(data)
            self._lines = LineIndex(self._text)
            cells = _raw_cells(_located(self._text))
        except (NotebookError, RecursionError) as error:
            raise ValueError(str(error)) from None
        self._cells = [_cell_text(cell, start) for cell, start in cells]

    def position(self, cell: int, line: int, column: int) -> tuple[int, int]:
        """File line and column of `line`:`column` (1-based) of cell `cell` (1-based)."""
        if not 0 < cell <= len(self._cells):
            return 1, 1
        found = self._cells[cell - 1]
        if not found.parts:
            return self._lines.position(found.anchor)
        starts = [0, *(m.end() for m in _LINE_BREAK.finditer(found.text))]
        offset = starts[min(max(line, 1), len(starts)) - 1] + max(column, 1) - 1
        offset = min(offset, len(found.text))
        index = max(bisect.bisect_right([p for p, _ in found.parts], offset) - 1, 0)
        part_offset, string_start = found.parts[index]
        raw = _raw_length(self._text, string_start + 1, offset - part_offset)
        return self._lines.position(string_start + 1 + raw)


def _cell_text(cell: Any, start: int) -> _CellText:
    if not isinstance(cell, _Object):
        return _CellText(start, [], "")
    key = _source_key(cell)
    source = cell.get(key)
    anchor = cell.starts.get(key, start)
    if isinstance(source, str):
        return _CellText(anchor, [(0, anchor)], source)
    if not isinstance(source, _Array):
        return _CellText(anchor, [], "")
    parts: list[tuple[int, int]] = []
    offset = 0
    for part, part_start in zip(source, source.starts, strict=True):
        if isinstance(part, str):
            parts.append((offset, part_start))
            offset += len(part)
    return _CellText(anchor, parts, "".join(p for p in source if isinstance(p, str)))


def _raw_length(text: str, at: int, characters: int) -> int:
    """How many characters of JSON string text from `at` spell `characters` characters."""
    raw = 0
    for match in _ESCAPE.finditer(text, at):
        if characters <= 0 or match.group() == '"':
            break
        raw += len(match.group())
        characters -= 1
    return raw
