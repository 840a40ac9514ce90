"""The install arguments and index options of a command file, each at its position."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ml_policy.deps.commands.common import TRIGGERS, suppressions_of
from ml_policy.deps.commands.dockerfile import dockerfile_commands
from ml_policy.deps.commands.installer_options import OPTIONS
from ml_policy.deps.commands.installers import install_call, parse_arguments
from ml_policy.deps.commands.notebook import notebook_commands
from ml_policy.deps.commands.scripts import script_commands
from ml_policy.deps.commands.workflow import workflow_commands
from ml_policy.deps.manifests import command_kind
from ml_policy.deps.shell import Command, Comment
from ml_policy.suppress import Noqa, mentions_noqa
from ml_policy.textpos import LineIndex, Span


# The span comes first, the rest by keyword: `InstallArg(*span, cell, requirement=...)`.
@dataclass(frozen=True, kw_only=True)
class InstallArg(Span):
    """One package argument of an install command, shell-unquoted."""

    requirement: str
    installer: str  # "pip" | "uv-pip" | "uv-add" | "conda"
    literal: bool  # False when the shell expands it ($VAR, $(...), globs, ...) or a
    # requirements or constraints file given to the same command may pin it
    command: int = 0  # file offset of its command's first word: one command's arguments share it


@dataclass(frozen=True, kw_only=True)
class IndexOption(Span):
    """An index option of an install command: `--extra-index-url URL`, `--index-strategy S`."""

    option: str
    value: str


@dataclass(frozen=True)
class CommandScan:
    installs: tuple[InstallArg, ...]
    index_options: tuple[IndexOption, ...]
    # Suppression comments: in the shell text, and YAML ones on a workflow's `run:` value.
    noqa: tuple[Noqa, ...] = ()


EMPTY_SCAN = CommandScan((), ())


def scan_file(path: Path, text: str) -> CommandScan:
    """The install arguments and index options of every install command in a file.

    Raises ManifestError (with line and column) for malformed workflow YAML or
    notebook JSON; a broken shell command is skipped, not reported.
    """
    kind = command_kind(path)
    if kind is None or not any(trigger in text for trigger in TRIGGERS):
        return EMPTY_SCAN
    # Comments are only collected from files that mention noqa at all.
    wanted = mentions_noqa(text)
    if kind == "notebook":
        suppressions: list[Noqa] = []
        scan = _collect(notebook_commands(path, text, suppressions if wanted else None))
        return replace(scan, noqa=tuple(suppressions))
    lines = LineIndex(text)
    comments: list[Comment] | None = [] if wanted else None
    commands = _file_commands(kind, path, text, comments)
    scan = _collect((command, lines, None) for command in commands)
    return replace(scan, noqa=suppressions_of(path, comments or [], lines, None))


def _file_commands(
    kind: str, path: Path, text: str, comments: list[Comment] | None
) -> Iterator[Command]:
    if kind == "dockerfile":
        return dockerfile_commands(text, comments)
    if kind == "workflow":
        return workflow_commands(path, text, comments)
    return script_commands(text, comments)


def _collect(found: Iterator[tuple[Command, LineIndex, int | None]]) -> CommandScan:
    installs: dict[InstallArg, None] = {}  # dicts keep order and drop repeats (YAML aliases)
    index_options: dict[IndexOption, None] = {}
    for command, lines, cell in found:
        call = install_call(command)
        if call is None:
            continue
        installer, arguments = call
        packages, indexes = parse_arguments(arguments, OPTIONS[installer])
        for word in packages:
            span = lines.span(word.start, word.end)
            argument = InstallArg(
                *span,
                cell,
                requirement=word.value,
                installer=installer,
                literal=word.literal,
                command=command[0].start,
            )
            installs[argument] = None
        for option, value, start, end in indexes:
            span = lines.span(start, end)
            index_options[IndexOption(*span, cell, option=option, value=value)] = None
    return CommandScan(tuple(installs), tuple(index_options))
