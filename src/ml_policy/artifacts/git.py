"""Which files git-lfs tracks, asked of git itself: one `git check-attr` per repository.

Files are grouped by the repository that holds them (a walk up to the nearest
`.git`, cached per directory, then `git rev-parse --show-toplevel` once per
repository to let git have the last word), so nested repositories and
submodules are asked separately and a commit of a thousand files costs two
git processes, not a thousand.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

TIMEOUT_SECONDS = 60

# Git exports these to hooks so that git commands find the repository being
# committed to; they would point every repository we ask (a submodule, a
# nested checkout) at that one. Without them git finds each from its cwd.
REPOSITORY_VARIABLES = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX"}
)


class GitError(Exception):
    """Git could not answer (not installed, refused the repository, failed)."""


@dataclass
class LfsAnswer:
    """Per absolute file: whether git-lfs tracks it, or why git could not say.

    A file in neither mapping is outside every git repository.
    """

    tracked: dict[Path, bool] = field(default_factory=dict)
    failed: dict[Path, str] = field(default_factory=dict)


def lfs_tracked(files: Iterable[Path]) -> LfsAnswer:
    """Ask git whether each file (absolute, with resolved folders) has `filter=lfs`."""
    answer = LfsAnswer()
    for root, members in _by_repository(files).items():
        if isinstance(root, GitError):
            answer.failed.update(dict.fromkeys(members, str(root)))
            continue
        try:
            filters = check_attr_filter(root, [_relative(f, root) for f in members])
        except GitError as error:
            answer.failed.update(dict.fromkeys(members, str(error)))
            continue
        answer.tracked.update({f: filters.get(_relative(f, root)) == "lfs" for f in members})
    return answer


def check_attr_filter(root: Path, relative_paths: list[str]) -> dict[str, str]:
    """The `filter` attribute of each path (relative to `root`), in one git call."""
    stdin = b"".join(os.fsencode(p) + b"\0" for p in relative_paths)
    output = _git(root, ["check-attr", "-z", "--stdin", "filter"], stdin)
    fields = output.split(b"\0")
    # -z output: path NUL attribute NUL value NUL, for every path given.
    return {
        os.fsdecode(fields[i]): os.fsdecode(fields[i + 2]) for i in range(0, len(fields) - 2, 3)
    }


def _by_repository(files: Iterable[Path]) -> dict[Path | GitError, list[Path]]:
    candidates = _CandidateRoots()
    toplevels: dict[Path, Path | GitError] = {}
    groups: dict[Path | GitError, list[Path]] = {}
    for file in files:
        candidate = candidates.find(file.parent)
        if candidate is None:
            continue  # outside every repository
        if candidate not in toplevels:
            toplevels[candidate] = _toplevel(candidate)
        root = toplevels[candidate]
        if isinstance(root, Path) and not file.is_relative_to(root):
            continue  # git says the `.git` we found belongs to no work tree around the file
        groups.setdefault(root, []).append(file)
    return groups


class _CandidateRoots:
    """The nearest folder at or above a folder that holds a `.git` (a folder, or a
    file in worktrees and submodules), each folder looked at once per run."""

    def __init__(self) -> None:
        self._found: dict[Path, Path | None] = {}

    def find(self, folder: Path) -> Path | None:
        walked: list[Path] = []
        current = folder
        while current not in self._found:
            walked.append(current)
            if (current / ".git").exists():
                self._found[current] = current
                break
            if current.parent == current:
                self._found[current] = None
                break
            current = current.parent
        found = self._found[current]
        self._found.update(dict.fromkeys(walked, found))
        return found


def _toplevel(folder: Path) -> Path | GitError:
    try:
        output = _git(folder, ["rev-parse", "--show-toplevel"])
    except GitError as error:
        return error
    return Path(os.fsdecode(output.strip())).resolve()


def _relative(file: Path, root: Path) -> str:
    return file.relative_to(root).as_posix()


def _git(cwd: Path, arguments: list[str], stdin: bytes = b"") -> bytes:
    try:
        result = subprocess.run(
            ["git", *arguments],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            env=_environment(os.environ),
            check=False,
            timeout=TIMEOUT_SECONDS,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"git {arguments[0]} failed: {error}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[0] if message else f"exit status {result.returncode}"
        raise GitError(f"git {arguments[0]} failed in {cwd}: {detail}")
    return result.stdout


def _environment(environment: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in environment.items() if k not in REPOSITORY_VARIABLES}
