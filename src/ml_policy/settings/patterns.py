"""Gitignore patterns (`exclude`, `per-file-ignores`, `lfs`, ...): compiling and checking them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ml_policy.settings.errors import quoted

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

# Gitignore patterns pathspec always accepts (checked over every short combination).
PLAIN_PATTERN = re.compile(r"[\w.* /-]*")


def gitignore(patterns: Sequence[str]) -> GitIgnoreSpec:
    """`patterns` compiled as one .gitignore would be."""
    # Only runs that filter paths need pathspec.
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(patterns)


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not a valid gitignore pattern, or None."""
    if PLAIN_PATTERN.fullmatch(pattern):
        return None  # always valid: no need to import pathspec (the bundles' patterns)
    try:
        gitignore([pattern])
    except ValueError:  # pathspec's GitIgnorePatternError, e.g. for "!" or a trailing "\\"
        return f"{quoted(pattern)} is not a valid gitignore pattern"
    return None
