"""Output writers: one module per `--output-format`, imported only when used.

Every writer is a module with `render(diagnostics, root) -> str`. The text it
returns ends with a newline unless it is empty, so callers write it as is.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ml_policy.diagnostics import Diagnostic

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github", "junit")

# `json` would read like the standard library module, hence `json_report`.
_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}


def render(output_format: str, diagnostics: Sequence[Diagnostic], root: Path) -> str:
    """Render `diagnostics` in `output_format`, in Ruff's order (file, position, code).

    `root` is the project root: paths under it are shown relative to it.
    """
    if output_format not in FORMATS:
        choices = ", ".join(FORMATS)
        msg = f"unknown output format {output_format!r} (choose from {choices})"
        raise ValueError(msg)
    # Imported here so that `ml-policy --version` does not load every writer.
    module = importlib.import_module(f"{__name__}.{_MODULES[output_format]}")
    writer: Callable[[Sequence[Diagnostic], Path], str] = module.render
    return writer(sorted(diagnostics, key=lambda d: d.sort_key()), root)


def absolute_path(path: Path) -> Path:
    """`path` made absolute against the working directory, `..` folded.

    Lexical, like Ruff: symlinks are not followed, so a linked file inside
    the project is still shown where the user put it.
    """
    return Path(os.path.normpath(path.absolute()))


def relative_to_root(path: Path, root: Path) -> str | None:
    """`path` relative to `root` with POSIX separators, or None when outside it."""
    try:
        return absolute_path(path).relative_to(absolute_path(root)).as_posix()
    except ValueError:
        return None


def display_path(path: Path, root: Path) -> str:
    """Name a file as text, github and junit output do: relative under `root`.

    A file outside `root` is named as given.
    """
    relative = relative_to_root(path, root)
    return str(path) if relative is None else relative
