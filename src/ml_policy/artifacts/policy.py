"""The artifact settings of one `[tool.ml-policy]` table, compiled once: which
limit applies to a path and whether the path must live in git-lfs.

Patterns are gitignore-style globs relative to the settings root (`*.pt`
matches at any depth, `models/**` under one folder). When several `limits`
patterns match a path, the last one written wins, as in `.gitattributes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ml_policy.config import ArtifactSettings

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

NOTEBOOK_SUFFIX = ".ipynb"
MAX_KB = "max-kb"  # the setting of the limit every file is held to by default
# `*` then a name's end with no wildcard, separator, escape or space: "*.pt", "*.tar.gz".
_SUFFIX_GLOB = re.compile(r"\*[^*?\[\]\\/!#\s]+")


@dataclass(frozen=True)
class Limit:
    """A size limit and the setting it comes from (named in messages)."""

    kb: int
    setting: str  # "max-kb", "notebook-max-kb" or 'limits "*.pt"'

    def exceeded_by(self, size: int) -> bool:
        return size > self.kb * 1024


class ArtifactPolicy:
    """Limits and git-lfs patterns for the paths below one settings root."""

    def __init__(self, artifacts: ArtifactSettings) -> None:
        self._artifacts = artifacts
        self._limit_patterns = tuple(artifacts.limits)
        self._limits = Globs(self._limit_patterns)
        self._lfs = Globs(artifacts.lfs)

    def limit(self, relative: str) -> Limit:
        """The size limit for a file (a POSIX path relative to the settings root)."""
        index = self._limits.last_match(relative)
        if index is not None:
            pattern = self._limit_patterns[index]
            return Limit(self._artifacts.limits[pattern], f'limits "{pattern}"')
        if relative.endswith(NOTEBOOK_SUFFIX):
            return Limit(self._artifacts.notebook_max_kb, "notebook-max-kb")
        return Limit(self._artifacts.max_kb, MAX_KB)

    def lfs_pattern(self, relative: str) -> str | None:
        """The `lfs` pattern that requires git-lfs for a file, if one does."""
        index = self._lfs.last_match(relative)
        return None if index is None else self._artifacts.lfs[index]


class Globs:
    """Gitignore-style patterns: the index of the one that decides a path, the last written.

    Bundles list weight formats as `*.<suffix>`, and each file of a repository is asked
    about every pattern: when all of them have that form, the answer is read from the
    ends of the path's segments (such a pattern matches a file or folder name at any
    depth, and a folder's match covers what is in it), without pathspec's regular
    expressions. Any other pattern (a folder, a negation, a wildcard inside) leaves every
    question to pathspec.
    """

    def __init__(self, patterns: tuple[str, ...]) -> None:
        simple = all(_SUFFIX_GLOB.fullmatch(pattern) for pattern in patterns)
        self._suffixes = tuple(pattern[1:] for pattern in patterns) if simple else None
        self._spec = None if simple else _spec(patterns)

    def last_match(self, relative: str) -> int | None:
        if self._suffixes is None:
            assert self._spec is not None  # noqa: S101 - one of the two is set
            result = self._spec.check_file(relative)
            return result.index if result.include else None
        segments = relative.split("/")
        if not any(segment.endswith(self._suffixes) for segment in segments):
            return None  # most files
        return max(
            n
            for n, suffix in enumerate(self._suffixes)
            if any(segment.endswith(suffix) for segment in segments)
        )


def policy_for(artifacts: ArtifactSettings) -> ArtifactPolicy:
    """The compiled policy, shared by every folder with the same artifact settings."""
    return _compiled(
        artifacts.max_kb,
        artifacts.lfs,
        tuple(artifacts.limits.items()),
        artifacts.notebook_max_kb,
        artifacts.allow_notebook_outputs,
    )


@cache
def _compiled(
    max_kb: int,
    lfs: tuple[str, ...],
    limits: tuple[tuple[str, int], ...],
    notebook_max_kb: int,
    allow_notebook_outputs: bool,
) -> ArtifactPolicy:
    return ArtifactPolicy(
        ArtifactSettings(max_kb, lfs, dict(limits), notebook_max_kb, allow_notebook_outputs)
    )


def _spec(patterns: tuple[str, ...]) -> GitIgnoreSpec:
    # Imported here: a run that checks no artifacts never needs pathspec.
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(patterns)
