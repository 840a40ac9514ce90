"""Shell scripts: the whole file is shell text, unless its `#!` line names another language."""

from __future__ import annotations

from collections.abc import Iterator

from ml_policy.deps.commands.common import POSIX_SHELLS, basename
from ml_policy.deps.shell import Command, Comment, MappedText, split_commands


def script_commands(text: str, comments: list[Comment] | None) -> Iterator[Command]:
    if runs_posix_shell(text):
        yield from split_commands(MappedText.verbatim(text), comments=comments)


def runs_posix_shell(script: str) -> bool:
    """False when a `#!` line names another interpreter (python, fish, ...)."""
    if not script.startswith("#!"):
        return True
    words = script[2:].split("\n", 1)[0].split()
    if words and basename(words[0]) == "env":
        words = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    return bool(words) and basename(words[0]) in POSIX_SHELLS
