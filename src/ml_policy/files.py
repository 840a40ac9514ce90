"""Which files a run looks at: the paths given, folders expanded the way git sees them.

Inside a git work tree a folder expands to `git ls-files --cached --others
--exclude-standard` (tracked plus untracked-but-not-ignored: exactly what
.gitignore allows); elsewhere to a walk that skips the usual tool and
environment folders. `exclude` from the settings applies to every file,
named or found, so a pre-commit hook honours it too.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

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
        elif path.is_file() or path.is_symlink():
            candidates = iter([path])
        else:
            raise PathError(f"{path}: no such file or directory")
        for candidate in candidates:
            if not resolver.for_path(candidate).is_excluded(candidate):
                found.setdefault(candidate, None)
    return list(found)


def _expand(folder: Path) -> Iterator[Path]:
    listed = _git_files(folder)
    files = listed if listed is not None else _walk(folder)
    for file in files:
        inside = file.relative_to(folder).parts[:-1]
        if not SKIPPED_FOLDERS.intersection(inside) and (file.is_file() or file.is_symlink()):
            yield file


def _git_files(folder: Path) -> list[Path] | None:
    """The files git would show under `folder`, or None outside a work tree."""
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
    return sorted(folder / name for name in names if name)


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS)
        files.extend(Path(directory) / name for name in sorted(names))
    return files
