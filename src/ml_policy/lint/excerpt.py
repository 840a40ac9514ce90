"""Give libcst only the part of a file where findings can be.

libcst costs about ten times the stdlib parse, and the files that reach it are mostly
large modules (a transformers model file of 2,500 lines) with one candidate in one class.
A rule whose verdicts are local says where its findings may be (`Rule.places`: nodes of
the stdlib tree). When every rule left for a file does, libcst parses the file with the
bodies of its top-level defs and classes that hold no place cut to `...`. Everything else
stays: the other top-level statements (imports, assignments, version guards, `if
__name__ == "__main__":` blocks), and every def's and class's header (decorators, name,
bases, parameters), so the module binds the same names to the same kinds of node and
each statement has the same neighbours.

Kept lines keep their columns and order (a cut body's `...` stands on its first line);
`Excerpt.file_line` maps a line of the excerpt back to the file. Where libcst cannot read
an excerpt, the engine parses the whole file.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable
from dataclasses import dataclass

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Excerpt:
    """The kept lines of a file, and where each kept run of lines starts in both."""

    text: str
    excerpt_starts: tuple[int, ...]  # the first line of each run, in the excerpt
    file_starts: tuple[int, ...]  # the same line, in the file
    cut: tuple[tuple[int, int], ...]  # the file's lines of each cut body (first, last)

    def file_line(self, line: int) -> int:
        """The file's line number of the excerpt's `line` (1-based, as libcst counts)."""
        run = max(bisect.bisect_right(self.excerpt_starts, line) - 1, 0)
        return self.file_starts[run] + line - self.excerpt_starts[run]

    def is_cut(self, node: ast.AST) -> bool:
        """Whether a node of the file's stdlib tree is in a cut body (libcst does not see it)."""
        line = getattr(node, "lineno", 0)
        return any(first <= line <= last for first, last in self.cut)


def excerpt(text: str, tree: ast.Module, places: Iterable[ast.AST]) -> Excerpt | None:
    """`text` with the bodies of its top-level defs and classes that hold no place cut to
    `...` (None: none to cut, or text whose line ends the stdlib parser counts differently
    from a split on `\\n`)."""
    if "\r" in text:
        return None  # a lone `\r` ends a line for the parser
    lines = text.split("\n")
    wanted = sorted({line for node in places if (line := getattr(node, "lineno", 0))})
    runs: list[tuple[int, list[str]]] = []  # (the file's line of the first, the lines)
    cut: list[tuple[int, int]] = []
    for start, end, definition in _blocks(tree):
        kept = lines[start - 1 : end]
        if definition is not None and not _holds(wanted, start, end):
            stub = _header(lines, start, definition)
            if stub is not None:
                kept = stub
                cut.append((start + len(stub) - 1, end))
        if runs and runs[-1][0] + len(runs[-1][1]) == start:
            runs[-1][1].extend(kept)  # runs on in the file: one run
        else:
            runs.append((start, kept))
    if not cut:
        return None
    excerpt_starts, line = [], 1
    for _, kept in runs:
        excerpt_starts.append(line)
        line += len(kept)
    text = "\n".join(line for _, kept in runs for line in kept) + "\n"
    return Excerpt(text, tuple(excerpt_starts), tuple(start for start, _ in runs), tuple(cut))


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _blocks(tree: ast.Module) -> list[tuple[int, int, Definition | None]]:
    """The top-level statements as runs of whole lines: (first line, last line, the def or
    class when the run is one). Statements that share a line (`a = 1; b = 2`) are one run."""
    blocks: list[tuple[int, int, Definition | None]] = []
    for statement in tree.body:
        start, end = _first_line(statement), statement.end_lineno or statement.lineno
        definition = statement if isinstance(statement, _DEFINITIONS) else None
        if blocks and start <= blocks[-1][1]:
            blocks[-1] = (blocks[-1][0], max(blocks[-1][1], end), None)
        else:
            blocks.append((start, end, definition))
    return blocks


def _first_line(statement: ast.stmt) -> int:
    """Where a statement starts: its first decorator, if any."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])


def _header(lines: list[str], start: int, definition: Definition) -> list[str] | None:
    """The def's or class's lines up to its body, and `...` indented as the body's first
    line, on that line (None: the body starts on the `def` or `class` line). Where the body
    starts on a line that ends the header (`): return x`), the cut header has no `:` and
    libcst cannot read the excerpt: the engine then parses the whole file."""
    body_line = _first_line(definition.body[0])
    if body_line <= definition.lineno:
        return None
    text = lines[body_line - 1]
    indent = text[: len(text) - len(text.lstrip())]
    return [*lines[start - 1 : body_line - 1], f"{indent}..."]


def _holds(wanted: list[int], start: int, end: int) -> bool:
    """Whether some wanted line is in `start..end`."""
    index = bisect.bisect_left(wanted, start)
    return index < len(wanted) and wanted[index] <= end
