"""MLE001 parse-error: a file that was not checked. Every family reports it, through `at`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ml_policy.diagnostics import Diagnostic
from ml_policy.rule import BaseRule


class ParseError(BaseRule):
    """
    ## What it does
    Reports a Python file or notebook that ml-policy could not check: a file
    that is not valid in its declared encoding, a notebook that is not valid
    JSON, a file that cannot be read, one larger than 20 MB, or a syntax error
    (with its line and column) in a file that an ML rule could fire on.

    The ML rules read a file's text before parsing it (their pre-filter: the API
    names a rule needs, a default that could be mutable, a class attribute that
    could hold a layer, ...), and a file that no enabled rule could fire on is
    not parsed at all. Its syntax errors are not MLE001: they are Ruff's to
    report (every bundle runs Ruff, which reports invalid syntax in every file
    whatever rules are selected). So `--select MLP001` reports syntax errors
    only in files that mention a DataLoader (and are not tests).

    The ML rules' stages have lower limits, in Python tokens (names, numbers,
    strings, comments, operators; a notebook's code cells): over 400,000 only
    their text pre-filter runs, over 100,000 nothing is parsed with libcst. A
    file over a limit that the earlier stages cannot clear is one MLE001 naming
    the rules that did not check it.

    The other families report here what they could not read: a manifest line
    that is not a valid requirement, a file the secrets scan could not open, a
    file whose size or git-lfs state git could not tell, a folder discovery
    could not look into, a nested pyproject.toml whose settings could not be
    used.

    ## Why is this bad?
    A file that was not checked would otherwise look clean. Every other file is
    still checked. MLE001 cannot be switched off with `select` or `ignore`; use
    `exclude` for files that are not meant to be Python.

    ## Example
    ```python
    loader = DataLoader(dataset, batch_size=32
    ```

    ## Use instead
    ```python
    loader = DataLoader(dataset, batch_size=32, num_workers=4)
    ```

    ## References
    - [Python: Syntax errors](https://docs.python.org/3/tutorial/errors.html#syntax-errors)
    """

    code = "MLE001"
    name = "parse-error"
    summary = "file that could not be read, decoded or parsed, so it was not checked"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(dataset, batch_size=32
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(dataset, batch_size=32, num_workers=4)
        """,
    )


def not_checked(
    message: str, path: Path, line: int = 1, column: int = 1, cell: int | None = None
) -> Diagnostic:
    """MLE001 at a position (clamped to 1: some parsers count from 0 or give none)."""
    return ParseError.at(message, path, max(line, 1), max(column, 1), cell=cell)


def unreadable(path: Path, error: OSError) -> Diagnostic:
    """MLE001 for a file the operating system would not let us read."""
    return not_checked(f"cannot read: {error.strerror or error}", path)
