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
from ml_policy.deps.model import IndexSetting, Kind, Position, Requirement
from ml_policy.deps.requirements import LogicalLine, requirement_from_text
from ml_policy.deps.rules import (
    Policy,
    index_diagnostic,
    install_diagnostic,
    torch_family_diagnostics,
)
from ml_policy.diagnostics import Diagnostic

if TYPE_CHECKING:
    from ml_policy.deps.commands import CommandScan, IndexOption, InstallArg
    from ml_policy.textpos import Span

# Options (and the environment variables installers read) that mix indexes.
EXTRA_INDEX = frozenset({"--extra-index-url", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"})
STRATEGY = frozenset({"--index-strategy", "UV_INDEX_STRATEGY"})
UNSAFE_STRATEGY = "unsafe-best-match"


def scan_diagnostics(path: Path, scan: CommandScan, policy: Policy) -> list[Diagnostic]:
    """MLD006 for unpinned ML installs, MLD004 for index mixing, MLD005 across pinned installs."""
    found: list[Diagnostic] = []
    installed: list[Requirement] = []
    for argument in scan.installs:
        requirement = install_requirement(path, argument)
        if requirement is None or requirement.name not in policy.ml_packages:
            continue
        installed.append(requirement)
        diagnostic = install_diagnostic(requirement, argument.installer)
        found += [diagnostic] if diagnostic is not None else []
    for option in scan.index_options:
        setting = index_setting(path, option)
        found += [index_diagnostic(setting)] if setting is not None else []
    return found + torch_family_diagnostics(installed)


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
    return replace(found, position=position, kind=Kind.COMMAND, section="an install command")


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
    return Position(
        path, span.line, span.column, span.column + 1 if wraps else span.end_column, span.cell
    )
