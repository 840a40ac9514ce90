"""A file the MLA rules judge, with what its settings say about it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ml_policy.artifacts.policy import NOTEBOOK_SUFFIX, Limit
from ml_policy.config import Settings

# Git LFS pointer files start with the spec's version line (the alpha spec
# had another URL) and git-lfs only takes blobs under 1024 bytes for pointers.
POINTER_PREFIXES = (
    b"version https://git-lfs.github.com/spec/v1\n",
    b"version https://hawser.github.com/spec/v1\n",
)
POINTER_MAX_BYTES = 1024


@dataclass(frozen=True)
class Artifact:
    """A regular file to judge, with what its settings say about it."""

    path: Path  # as given: what diagnostics name
    absolute: Path  # folder resolved: what git is asked about
    size: int
    relative: str  # to the settings root: what patterns match
    settings: Settings
    limit: Limit
    lfs_pattern: str | None  # the `lfs` pattern that requires git-lfs (MLA001 on)
    over_limit: bool  # and the rule reporting the size is on

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == NOTEBOOK_SUFFIX

    @property
    def needs_lfs_answer(self) -> bool:
        return self.lfs_pattern is not None or self.over_limit


def is_lfs_pointer(path: Path, size: int) -> bool:
    if size >= POINTER_MAX_BYTES:
        return False
    with path.open("rb") as file:
        return file.read(POINTER_MAX_BYTES).startswith(POINTER_PREFIXES)
