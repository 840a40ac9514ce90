"""Which commands install packages, and their package and index arguments.

The installs are `pip install`, `python -m pip install`, `uv pip install`,
`uv add` and `conda`/`mamba`/`micromamba` `install`/`create`. A command is
read past what may stand before its program (keywords, assignments,
wrappers such as `sudo` and `env`), then past the program's global options
to its subcommand; the words after the subcommand are its arguments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ml_policy.deps.commands.common import program_name
from ml_policy.deps.commands.installer_options import (
    CONDA,
    PIP,
    PYTHON_OPTIONS,
    UV_PIP,
    Options,
    split_option,
)
from ml_policy.deps.shell import Command, Word

PIP_PROGRAM = re.compile(r"pip(\d+(\.\d+)*)?")
PYTHON_PROGRAM = re.compile(r"python(\d+(\.\d+)*)?")
CONDA_PROGRAMS = frozenset({"conda", "mamba", "micromamba"})
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
# Words that may stand before the program in a simple command.
KEYWORDS = frozenset({"!", "{", "(", "if", "then", "else", "elif", "do", "while", "until"})


@dataclass(frozen=True)
class _Wrapper:
    """A program that runs the rest of its arguments as a command (`sudo`, `env`, ...)."""

    with_value: frozenset[str]
    assignments: bool = False  # `env X=1 cmd`
    positionals: int = 0  # `timeout 10m cmd`
    stop: frozenset[str] = frozenset()  # options after which no command runs (`command -v`)


WRAPPERS = {
    "sudo": _Wrapper(frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U"})),
    "env": _Wrapper(frozenset({"-u", "--unset", "-C", "--chdir"}), assignments=True),
    "nice": _Wrapper(frozenset({"-n", "--adjustment"})),
    "timeout": _Wrapper(frozenset({"-s", "--signal", "-k", "--kill-after"}), positionals=1),
    "time": _Wrapper(frozenset({"-f", "--format", "-o", "--output"})),
    "nohup": _Wrapper(frozenset()),
    "exec": _Wrapper(frozenset({"-a"})),
    "command": _Wrapper(frozenset(), stop=frozenset({"-v", "-V"})),
    "builtin": _Wrapper(frozenset()),
}


def install_call(command: Command) -> tuple[str, Sequence[Word]] | None:
    """(installer, arguments after the subcommand) when the command installs packages."""
    words = unwrap(command)
    if not words or not words[0].literal:
        return None
    program, arguments = program_name(words[0]), words[1:]
    if PIP_PROGRAM.fullmatch(program):
        return _subcommand(arguments, PIP, {"install": "pip"})
    if PYTHON_PROGRAM.fullmatch(program):
        return _python_module(arguments)
    if program == "uv":
        return _uv(arguments)
    if program in CONDA_PROGRAMS:
        return _conda(arguments)
    return None


def unwrap(words: Sequence[Word]) -> Sequence[Word]:
    """The words from the program that runs: past keywords, assignments and wrappers."""
    at = 0
    while at < len(words):
        word = words[at]
        if word.value in KEYWORDS or ASSIGNMENT.match(word.value):
            at += 1
            continue
        wrapper = WRAPPERS.get(program_name(word)) if word.literal else None
        if wrapper is None:
            return words[at:]
        skipped = _skip_wrapper(words, at + 1, wrapper)
        if skipped is None:
            return ()
        at = skipped
    return ()


def _skip_wrapper(words: Sequence[Word], at: int, wrapper: _Wrapper) -> int | None:
    """Index of the wrapped program, or None when the wrapper runs no command."""
    positionals = wrapper.positionals
    while at < len(words):
        value = words[at].value
        if value in wrapper.stop:
            return None
        if value == "--":
            return at + 1
        if value.startswith("-") and len(value) > 1:
            at += 2 if value in wrapper.with_value else 1
        elif wrapper.assignments and ASSIGNMENT.match(value):
            at += 1
        elif positionals:
            positionals -= 1
            at += 1
        else:
            return at
    return at


def _subcommand(
    words: Sequence[Word], options: Options, installers: dict[str, str]
) -> tuple[str, Sequence[Word]] | None:
    """Past the program's global options: (installer, arguments) for an install subcommand."""
    at = 0
    while at < len(words) and words[at].value.startswith("-"):
        name = words[at].value.partition("=")[0]
        takes_value = name in options.with_value and "=" not in words[at].value
        at += 2 if takes_value else 1
    if at >= len(words) or not words[at].literal:
        return None
    installer = installers.get(words[at].value)
    return (installer, words[at + 1 :]) if installer else None


def _python_module(words: Sequence[Word]) -> tuple[str, Sequence[Word]] | None:
    """`python [options] -m pip|uv ...`, options clustered or not (`-Im pip`, `-mpip`)."""
    at = 0
    while at < len(words) and words[at].value.startswith("-") and words[at].literal:
        option, attached = split_option(words[at].value, PYTHON_OPTIONS)
        if option == "-c" or option.startswith("--"):
            return None  # a program given as a string (Python, not a command), or --version
        if option == "-m":
            module = attached or (words[at + 1].value if at + 1 < len(words) else "")
            rest = words[at + (1 if attached else 2) :]
            if module == "pip":
                return _subcommand(rest, PIP, {"install": "pip"})
            return _uv(rest) if module == "uv" else None
        at += 2 if option in PYTHON_OPTIONS.with_value and attached is None else 1
    return None


def _uv(words: Sequence[Word]) -> tuple[str, Sequence[Word]] | None:
    found = _subcommand(words, UV_PIP, {"pip": "uv-pip", "add": "uv-add"})
    if found is None or found[0] == "uv-add":
        return found
    return _subcommand(found[1], UV_PIP, {"install": "uv-pip"})


def _conda(words: Sequence[Word]) -> tuple[str, Sequence[Word]] | None:
    found = _subcommand(words, CONDA, {"install": "conda", "create": "conda"})
    if found is not None:
        return found
    at = next((i for i, word in enumerate(words) if not word.value.startswith("-")), len(words))
    if at < len(words) and words[at].value == "run":  # `conda run -n env pip install ...`
        program = _skip_wrapper(words, at + 1, _Wrapper(CONDA.with_value | {"--cwd"}))
        return install_call(tuple(words[program:])) if program is not None else None
    return None


def parse_arguments(
    words: Sequence[Word], options: Options
) -> tuple[list[Word], list[tuple[str, str, int, int]]]:
    """Package words, and (option, value, start, end) of index options; other options skipped."""
    packages: list[Word] = []
    indexes: list[tuple[str, str, int, int]] = []
    constrained = False
    at = 0
    while at < len(words):
        word = words[at]
        value = word.value
        if value == "--":
            packages.extend(w for w in words[at + 1 :] if w.value)
            break
        if not value.startswith("-") or value == "-":
            if value:
                packages.append(word)
            at += 1
            continue
        option, attached = split_option(value, options)
        if option not in options.with_value:
            at += 1
            continue
        if attached is None:
            following = words[at + 1] if at + 1 < len(words) else None
            attached, end = (following.value, following.end) if following else ("", word.end)
            at += 1
        else:
            end = word.end
        if option in options.index:
            indexes.append((options.aliases.get(option, option), attached, word.start, end))
        constrained = constrained or option in options.pins
        at += 1
    if constrained:  # `pip install -c constraints.txt torch`: the file may pin any of them
        packages = [replace(word, literal=False) for word in packages]
    return packages, indexes
