"""What the command file readers share: the words that mark an install, shells, suppressions."""

from __future__ import annotations

from pathlib import Path

from ml_policy.deps.shell import Comment, Word
from ml_policy.suppress import Noqa, noqa
from ml_policy.textpos import LineIndex

# No install command can be written without one of these (`uv add`, `conda create`).
TRIGGERS = ("install", " add", "create")
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})


def basename(path: str) -> str:
    """The last part of a program's path: `/usr/bin/pip3` -> `pip3`."""
    return path.rsplit("/", 1)[-1]


def program_name(word: Word) -> str:
    """The program a command word runs, as installers and shells are named (`Pip.exe` -> `pip`)."""
    return basename(word.value).removesuffix(".exe").lower()


def suppressions_of(
    path: Path, comments: list[Comment], lines: LineIndex, cell: int | None
) -> tuple[Noqa, ...]:
    """The `# noqa` of each comment, over the lines it speaks for."""
    found = (
        noqa(path, c.text, lines.position(c.start)[0], lines.position(c.end)[0], cell)
        for c in comments
    )
    return tuple(item for item in found if item is not None)
