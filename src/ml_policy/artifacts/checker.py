"""MLA001 and MLA002 over every file passed, whatever git's index says.

pre-commit-hooks' check-added-large-files only looks at files staged for
addition, so under `pre-commit run --all-files` (what CI runs) it passes every
file. This checker judges each file passed on its working-tree size instead,
with one `lstat` per file and at most one git call per repository, made only
for files whose verdict depends on git-lfs.

Skipped: files that no longer exist (deleted in the commit), symlinks (git
stores the link, a few bytes, not the target) and anything that is not a
regular file (a submodule is a commit id to git).

Only a notebook cell's outputs have a line a comment can stand on: the
cell's first, where `# noqa: MLA002` keeps that cell's outputs. A file's size
has none (per-file-ignores and `limits` say which files may be large).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from ml_policy.artifacts.artifact import Artifact
from ml_policy.artifacts.git import LfsAnswer, lfs_tracked
from ml_policy.artifacts.large_artifact import LargeArtifact
from ml_policy.artifacts.notebook_outputs import NotebookOutputs
from ml_policy.artifacts.policy import MAX_KB, NOTEBOOK_SUFFIX, ArtifactPolicy, Limit, policy_for
from ml_policy.baseline.store import NAME as BASELINE_NAME
from ml_policy.checkers import RunOptions
from ml_policy.config import Settings, SettingsResolver
from ml_policy.deps.lockfiles import is_lock_file
from ml_policy.diagnostics import Diagnostic
from ml_policy.parse_error import unreadable


def check(
    files: Sequence[Path], resolver: SettingsResolver, options: RunOptions
) -> list[Diagnostic]:
    """The MLA checker `ml-policy check` and `ml-policy artifacts` run."""
    del options  # nothing to cache or parallelise: the work is one stat per file
    found: list[Diagnostic] = []
    artifacts: list[Artifact] = []
    folders = _Folders(resolver)
    for path in files:
        item = _artifact(path, folders)
        if isinstance(item, Diagnostic):
            found.append(item)
        elif item is not None:
            artifacts.append(item)
    answer = lfs_tracked(a.absolute for a in artifacts if a.needs_lfs_answer)
    for artifact in artifacts:
        found.extend(_judge(artifact, answer))
    return found


class _Folders:
    """Settings and resolved location per folder, looked up once per run."""

    def __init__(self, resolver: SettingsResolver) -> None:
        self._resolver = resolver
        self._seen: dict[Path, tuple[Path, Settings, Path]] = {}

    def lookup(self, path: Path) -> tuple[Path, Settings, Path]:
        """(resolved folder, settings, resolved settings root) for a file."""
        folder = path.parent
        if folder not in self._seen:
            settings = self._resolver.for_path(path)
            self._seen[folder] = (folder.resolve(), settings, settings.root.resolve())
        return self._seen[folder]


def _artifact(path: Path, folders: _Folders) -> Artifact | Diagnostic | None:
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None  # deleted in this commit: nothing is added
    except OSError as error:
        return unreadable(path, error)
    if not stat.S_ISREG(status.st_mode):
        return None
    folder, settings, root = folders.lookup(path)
    absolute = folder / path.name
    relative = _relative(absolute, root)
    policy: ArtifactPolicy = policy_for(settings.artifacts)
    limit = policy.limit(relative)
    lfs_on = settings.is_enabled(LargeArtifact.code, path)
    size_rule_on = settings.is_enabled(_size_code(path), path)
    return Artifact(
        path=path,
        absolute=absolute,
        size=status.st_size,
        relative=relative,
        settings=settings,
        limit=limit,
        lfs_pattern=policy.lfs_pattern(relative) if lfs_on else None,
        over_limit=size_rule_on and limit.exceeded_by(status.st_size) and _sized(path, limit),
    )


def _sized(path: Path, limit: Limit) -> bool:
    """Whether the limit holds the file to a size: a lock file (uv.lock, poetry.lock, ...) is
    text MLD003 asks to commit and review, and so is ml-policy's own baseline (large on
    the day a big repository adopts it, smaller with every fix), so only a `limits`
    pattern naming them does."""
    reviewed_text = is_lock_file(path.name) or path.name == BASELINE_NAME
    return limit.setting != MAX_KB or not reviewed_text


def _size_code(path: Path) -> str:
    """Notebooks have their own size rule, beside their outputs."""
    return NotebookOutputs.code if path.suffix == NOTEBOOK_SUFFIX else LargeArtifact.code


def _relative(absolute: Path, root: Path) -> str:
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:  # a file outside its settings root (given by an absolute path)
        return absolute.as_posix()


def _judge(artifact: Artifact, answer: LfsAnswer) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if artifact.needs_lfs_answer and not answer.tracked.get(artifact.absolute, False):
        found.extend(LargeArtifact.check(artifact, answer))
    if artifact.is_notebook and _outputs_checked(artifact):
        found.extend(NotebookOutputs.check(artifact, reported_size=bool(found)))
    return found


def _outputs_checked(artifact: Artifact) -> bool:
    settings = artifact.settings
    return not settings.artifacts.allow_notebook_outputs and settings.is_enabled(
        NotebookOutputs.code, artifact.path
    )
