"""Turn a file's bytes into the Python text the rules read, with a way back to real positions.

Python files are decoded as the interpreter would (PEP 263 coding cookie,
UTF-8 BOM). For notebooks, the code cells are joined into one module so that
imports in one cell resolve in the next; IPython magics and shell escapes
(`%pip`, `!ls`) become `pass`, and `%%bash`-style cells and the lines a magic
continues with a trailing backslash blank lines, so every line keeps its
number, and each line remembers its cell.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from ml_policy.errors import PolicyError
from ml_policy.notebooks import NotebookError, read_cells


class SourceError(PolicyError):
    """A file that cannot be turned into Python text; becomes an MLE001 finding."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Source:
    """Python text, and for notebooks the cell and cell line of each text line."""

    text: str
    cells: list[tuple[int, int]] = field(default_factory=list)  # text line - 1 -> (cell, line)

    def locate(self, line: int) -> tuple[int | None, int]:
        """(cell number or None, line within the cell or file) for a 1-based text line."""
        if not self.cells:
            return None, line
        cell, cell_line = self.cells[min(line, len(self.cells)) - 1]
        return cell, cell_line


def read_source(path: Path, data: bytes) -> Source:
    if path.suffix == ".ipynb":
        return notebook_source(data)
    return Source(decode_python(data))


def decode_python(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"cannot decode: {error}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        line = data.count(b"\n", 0, getattr(error, "start", 0)) + 1
        raise SourceError(f"cannot decode as {encoding}: {error}", line) from None
    return text  # a BOM makes detect_encoding answer "utf-8-sig", which drops it


MAGIC_PREFIXES = ("%", "!", "?")


def notebook_source(data: bytes) -> Source:
    try:
        cells = read_cells(data)
    except NotebookError as error:
        raise SourceError(str(error), error.line, error.column) from None
    lines: list[str] = []
    origin: list[tuple[int, int]] = []
    for cell in cells:
        if cell.kind != "code":
            continue
        for index, line in enumerate(_cell_lines(cell.source), start=1):
            lines.append(line)
            origin.append((cell.number, index))
    return Source("\n".join(lines) + "\n" if lines else "", origin)


def _cell_lines(source: str) -> list[str]:
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return [""] * len(lines)  # a cell magic: the body is not Python (or not run as such)
    converted: list[str] = []
    continued = False  # the line before was a magic or shell escape ending in `\`
    for line in lines:
        text = "" if continued else _without_magic(line)
        continued = (continued or text != line) and line.endswith("\\")
        converted.append(text)
    return converted


# IPython's `files = !ls`, `result = %timeit -o f()`: a name bound to a value we cannot know.
MAGIC_ASSIGNMENT = re.compile(r"\s*[A-Za-z_]\w*\s*=\s*(?=[!%])")


def _without_magic(line: str) -> str:
    """`pass` at the same indentation: a magic can be the only line of a block."""
    stripped = line.lstrip()
    if stripped.startswith(MAGIC_PREFIXES):
        return line[: len(line) - len(stripped)] + "pass"
    assignment = MAGIC_ASSIGNMENT.match(line)
    return assignment.group() + "None" if assignment else line
