"""Keys that follow a finding when its code moves, and change when its code changes.

A key is (file, code, fingerprint); the fingerprint hashes the code, the text
of the finding's line with its whitespace collapsed, and the message with its
numbers blanked (mypy's "defined on line 12" and Ruff's "(120 > 100)" would
otherwise change when an unrelated line is added above). Line numbers are
never part of a key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ml_policy.files import read_regular
from ml_policy.redact import redact

_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Finding:
    """One finding of any hook, as the baseline sees it."""

    path: str  # relative to the repository root, with forward slashes
    code: str  # "MLM001", or the tool's code behind its name: "ruff:E501", "mypy:arg-type"
    line: int = 0  # 1-based; 0: the whole file
    message: str = ""
    cell: int | None = None  # notebooks: `line` counts lines in this 1-based cell


Key = tuple[str, str, str]  # (path, code, fingerprint)


def fingerprint(code: str, line_text: str, message: str) -> str:
    line = " ".join(line_text.split())
    text = f"{code}\0{line}\0{_NUMBER.sub('#', redact(message))}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class SourceLines:
    """The text of findings' lines, each file read once (a file that cannot be read has none)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[tuple[str, int | None], list[str]] = {}

    def key(self, finding: Finding) -> Key:
        text = self.line(finding.path, finding.line, finding.cell)
        return (finding.path, finding.code, fingerprint(finding.code, text, finding.message))

    def line(self, path: str, number: int, cell: int | None = None) -> str:
        lines = self._files.get((path, cell))
        if lines is None:
            lines = self._files[(path, cell)] = self._read(path, cell)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def _read(self, path: str, cell: int | None) -> list[str]:
        try:
            data = read_regular(self.root / path)
        except (OSError, ValueError):
            return []
        if cell is not None:
            return _cell_lines(data, cell)
        return data.decode("utf-8", "replace").splitlines()


def _cell_lines(data: bytes, number: int) -> list[str]:
    from ml_policy.notebooks import NotebookError, read_cells

    try:
        cells = read_cells(data)
    except NotebookError:
        return []
    return cells[number - 1].source.splitlines() if 0 < number <= len(cells) else []
