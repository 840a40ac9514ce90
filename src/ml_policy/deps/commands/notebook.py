"""Notebooks: shell commands in code cells (`!cmd`, `%pip ...`, `%%bash` cells).

Positions are within the cell; the cell is given as its 1-based index
among all cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ml_policy.deps.commands.common import TRIGGERS, suppressions_of
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.shell import Command, Comment, MappedText, split_commands
from ml_policy.notebooks import NotebookError, read_cells
from ml_policy.suppress import Noqa
from ml_policy.textpos import LineIndex

SHELL_MAGICS = frozenset({"pip", "conda", "mamba", "micromamba", "uv"})
SYSTEM_MAGICS = frozenset({"sx", "system"})
PYTHON_CELL_MAGICS = frozenset({"capture", "time", "timeit", "prun"})
MAGIC = re.compile(r"[ \t]*(%{1,2})([A-Za-z_]\w*)")


def notebook_commands(
    path: Path, text: str, suppressions: list[Noqa] | None
) -> Iterator[tuple[Command, LineIndex, int | None]]:
    """Each cell's commands; with `suppressions`, its `# noqa` comments are added to it."""
    for number, cell_text in _code_cells(path, text):
        if not any(trigger in cell_text for trigger in TRIGGERS):
            continue
        lines = LineIndex(cell_text)
        comments: list[Comment] | None = [] if suppressions is not None else None
        for script, ipython in _cell_scripts(cell_text):
            for command in split_commands(script, ipython=ipython, comments=comments):
                yield command, lines, number
        if suppressions is not None:
            suppressions.extend(suppressions_of(path, comments or [], lines, number))


def _code_cells(path: Path, text: str) -> list[tuple[int, str]]:
    """(1-based index among all cells, source) of each code cell."""
    try:
        cells = read_cells(text)
    except NotebookError as error:
        raise ManifestError(path, str(error), error.line, error.column) from None
    return [(cell.number, cell.source) for cell in cells if cell.kind == "code"]


def _cell_scripts(cell: str) -> Iterator[tuple[MappedText, bool]]:
    """Shell text in a cell: a `%%bash` body, or `!cmd` and `%pip ...` lines (IPython-expanded)."""
    first_end = cell.find("\n")
    first_end = len(cell) if first_end < 0 else first_end
    magic = MAGIC.match(cell)
    if magic and magic.group(1) == "%%":
        arguments = cell[magic.end() : first_end].split()
        name = magic.group(2)
        if name in ("bash", "sh") or (name == "script" and arguments[:1] in (["bash"], ["sh"])):
            yield MappedText.verbatim(cell[first_end + 1 :], first_end + 1), False
            return
        if name not in PYTHON_CELL_MAGICS:
            return  # %%writefile, %%html, ...: not commands
        yield from _magic_lines(cell, first_end + 1)
        return
    yield from _magic_lines(cell, 0)


def _magic_lines(cell: str, at: int) -> Iterator[tuple[MappedText, bool]]:
    while at < len(cell):
        end = _line_end(cell, at)
        command_start = _shell_escape(cell, at, end)
        if command_start is not None:
            while cell[command_start:end].rstrip("\r").endswith("\\") and end < len(cell):
                end = _line_end(cell, end + 1)  # IPython joins `\`-continued lines
            yield MappedText.verbatim(cell[command_start:end], command_start), True
        at = end + 1


def _line_end(cell: str, at: int) -> int:
    end = cell.find("\n", at)
    return len(cell) if end < 0 else end


def _shell_escape(cell: str, at: int, end: int) -> int | None:
    """Where the command of a `!cmd`, `%pip ...` or `%system cmd` line starts."""
    line = cell[at:end]
    stripped = line.lstrip(" \t")
    start = at + len(line) - len(stripped)
    if stripped.startswith("!"):
        return start + len(stripped) - len(stripped.lstrip("!"))
    magic = MAGIC.match(cell, start, end)
    if magic is None or magic.group(1) != "%":
        return None
    if magic.group(2) in SHELL_MAGICS:
        return start + 1  # `%pip install x` runs `pip install x`
    return magic.end() if magic.group(2) in SYSTEM_MAGICS else None
