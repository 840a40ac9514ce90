"""MLD006 and MLD004 for install commands: the command scanner's findings, classified.

`ml_policy.deps.commands` finds what `pip install`, `uv pip install`, `uv
add` and `conda install` are asked to install in Dockerfiles, shell scripts,
workflows and notebooks; this module decides which of those are unpinned
ML packages and which index options mix indexes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.deps.conda import conda_requirement
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.model import IndexSetting, Kind, Manifest, Pin, Position, Requirement
from ml_policy.deps.requirements import LogicalLine, requirement_from_text
from ml_policy.deps.rules.policy import Policy
from ml_policy.deps.torch_family import COMPANIONS

if TYPE_CHECKING:
    from ml_policy.deps.commands import CommandScan, IndexOption, InstallArg
    from ml_policy.textpos import Span

# Options (and the environment variables installers read) that mix indexes.
EXTRA_INDEX = frozenset({"--extra-index-url", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"})
STRATEGY = frozenset({"--index-strategy", "UV_INDEX_STRATEGY"})
UNSAFE_STRATEGY = "unsafe-best-match"
# `torch==$VERSION`, `torch==${TORCH}+cu121`, conda `pytorch=$V`, IPython `torch=={version}`.
TORCH_VARIABLE_PIN = re.compile(r"(py)?torch(\[[^\]]*\])?\s*={1,3}\s*[^\s,;<>!~=]*[$\{].*")


def command_manifest(path: Path, scan: CommandScan, policy: Policy) -> Manifest:
    """The ML packages a file's install commands install, and their index options."""
    installed = [(argument, install_requirement(path, argument)) for argument in scan.installs]
    pinning_torch = {_command(a) for a, r in installed if _pins_torch(a, r)}
    settings = (index_setting(path, option) for option in scan.index_options)
    return Manifest(
        path,
        Kind.COMMAND,
        tuple(
            r
            for a, r in installed
            if r is not None
            and r.name in policy.ml_packages
            and not (_command(a) in pinning_torch and _pinned_through_torch(r))
        ),
        tuple(s for s in settings if s is not None),
    )


def _command(argument: InstallArg) -> tuple[int | None, int]:
    return argument.cell, argument.command


def _pins_torch(argument: InstallArg, requirement: Requirement | None) -> bool:
    """An exact torch pin, or one whose version the shell or IPython fills in."""
    if requirement is not None:
        return requirement.name == "torch" and requirement.pin is Pin.EXACT
    return not argument.literal and bool(TORCH_VARIABLE_PIN.fullmatch(argument.requirement))


def _pinned_through_torch(requirement: Requirement) -> bool:
    """A torchvision or torchaudio from the index beside a torch pin: each of their releases
    requires one torch release, so the installer picks the one built for the pinned torch."""
    return (
        requirement.name in COMPANIONS
        and requirement.pin is not Pin.EXACT  # an exact one stays MLD005's to compare
        and "://" not in requirement.text  # a URL gives what it gives, whatever torch is
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
