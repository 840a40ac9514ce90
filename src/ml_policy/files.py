"""Which files a run looks at: the paths given, folders expanded the way git sees them.

Inside a git work tree a folder expands to `git ls-files --cached --others
--exclude-standard` (tracked plus untracked-but-not-ignored: exactly what
.gitignore allows); elsewhere to a walk that skips the usual tool and
environment folders. `exclude` from the settings applies to every file,
named or found, so a pre-commit hook honours it too.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ml_policy.config import SettingsResolver
from ml_policy.errors import PolicyError

# Folders no policy check should descend into (Ruff skips the same kind).
SKIPPED_FOLDERS = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pytest_cache",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        "__pycache__",
        "__pypackages__",
        "_build",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)


class PathError(PolicyError):
    """A path given on the command line that does not exist."""


def discover(paths: Sequence[Path], resolver: SettingsResolver) -> list[Path]:
    """Every file to check under `paths`, each once, in a stable order."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            candidates: Iterator[Path] = _expand(path)
        elif path.exists() or path.is_symlink():
            # Not only regular files: each checker says why it cannot read a FIFO or a device.
            candidates = iter([path])
        else:
            raise PathError(f"{path}: no such file or directory")
        for candidate in candidates:
            if not resolver.for_path(candidate).is_excluded(candidate):
                found.setdefault(candidate, None)
    return list(found)


def open_regular(path: Path) -> BinaryIO:
    """A regular file (symlinks followed) opened for reading; OSError for anything else.

    Opened without blocking, so a FIFO named like a source file fails at once
    ("not a regular file") instead of waiting for a writer forever.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    handle = os.fdopen(descriptor, "rb")
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        handle.close()
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return handle


def real_path(path: Path) -> Path:
    """The absolute path with every symlink resolved, as far as it resolves.

    Path.resolve() raises RuntimeError on a symlink loop before Python 3.13;
    os.path.realpath stops at the loop instead.
    """
    return Path(os.path.realpath(path))


def _expand(folder: Path) -> Iterator[Path]:
    listed = _git_files(folder)
    if listed is None:
        yield from _walk(folder)
        return
    for name in listed:  # git lists what it tracks even inside tool folders
        if SKIPPED_FOLDERS.isdisjoint(name.split("/")[:-1]) and _is_file(folder, name):
            yield folder / name


def _is_file(folder: Path, name: str) -> bool:
    """Path.is_file() or is_symlink() in one lstat (a file deleted but still tracked: no)."""
    try:
        mode = os.lstat(os.path.join(folder, name)).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)


def _git_files(folder: Path) -> list[str] | None:
    """The files git would show under `folder` (relative, sorted), or None outside a work tree."""
    import subprocess  # only runs given a folder need it: not a hook call with file names

    try:
        result = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=folder,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    # In the order of sorted Paths, which compare part by part ("a/b" before "a-b").
    return sorted({name for name in names if name}, key=lambda name: name.split("/"))


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files and symlinks below `folder`, without the skipped folders, sorted per folder.

    os.scandir's entries know their type without a stat call (except for symlinks).
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    subfolders = []
    for entry in entries:
        if entry.is_symlink():
            if not _is_folder(entry):  # a link to a folder is neither walked nor listed
                yield folder / entry.name
        elif entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIPPED_FOLDERS:
                subfolders.append(entry.name)
        elif entry.is_file(follow_symlinks=False):
            yield folder / entry.name
    for name in subfolders:
        yield from _walk(folder / name)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether a symlink points to a folder; not for a loop, listed and then reported unreadable."""
    try:
        return entry.is_dir()
    except OSError:
        return False
