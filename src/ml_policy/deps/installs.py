"""MLD006 and MLD004 for install commands: the command scanner's findings, classified.

`ml_policy.deps.commands` finds what `pip install`, `uv pip install`, `uv
add` and `conda install` are asked to install in Dockerfiles, shell scripts,
workflows and notebooks; this module decides which of those are unpinned
ML packages and which index options mix indexes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.deps.conda import conda_requirement
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.model import IndexSetting, Kind, Manifest, Position, Requirement
from ml_policy.deps.requirements import LogicalLine, requirement_from_text
from ml_policy.deps.rules.policy import Policy

if TYPE_CHECKING:
    from ml_policy.deps.commands import CommandScan, IndexOption, InstallArg
    from ml_policy.textpos import Span

# Options (and the environment variables installers read) that mix indexes.
EXTRA_INDEX = frozenset({"--extra-index-url", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"})
STRATEGY = frozenset({"--index-strategy", "UV_INDEX_STRATEGY"})
UNSAFE_STRATEGY = "unsafe-best-match"


def command_manifest(path: Path, scan: CommandScan, policy: Policy) -> Manifest:
    """The ML packages a file's install commands install, and their index options."""
    installed = (install_requirement(path, argument) for argument in scan.installs)
    settings = (index_setting(path, option) for option in scan.index_options)
    return Manifest(
        path,
        Kind.COMMAND,
        tuple(r for r in installed if r is not None and r.name in policy.ml_packages),
        tuple(s for s in settings if s is not None),
    )


def install_requirement(path: Path, argument: InstallArg) -> Requirement | None:
    """The classified requirement of one install argument; None when it cannot be told."""
    if not argument.literal:
        return None  # $VAR, $(...), globs: the shell decides what is installed
    text = argument.requirement.strip()
    position = _position(path, argument)
    if argument.installer == "conda":
        found = conda_requirement(path, text, argument.line, argument.column)
    else:
        try:
            found = requirement_from_text(text, path, LogicalLine(argument.line, text, text), False)
        except ManifestError:
            return None  # not a requirement (an option we do not know, a typo): stay silent
    if found is None:
        return None
    return replace(
        found,
        position=position,
        kind=Kind.COMMAND,
        section="an install command",
        installer=argument.installer,
    )


def index_setting(path: Path, option: IndexOption) -> IndexSetting | None:
    """The index option as an MLD004 setting, when it mixes indexes."""
    if option.option in EXTRA_INDEX:
        name = "--extra-index-url"
    elif option.option in STRATEGY and option.value == UNSAFE_STRATEGY:
        name = "index-strategy"
    else:
        return None
    where = _position(path, option)
    return IndexSetting(name, option.value, where)


def _position(path: Path, span: Span) -> Position:
    # A Diagnostic here spans one line: a span that wraps is cut at the start line.
    wraps = span.end_line != span.line or span.end_column <= span.column
    return Position.on_line(
        path, span.line, span.column, span.column + 1 if wraps else span.end_column, span.cell
    )
