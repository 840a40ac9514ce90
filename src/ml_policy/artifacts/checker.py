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
from dataclasses import dataclass
from pathlib import Path

from ml_policy.artifacts import messages
from ml_policy.artifacts.git import LfsAnswer, lfs_tracked
from ml_policy.artifacts.notebooks import NotebookError, cells_with_outputs
from ml_policy.artifacts.policy import MAX_KB, NOTEBOOK_SUFFIX, ArtifactPolicy, Limit, policy_for
from ml_policy.baseline.store import NAME as BASELINE_NAME
from ml_policy.checkers import RunOptions
from ml_policy.config import Settings, SettingsResolver
from ml_policy.deps.lockfiles import is_lock_file
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import read_regular
from ml_policy.suppress import noqa, unsuppressed

LARGE_ARTIFACT = "MLA001"
NOTEBOOK_OUTPUTS = "MLA002"
PARSE_ERROR = "MLE001"

# Git LFS pointer files start with the spec's version line (the alpha spec
# had another URL) and git-lfs only takes blobs under 1024 bytes for pointers.
POINTER_PREFIXES = (
    b"version https://git-lfs.github.com/spec/v1\n",
    b"version https://hawser.github.com/spec/v1\n",
)
POINTER_MAX_BYTES = 1024
# Past this a notebook is data, not code: say so rather than load it to look at outputs.
NOTEBOOK_MAX_BYTES = 64 * 1024 * 1024


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
    def size_code(self) -> str:
        return _size_code(self.path)

    @property
    def needs_lfs_answer(self) -> bool:
        return self.lfs_pattern is not None or self.over_limit


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
        return Diagnostic(PARSE_ERROR, f"cannot read: {error.strerror or error}", path)
    if not stat.S_ISREG(status.st_mode):
        return None
    folder, settings, root = folders.lookup(path)
    absolute = folder / path.name
    relative = _relative(absolute, root)
    policy: ArtifactPolicy = policy_for(settings.artifacts)
    limit = policy.limit(relative)
    lfs_on = settings.is_enabled(LARGE_ARTIFACT, path)
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
    return NOTEBOOK_OUTPUTS if path.suffix == NOTEBOOK_SUFFIX else LARGE_ARTIFACT


def _relative(absolute: Path, root: Path) -> str:
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:  # a file outside its settings root (given by an absolute path)
        return absolute.as_posix()


def _judge(artifact: Artifact, answer: LfsAnswer) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if artifact.needs_lfs_answer and not answer.tracked.get(artifact.absolute, False):
        found.extend(_storage_findings(artifact, answer))
    if artifact.is_notebook and _outputs_checked(artifact):
        found.extend(_output_findings(artifact, reported_size=bool(found)))
    return found


def _storage_findings(artifact: Artifact, answer: LfsAnswer) -> list[Diagnostic]:
    """For a file git-lfs does not track (or git could not say) that needs it or is too big."""
    path = artifact.path
    try:
        if _is_lfs_pointer(path, artifact.size):
            return []  # committed as a pointer already: the content lives in LFS
    except OSError as error:
        return [Diagnostic(PARSE_ERROR, f"cannot read: {error.strerror or error}", path)]
    failure = answer.failed.get(artifact.absolute)
    if failure is not None:
        return [Diagnostic(PARSE_ERROR, messages.not_checked(failure), path)]
    in_repository = artifact.absolute in answer.tracked
    if artifact.lfs_pattern is not None and in_repository:
        text = messages.lfs_required(artifact.size, artifact.lfs_pattern)
        return [Diagnostic(LARGE_ARTIFACT, text, path)]
    if artifact.over_limit:
        text = messages.too_large(artifact.size, artifact.limit, artifact.relative)
        return [Diagnostic(artifact.size_code, text, path)]
    return []  # outside every git repository: there is no git-lfs to require


def _outputs_checked(artifact: Artifact) -> bool:
    settings = artifact.settings
    return not settings.artifacts.allow_notebook_outputs and settings.is_enabled(
        NOTEBOOK_OUTPUTS, artifact.path
    )


def _output_findings(artifact: Artifact, reported_size: bool) -> list[Diagnostic]:
    path = artifact.path
    if artifact.size > NOTEBOOK_MAX_BYTES:
        # A size finding already says what is wrong; otherwise say what was not checked.
        text = messages.notebook_too_big_to_read(NOTEBOOK_MAX_BYTES)
        return [] if reported_size else [Diagnostic(PARSE_ERROR, text, path)]
    try:
        data = read_regular(path, NOTEBOOK_MAX_BYTES)
    except OSError as error:
        return [Diagnostic(PARSE_ERROR, f"cannot read: {error.strerror or error}", path)]
    if data.startswith(POINTER_PREFIXES):
        return []  # an LFS pointer, not the notebook: nothing to look at
    try:
        cells = cells_with_outputs(data)
    except NotebookError as error:
        return [Diagnostic(PARSE_ERROR, str(error), path, error.line, error.column)]
    found = [
        Diagnostic(NOTEBOOK_OUTPUTS, messages.cell_outputs(c.count, c.kinds), path, cell=c.cell)
        for c in cells
    ]
    comments = (noqa(path, c.first_line, 1, cell=c.cell) for c in cells if "#" in c.first_line)
    return unsuppressed(found, [c for c in comments if c is not None])


def _is_lfs_pointer(path: Path, size: int) -> bool:
    if size >= POINTER_MAX_BYTES:
        return False
    with path.open("rb") as file:
        return file.read(POINTER_MAX_BYTES).startswith(POINTER_PREFIXES)
