"""Paths that come from input or configuration stay inside the repository.

A requirements file may say `-r /home/runner/.netrc`; a pyproject may name a
baseline `../outside/file`. ml-policy runs on code from forks, so what it
reads or writes by such a name must resolve (symlinks followed) inside the
repository: the git work tree holding the file, or, outside git, the folder
the run started in (when the file is below it) or else the file's own folder.
"""

from __future__ import annotations

import os
from pathlib import Path


def repository_root(path: Path) -> Path:
    """The real folder that confines names found in `path` (a file or folder)."""
    start = Path(os.path.realpath(path))
    folder = start if start.is_dir() else start.parent
    found = work_tree(folder)
    if found is not None:
        return found
    cwd = Path(os.path.realpath(Path.cwd()))
    return cwd if is_inside(folder, cwd) else folder


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path` is `root` or below it, both with every symlink resolved."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def work_tree(folder: Path) -> Path | None:
    """The top of the git work tree holding `folder`: the nearest folder at or above it
    with a `.git` folder or file (a worktree's, a submodule's); None outside git.

    Lexical: `folder` is taken as given (callers resolve links where that matters).
    """
    for directory in (folder, *folder.parents):
        if (directory / ".git").exists():
            return directory
    return None
