"""Lock files that git tracks: found with one `git ls-files` per repository, not per file.

A lock file counts for a manifest when it sits in the manifest's folder or a
folder above it, up to the repository root. Untracked lock files do not
count: CI and colleagues install from what is committed. Outside every git
repository (an unpacked sdist) nothing is tracked, and a lock file on disk
counts: whether it will be committed cannot be told.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ml_policy.confine import work_tree
from ml_policy.files import real_path

LOCK_NAMES = frozenset(
    {
        "uv.lock",
        "poetry.lock",
        "pdm.lock",
        "pipfile.lock",
        "pixi.lock",
        "conda-lock.yml",
        "pylock.toml",
    }
)
# Lock files that also lock a conda environment file.
CONDA_LOCKS = ("pixi.lock", "conda-lock.yml")
# Pathspecs handed to git so that it lists only candidate names.
GIT_PATTERNS = ("*.lock", "*conda-lock.yml", "*pylock.toml", "*pylock.*.toml")


def is_lock_file(name: str) -> bool:
    lower = name.lower()
    return (
        lower in LOCK_NAMES
        or lower.endswith(".conda-lock.yml")
        or (lower.startswith("pylock.") and lower.endswith(".toml"))
    )


def covers_conda(name: str) -> bool:
    return name.lower().endswith(CONDA_LOCKS)


@dataclass
class TrackedLocks:
    """The tracked lock files of each repository a run touches (listed once per repository)."""

    _by_root: dict[Path, dict[Path, tuple[str, ...]]] = field(default_factory=dict)
    _on_disk: dict[Path, tuple[str, ...]] = field(default_factory=dict)

    def lock_for(self, manifest: Path, conda: bool = False) -> Path | None:
        """The nearest tracked lock file in the manifest's folder or above (None if none)."""
        folder = real_path(manifest).parent
        root = work_tree(folder)
        if root is None:
            return self._lock_on_disk(folder, conda)
        locks = self._locks(root)
        for directory in (folder, *folder.parents):
            names = [n for n in locks.get(directory, ()) if not conda or covers_conda(n)]
            if names:
                return directory / sorted(names)[0]
            if directory == root:
                break
        return None

    def _lock_on_disk(self, folder: Path, conda: bool) -> Path | None:
        for directory in (folder, *folder.parents):
            if directory not in self._on_disk:
                self._on_disk[directory] = _lock_files_in(directory)
            names = [n for n in self._on_disk[directory] if not conda or covers_conda(n)]
            if names:
                return directory / sorted(names)[0]
        return None

    def _locks(self, root: Path) -> dict[Path, tuple[str, ...]]:
        cached = self._by_root.get(root)
        if cached is None:
            cached = self._by_root[root] = _list_locks(root)
        return cached


def _lock_files_in(folder: Path) -> tuple[str, ...]:
    try:
        with os.scandir(folder) as entries:
            return tuple(e.name for e in entries if is_lock_file(e.name) and e.is_file())
    except OSError:
        return ()


def _list_locks(root: Path) -> dict[Path, tuple[str, ...]]:
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--", *GIT_PATTERNS],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if result.returncode != 0:
        return {}
    found: dict[Path, list[str]] = {}
    for name in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
        relative = PurePosixPath(name)
        if name and is_lock_file(relative.name):
            found.setdefault(root / relative.parent, []).append(relative.name)
    return {folder: tuple(names) for folder, names in found.items()}
