"""What a build stage installs: Python packages (pip, uv, conda) and system packages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

from ml_policy.deps.commands.common import program_name
from ml_policy.deps.commands.installer_options import OPTIONS
from ml_policy.deps.commands.installers import install_call, parse_arguments, unwrap
from ml_policy.deps.packages import conda_to_pypi, normalize
from ml_policy.deps.shell import Command, Word
from ml_policy.images.dockerfile import Stage

# System package managers: program -> the subcommands that install.
SYSTEM_INSTALLERS = {
    "apt-get": ("install",),
    "apt": ("install",),
    "apk": ("add",),
    "yum": ("install",),
    "dnf": ("install",),
    "microdnf": ("install",),
}


@dataclass(frozen=True)
class PythonInstall:
    """One package argument of a pip/uv/conda install: its normalised name and spec."""

    name: str
    word: Word
    indexes: tuple[str, ...]  # the index URLs the same command is given
    command: int  # where the install command starts (its first word's offset)


def python_installs(stage: Stage) -> Iterator[PythonInstall]:
    """The literal package arguments of the stage's install commands (not `-r` files)."""
    for command in stage.commands:
        call = install_call(command)
        if call is None:
            continue
        installer, arguments = call
        packages, index_options = parse_arguments(arguments, OPTIONS[installer])
        indexes = tuple(value for _, value, _, _ in index_options)
        for word in packages:
            name = package_name(word.value, conda=installer == "conda")
            if word.literal and name is not None:
                yield PythonInstall(name, word, indexes, command[0].start)


def package_name(argument: str, *, conda: bool = False) -> str | None:
    """The normalised package name of an install argument; None for paths and URLs."""
    if conda:
        name = re.split(r"[=<>!~ \[]", argument.rsplit("::", maxsplit=1)[-1], maxsplit=1)[0]
        return conda_to_pypi(name) if name else None
    if "/" in argument or argument.startswith("."):
        return None  # a path, a URL, a VCS requirement without `name @`
    try:
        return normalize(Requirement(argument).name)
    except InvalidRequirement:
        return None


def system_installs(command: Command) -> list[Word]:
    """The package words of an apt-get/apk/yum/dnf install command (options dropped), read
    past keywords, assignments and wrappers (`then sudo DEBIAN_FRONTEND=... apt-get`)."""
    words = unwrap(command)
    if len(words) < 2 or program_name(words[0]) not in SYSTEM_INSTALLERS:
        return []
    program = program_name(words[0])
    rest: list[Word] = []
    takes_value = False
    for word in words[1:]:
        if takes_value:  # `apk add --virtual .build-deps`: the group's name
            takes_value = False
        elif word.value in ("-t", "--virtual", "-o", "-c"):
            takes_value = True
        elif not word.value.startswith("-"):
            rest.append(word)
    if not rest or rest[0].value not in SYSTEM_INSTALLERS[program]:
        return []
    return [word for word in rest[1:] if word.literal]
