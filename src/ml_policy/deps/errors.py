"""ManifestError: a manifest that cannot be read, reported as a diagnostic, never a traceback."""

from __future__ import annotations

from pathlib import Path


class ManifestError(Exception):
    """A manifest (requirements file, TOML, YAML, notebook, ...) that cannot be read or parsed."""

    def __init__(self, path: Path, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path = path
        self.message = message
        self.line = max(line, 1)
        self.column = max(column, 1)
