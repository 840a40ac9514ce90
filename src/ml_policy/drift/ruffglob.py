"""Ruff's file patterns (`exclude`, `per-file-ignores`), matched the way Ruff 0.17 does.

A pattern is a glob anchored at the configuration's folder and matched against
a file's whole path, or against its name alone; `*` crosses folders (globset
without literal separators: "src/*" covers src/pkg/mod.py). An `exclude`
pattern also excludes everything below a folder it matches ("pkg" excludes
src/pkg/mod.py). tests/test_drift_traps.py checks these against the pinned Ruff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import PurePosixPath


def matches(pattern: str, relative: str) -> bool:
    """Whether `pattern` covers the file at `relative` (POSIX, from the config's folder)."""
    compiled = _compile(pattern.removeprefix("./"))
    return bool(compiled.fullmatch(relative) or compiled.fullmatch(PurePosixPath(relative).name))


def excluded(relative: str, patterns: Iterable[str]) -> bool:
    """Whether an `exclude` list covers `relative` or a folder above it."""
    parts = PurePosixPath(relative).parts
    paths = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(matches(pattern, path) for pattern in patterns for path in paths)


@cache
def _compile(pattern: str) -> re.Pattern[str]:
    expression = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            expression.append("(?:.*/)?")
            index += 3
            continue
        if char == "*":
            expression.append(".*")
        elif char == "?":
            expression.append(".")
        elif char == "[" and "]" in pattern[index + 1 :]:
            end = pattern.index("]", index + 1)
            body = pattern[index + 1 : end].replace("\\", "\\\\")
            expression.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
            index = end
        else:
            expression.append(re.escape(char))
        index += 1
    return re.compile("".join(expression))
