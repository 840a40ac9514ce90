"""Package installs in install commands: Dockerfiles, shell scripts, CI workflows, notebooks.

The MLD006 (unpinned-install-command) and MLD004 (extra-index-url) rules
read what `pip install`, `python -m pip install`, `uv pip install`, `uv add`
and `conda`/`mamba`/`micromamba` `install`/`create` are asked to install, and
the index options they are given. Each file kind is read with its real
syntax (Dockerfile instructions, YAML, notebook JSON) down to POSIX shell
text, which `ml_policy.deps.shell` splits into commands and words.

Positions are 1-based, counted in characters, lines split at `\\n`; a
word's span starts at its first character, the opening quote when it is
quoted, and ends just past its last (the closing quote). An index option's
span covers the option and its value. Notebook positions are within the
cell (`cell` is the cell's 1-based index among all cells).
Precision first: arguments the shell expands are returned with
`literal=False`, and text that cannot be placed exactly is left out.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml_policy.deps.errors import ManifestError
from ml_policy.deps.shell import Command, Comment, MappedText, Word, split_commands
from ml_policy.notebooks import NotebookError, read_cells
from ml_policy.suppress import Noqa, mentions_noqa, noqa

if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node


@dataclass(frozen=True)
class InstallArg:
    """One package argument of an install command, shell-unquoted."""

    requirement: str
    installer: str  # "pip" | "uv-pip" | "uv-add" | "conda"
    literal: bool  # False when the shell expands it ($VAR, $(...), globs, ...) or a
    # requirements or constraints file given to the same command may pin it
    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None = None


@dataclass(frozen=True)
class IndexOption:
    """An index option of an install command: `--extra-index-url URL`, `--index-strategy S`."""

    option: str
    value: str
    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None = None


@dataclass(frozen=True)
class CommandScan:
    installs: tuple[InstallArg, ...]
    index_options: tuple[IndexOption, ...]
    # Suppression comments: in the shell text, and YAML ones on a workflow's `run:` value.
    noqa: tuple[Noqa, ...] = ()


EMPTY_SCAN = CommandScan((), ())
# No install command can be written without one of these (`uv add`, `conda create`).
TRIGGERS = ("install", " add", "create")
DOCKERFILE_NAME = re.compile(r"(dockerfile|containerfile)([.-].*)?|.*\.dockerfile")
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})


# --- file kinds -------------------------------------------------------------------------


def is_command_file(path: Path) -> bool:
    """Dockerfiles, Containerfiles, shell scripts, GitHub workflows and notebooks."""
    return _kind(path) is not None


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if DOCKERFILE_NAME.fullmatch(name) and not name.endswith(".dockerignore"):
        return "dockerfile"  # (`Dockerfile.dockerignore` is BuildKit's ignore file for it)
    if name.endswith((".sh", ".bash")):
        return "script"
    if name.endswith(".ipynb"):
        return "notebook"
    is_workflow_dir = path.parent.name == "workflows" and path.parent.parent.name == ".github"
    if is_workflow_dir and name.endswith((".yml", ".yaml")):
        return "workflow"
    return None


def scan_file(path: Path, text: str) -> CommandScan:
    """The install arguments and index options of every install command in a file.

    Raises ManifestError (with line and column) for malformed workflow YAML or
    notebook JSON; a broken shell command is skipped, not reported.
    """
    kind = _kind(path)
    if kind is None or not any(trigger in text for trigger in TRIGGERS):
        return EMPTY_SCAN
    # Comments are only collected from files that mention noqa at all.
    wanted = mentions_noqa(text)
    if kind == "notebook":
        suppressions: list[Noqa] = []
        scan = _collect(_notebook_commands(path, text, suppressions if wanted else None))
        return replace(scan, noqa=tuple(suppressions))
    lines = _Lines(text)
    comments: list[Comment] | None = [] if wanted else None
    commands = _file_commands(kind, path, text, comments)
    scan = _collect((command, lines, None) for command in commands)
    return replace(scan, noqa=_noqa(path, comments or [], lines, None))


def _file_commands(
    kind: str, path: Path, text: str, comments: list[Comment] | None
) -> Iterator[Command]:
    if kind == "dockerfile":
        return _dockerfile_commands(text, comments)
    if kind == "workflow":
        return _workflow_commands(path, text, comments)
    return _script_commands(text, comments)


def _noqa(path: Path, comments: list[Comment], lines: _Lines, cell: int | None) -> tuple[Noqa, ...]:
    """The `# noqa` of each comment, over the lines it speaks for."""
    found = (
        noqa(path, c.text, lines.position(c.start)[0], lines.position(c.end)[0], cell)
        for c in comments
    )
    return tuple(item for item in found if item is not None)


# --- positions ----------------------------------------------------------------------------


class _Lines:
    """Offsets of a text to (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, start: int, end: int) -> tuple[int, int, int, int]:
        line, column = self.position(start)
        end_line, end_column = self.position(end - 1)
        return line, column, end_line, end_column + 1


def _collect(found: Iterator[tuple[Command, _Lines, int | None]]) -> CommandScan:
    installs: dict[InstallArg, None] = {}  # dicts keep order and drop repeats (YAML aliases)
    index_options: dict[IndexOption, None] = {}
    for command, lines, cell in found:
        call = _install_call(command)
        if call is None:
            continue
        installer, arguments = call
        packages, indexes = _parse_arguments(arguments, OPTIONS[installer])
        for word in packages:
            span = lines.span(word.start, word.end)
            installs[InstallArg(word.value, installer, word.literal, *span, cell)] = None
        for option, value, start, end in indexes:
            index_options[IndexOption(option, value, *lines.span(start, end), cell)] = None
    return CommandScan(tuple(installs), tuple(index_options))


# --- recognising install commands ---------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    """How an installer reads its arguments."""

    with_value: frozenset[str]  # options that take a value (`-r FILE`, `--index-url=URL`)
    index: frozenset[str] = frozenset()  # the value-taking options to report as IndexOption
    abbreviations: bool = False  # optparse (pip) accepts any unique prefix of a long option
    aliases: Mapping[str, str] = field(default_factory=dict)  # reported by their usual name
    pins: frozenset[str] = frozenset()  # options naming a file that may pin any package


def _options(
    with_value: str,
    index: str = "",
    *,
    abbreviations: bool = False,
    aliases: Mapping[str, str] | None = None,
    pins: str = "",
) -> _Options:
    """Options from space-separated lists (as `--help` prints them)."""
    return _Options(
        frozenset(with_value.split()),
        frozenset(index.split()),
        abbreviations,
        aliases or {},
        frozenset(pins.split()),
    )


# From `pip install --help` (pip's optparse table), `uv pip install --help`,
# `uv add --help` (uv 0.13, plus its hidden pip-compatible aliases) and conda's
# documentation. Unknown options count as flags: the installer rejects them.
PIP_INDEX = "-i --index-url --extra-index-url -f --find-links"
PIP_GENERAL = (
    "--python --log --log-file --local-log --keyring-provider --proxy --retries --timeout"
    " --default-timeout --exists-action --trusted-host --cert --client-cert --cache-dir"
    " --use-feature --use-deprecated --resume-retries"
)
PIP = _options(
    PIP_GENERAL + " " + PIP_INDEX + " -r --requirement -c --constraint -e --editable -t --target"
    " --platform --python-version --implementation --abi --root --prefix --src --source"
    " --source-dir --source-directory --upgrade-strategy -C --config-settings --global-option"
    " --install-option --build-option --no-binary --only-binary --progress-bar"
    " --root-user-action --report --pypi-url --group --build-constraint --uploaded-prior-to",
    PIP_INDEX + " --pypi-url",
    abbreviations=True,
    aliases={"--pypi-url": "--index-url"},
    pins="-r --requirement -c --constraint",
)
# pip's flags, so that an abbreviation is only resolved when it is unique.
PIP_FLAGS = (  # noqa: SIM905 - one string reads as `pip install --help` does
    "--no-deps --no-dependencies --pre --dry-run --user --no-user --upgrade --force-reinstall"
    " --ignore-installed --ignore-requires-python --no-build-isolation --use-pep517"
    " --no-use-pep517 --check-build-dependencies --break-system-packages --compile"
    " --no-compile --no-warn-script-location --no-warn-conflicts --prefer-binary"
    " --require-hashes --no-clean --no-index --help --debug --isolated --require-virtualenv"
    " --require-venv --verbose --version --quiet --no-input --no-cache-dir"
    " --disable-pip-version-check --no-color --no-python-version-warning"
).split()
UV_INDEX = (
    "-i --index-url --extra-index-url -f --find-links --index --default-index --index-strategy"
)
UV_GLOBAL = (
    "--cache-dir --color --allow-insecure-host --trusted-host --directory --project --config-file"
    " -p --python"
)
UV_PIP = _options(
    UV_GLOBAL + " " + UV_INDEX + " -r --requirements --requirement -e --editable"
    " --no-editable-package -c --constraints --constraint --overrides --override --excludes"
    " --exclude -b --build-constraints --build-constraint --extra --cert --group -t --target"
    " --prefix --no-binary --only-binary --python-version --python-platform --output-format"
    " --torch-backend --keyring-provider -P --upgrade-package --upgrade-group --resolution"
    " --prerelease --prerelease-package --fork-strategy --exclude-newer --exclude-newer-package"
    " --no-sources-package --reinstall-package --link-mode -C --config-setting"
    " --config-settings --config-settings-package --no-build-isolation-package"
    " --refresh-package",
    UV_INDEX,
    pins="-r --requirements --requirement -c --constraints --constraint --overrides --override",
)
UV_ADD = _options(
    UV_GLOBAL + " " + UV_INDEX + " -r --requirements --requirement -c --constraints --constraint"
    " -m --marker --optional --group --bounds --rev --tag --branch --extra --package --script"
    " --no-install-package --keyring-provider -P --upgrade-package --upgrade-group"
    " --resolution --prerelease --prerelease-package --fork-strategy --exclude-newer"
    " --exclude-newer-package --no-sources-package --reinstall-package --link-mode -C"
    " --config-setting --config-settings --config-settings-package"
    " --no-build-isolation-package --no-build-package --no-binary-package --refresh-package",
    UV_INDEX,
    pins="-r --requirements --requirement -c --constraints --constraint",
)
CONDA = _options(
    "-n --name -p --prefix -c --channel --file -f --repodata-fn --experimental --solver"
    " --subdir --platform --clone --console --revision --channel-alias -r --root-prefix"
    " --rc-file --category --log-level --channel-priority --relocate-prefix"
)
OPTIONS = {"pip": PIP, "uv-pip": UV_PIP, "uv-add": UV_ADD, "conda": CONDA}

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
PYTHON_OPTIONS = _options("-m -c -X -W -Q")


def _program(word: Word) -> str:
    name = word.value.rsplit("/", 1)[-1]
    return name.removesuffix(".exe").lower()


def _install_call(command: Command) -> tuple[str, Sequence[Word]] | None:
    """(installer, arguments after the subcommand) when the command installs packages."""
    words = _unwrap(command)
    if not words or not words[0].literal:
        return None
    program, arguments = _program(words[0]), words[1:]
    if PIP_PROGRAM.fullmatch(program):
        return _subcommand(arguments, PIP, {"install": "pip"})
    if PYTHON_PROGRAM.fullmatch(program):
        return _python_module(arguments)
    if program == "uv":
        return _uv(arguments)
    if program in CONDA_PROGRAMS:
        return _conda(arguments)
    return None


def _unwrap(words: Sequence[Word]) -> Sequence[Word]:
    """The words from the program that runs: past keywords, assignments and wrappers."""
    at = 0
    while at < len(words):
        word = words[at]
        if word.value in KEYWORDS or ASSIGNMENT.match(word.value):
            at += 1
            continue
        wrapper = WRAPPERS.get(_program(word)) if word.literal else None
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
    words: Sequence[Word], options: _Options, installers: dict[str, str]
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
        option, attached = _option(words[at].value, PYTHON_OPTIONS)
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
        return _install_call(tuple(words[program:])) if program is not None else None
    return None


def _parse_arguments(
    words: Sequence[Word], options: _Options
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
        option, attached = _option(value, options)
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


def _option(word: str, options: _Options) -> tuple[str, str | None]:
    """(option name, attached value or None) of an option word, short clusters included."""
    if word.startswith("--"):
        name, equals, value = word.partition("=")
        return _full_name(name, options), value if equals else None
    for index in range(1, len(word)):  # `-qUr FILE`, `-ihttps://...`: flags, then one option
        short = "-" + word[index]
        if short in options.with_value:
            rest = word[index + 1 :]
            return short, rest.removeprefix("=") if rest else None
    return word, None


def _full_name(name: str, options: _Options) -> str:
    if not options.abbreviations or name in options.with_value:
        return name
    candidates = {o for o in options.with_value if o.startswith(name) and o.startswith("--")}
    candidates |= {flag for flag in PIP_FLAGS if flag.startswith(name)}
    return candidates.pop() if len(candidates) == 1 else name


# --- shell scripts --------------------------------------------------------------------------


def _script_commands(text: str, comments: list[Comment] | None) -> Iterator[Command]:
    if _runs_posix_shell(text):
        yield from split_commands(MappedText.verbatim(text), comments=comments)


def _runs_posix_shell(script: str) -> bool:
    """False when a `#!` line names another interpreter (python, fish, ...)."""
    if not script.startswith("#!"):
        return True
    words = script[2:].split("\n", 1)[0].split()
    if words and words[0].rsplit("/", 1)[-1] == "env":
        words = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    return bool(words) and words[0].rsplit("/", 1)[-1] in POSIX_SHELLS


# --- Dockerfiles ---------------------------------------------------------------------------

DIRECTIVE = re.compile(r"#[ \t]*([A-Za-z_]+)[ \t]*=[ \t]*(\S*)[ \t]*")
INSTRUCTION = re.compile(r"[ \t]*([A-Za-z]+)(?:[ \t]+|$)")
RUN_FLAG = re.compile(r"--[A-Za-z][\w-]*(?:=\S*)?[ \t]+")
HEREDOC_MARKER = re.compile(r"<<(-?)(['\"]?)([A-Za-z0-9_.-]+)\2")


@dataclass(frozen=True)
class _Instruction:
    keyword: str
    arguments: MappedText  # continuation lines joined, comment lines inside dropped
    heredoc: MappedText | None  # the here-document lines after it, delimiters included
    scripts: tuple[MappedText, ...]  # each here-document's body


def _dockerfile_commands(text: str, comments: list[Comment] | None) -> Iterator[Command]:
    posix_shell = True
    for instruction in _instructions(text):
        if instruction.keyword == "FROM":
            posix_shell = True  # SHELL holds for one build stage
        elif instruction.keyword == "SHELL":
            shell = _exec_form(instruction.arguments)
            posix_shell = shell is not None and any(_program(w) in POSIX_SHELLS for w in shell)
        elif instruction.keyword == "RUN":
            yield from _run_commands(instruction, posix_shell, comments)


def _run_commands(
    instruction: _Instruction, posix_shell: bool, comments: list[Comment] | None
) -> Iterator[Command]:
    """The commands of a RUN instruction (with the shell comments in what it runs)."""
    arguments = _after_run_flags(instruction.arguments)
    exec_form = _exec_form(arguments)
    if exec_form is not None:
        yield from _exec_commands(exec_form, arguments, comments)
        return
    if not posix_shell:
        return
    if instruction.heredoc is None:
        yield from split_commands(arguments, comments=comments)
    elif _feeds_shell(split_commands(arguments)) and instruction.scripts:
        if _runs_posix_shell(instruction.scripts[0].text):
            yield from split_commands(instruction.scripts[0], comments=comments)
    else:
        yield from split_commands(_join(arguments, instruction.heredoc), comments=comments)


def _feeds_shell(commands: list[Command]) -> bool:
    """`RUN <<EOF` or `RUN <<EOF bash -e`: the here-document is the script."""
    if not commands:
        return True
    words = commands[0]
    flags_only = all(word.value.startswith("-") for word in words[1:])
    return len(commands) == 1 and _program(words[0]) in POSIX_SHELLS and flags_only


def _after_run_flags(arguments: MappedText) -> MappedText:
    """RUN's own flags (`--mount=type=cache,target=...`, `--network=none`) are not the command."""
    at = 0
    while match := RUN_FLAG.match(arguments.text, at):
        at = match.end()
    return MappedText(arguments.text[at:], arguments.offsets[at:])


def _exec_form(arguments: MappedText) -> tuple[Word, ...] | None:
    """The words of a JSON array (`["pip", "install", "x"]`); None for the shell form."""
    text = arguments.text.rstrip()
    if not text.startswith("["):
        return None
    try:
        values = json.loads(text)
    except (ValueError, RecursionError):
        return None  # Docker, too, runs an invalid array as a shell command
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        return None
    words: list[Word] = []
    decoder = json.JSONDecoder()
    at = 1
    for value in values:
        quote = text.index('"', at)
        _, at = decoder.raw_decode(text, quote)  # the string again, with where it ends
        words.append(Word(value, arguments.offsets[quote], arguments.offsets[at - 1] + 1, True))
    return tuple(words)


def _exec_commands(
    words: tuple[Word, ...], arguments: MappedText, comments: list[Comment] | None
) -> Iterator[Command]:
    """The array itself, or the script of `["sh", "-c", "..."]` when it can be placed exactly."""
    script_at = _shell_script_index(words)
    if script_at is None:
        yield words
        return
    script = words[script_at]
    offset = arguments.offsets.index(script.start)
    raw = arguments.text[offset + 1 : offset + 1 + len(script.value)]
    if raw == script.value:  # no JSON escapes: each character sits where it is read
        script_text = MappedText(raw, arguments.offsets[offset + 1 :])
        yield from split_commands(script_text, comments=comments)


def _shell_script_index(words: tuple[Word, ...]) -> int | None:
    if not words or _program(words[0]) not in POSIX_SHELLS:
        return None
    for index, word in enumerate(words[1:-1], start=1):
        if word.value.startswith("-") and not word.value.startswith("--") and "c" in word.value:
            return index + 1
    return None


def _instructions(text: str) -> Iterator[_Instruction]:
    lines = _physical_lines(text)
    escape, at = _escape_directive(lines)
    while at < len(lines):
        line = lines[at][1]
        if not line.strip() or line.lstrip().startswith("#"):
            at += 1
            continue
        arguments, at = _logical_line(lines, at, escape)
        match = INSTRUCTION.match(arguments.text)
        if match is None:
            continue
        keyword = match.group(1).upper()
        rest = MappedText(arguments.text[match.end() :], arguments.offsets[match.end() :])
        if keyword == "ONBUILD" and (inner := INSTRUCTION.match(rest.text)):
            keyword = inner.group(1).upper()
            rest = MappedText(rest.text[inner.end() :], rest.offsets[inner.end() :])
        heredoc, scripts, at = _heredocs(text, lines, at, rest.text, keyword)
        yield _Instruction(keyword, rest, heredoc, scripts)


def _physical_lines(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    start = 0
    for line in text.split("\n"):
        lines.append((start, line.removesuffix("\r")))
        start += len(line) + 1
    return lines


def _escape_directive(lines: list[tuple[int, str]]) -> tuple[str, int]:
    """(escape character, index of the first line after the parser directives)."""
    escape = "\\"
    at = 0
    while at < len(lines):
        line = lines[at][1].removeprefix("\ufeff") if at == 0 else lines[at][1]
        match = DIRECTIVE.fullmatch(line)
        if match is None:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
        at += 1
    return escape, at


def _logical_line(lines: list[tuple[int, str]], at: int, escape: str) -> tuple[MappedText, int]:
    """One instruction's lines joined where they end in the escape character."""
    parts: list[str] = []
    offsets: list[int] = []
    while at < len(lines):
        start, line = lines[at]
        at += 1
        if parts and (not line.strip() or line.lstrip().startswith("#")):
            continue  # empty and comment lines inside a continuation are dropped
        body = line.rstrip(" \t")
        continues = body.endswith(escape) and at < len(lines)
        content = body[:-1] if continues else line
        parts.append(content)
        offsets.extend(range(start, start + len(content)))
        if not continues:
            break
    return MappedText("".join(parts), offsets), at


def _heredocs(
    text: str, lines: list[tuple[int, str]], at: int, arguments: str, keyword: str
) -> tuple[MappedText | None, tuple[MappedText, ...], int]:
    """Here-documents of RUN/COPY/ADD: (all their lines, each body, index after them)."""
    markers = _heredoc_markers(arguments) if keyword in ("RUN", "COPY", "ADD") else []
    if not markers or at >= len(lines):
        return None, (), at
    first = at
    bodies: list[MappedText] = []
    for strip_tabs, delimiter in markers:
        body_start = at
        while at < len(lines) and (
            (lines[at][1].lstrip("\t") if strip_tabs else lines[at][1]) != delimiter
        ):
            at += 1
        begin, finish = _line_offset(text, lines, body_start), _line_offset(text, lines, at)
        bodies.append(MappedText.verbatim(text[begin:finish], begin))
        at = min(at + 1, len(lines))
    begin = lines[first][0]
    end = _line_offset(text, lines, at)
    return MappedText.verbatim(text[begin:end], begin), tuple(bodies), at


def _line_offset(text: str, lines: list[tuple[int, str]], at: int) -> int:
    return lines[at][0] if at < len(lines) else len(text)


def _heredoc_markers(arguments: str) -> list[tuple[bool, str]]:
    """(strip tabs, delimiter) of each `<<EOF` outside quotes."""
    markers: list[tuple[bool, str]] = []
    quote = ""
    at = 0
    while at < len(arguments):
        char = arguments[at]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif (match := HEREDOC_MARKER.match(arguments, at)) and not arguments.startswith("<<<", at):
            markers.append((match.group(1) == "-", match.group(3)))
            at = match.end()
            continue
        at += 1
    return markers


def _join(first: MappedText, second: MappedText) -> MappedText:
    newline_at = second.offsets[0] - 1 if second.offsets else 0
    offsets = [*first.offsets, newline_at, *second.offsets]
    return MappedText(first.text + "\n" + second.text, offsets)


# --- GitHub Actions workflows ---------------------------------------------------------------


def _workflow_commands(path: Path, text: str, comments: list[Comment] | None) -> Iterator[Command]:
    root = _compose_yaml(path, text)
    default_shell = _default_shell(root)
    for job in _mapping_values(_get(root, "jobs")):
        job_shell = _default_shell(job) or default_shell or _runner_shell(job)
        steps = _get(job, "steps")
        for step in steps.value if _is_sequence(steps) else []:
            shell = _scalar(_get(step, "shell")) or job_shell
            run = _get(step, "run")
            if run is None or not _is_scalar(run) or not _is_posix(shell):
                continue
            script = _scalar_text(text, run)
            if script is not None:
                yield from split_commands(script, comments=comments)
            if comments is not None:
                comments.extend(_run_comment(text, run))


# After a `run:` value: a YAML comment on the header line of a block scalar (`run: |  # ...`),
# or after the end of a plain or quoted one (`run: pip install x  # ...`).
BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*[ \t]+(#[^\n]*)")
TRAILING_COMMENT = re.compile(r"[ \t]+(#[^\n]*)")


def _run_comment(source: str, node: Any) -> list[Comment]:
    """The YAML comment written on a `run:` value's line, speaking for the whole script."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("|", ">"):
        match = BLOCK_HEADER_COMMENT.match(source, _after_properties(source, start))
        end = max(end - 1, start)  # the block ends where the next line starts
    else:
        match = TRAILING_COMMENT.match(source, end)
    return [Comment(match.group(1), start, end)] if match else []


def _compose_yaml(path: Path, text: str) -> Node | None:
    from ruamel.yaml import YAML  # only workflow files pay for the import (~90 ms)
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        return YAML(typ="safe", pure=True).compose(text)  # type: ignore[no-any-return]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ManifestError(path, f"invalid YAML: {error.problem}", line, column) from None
    except ReaderError as error:  # a character YAML does not allow (NUL, ...)
        line, column = _Lines(text).position(error.position)
        raise ManifestError(path, f"invalid YAML: {error.reason}", line, column) from None
    except YAMLError as error:
        raise ManifestError(path, f"invalid YAML: {error}") from None
    except Exception as error:  # the parser's own failures on odd input: still bad YAML
        raise ManifestError(path, f"cannot read YAML: {type(error).__name__}") from None


def _is_scalar(node: object) -> bool:
    return getattr(node, "id", None) == "scalar"  # ruamel's node kinds, without importing ruamel


def _is_sequence(node: object) -> bool:
    return getattr(node, "id", None) == "sequence"


def _get(node: object, key: str) -> Any:
    if getattr(node, "id", None) != "mapping":
        return None
    for key_node, value in node.value:  # type: ignore[attr-defined]
        if _is_scalar(key_node) and key_node.value == key:
            return value
    return None


def _mapping_values(node: object) -> list[Node]:
    if getattr(node, "id", None) != "mapping":
        return []
    return [value for _, value in node.value]  # type: ignore[attr-defined]


def _scalar(node: object) -> str | None:
    return str(node.value) if _is_scalar(node) else None  # type: ignore[attr-defined]


def _default_shell(node: object) -> str | None:
    return _scalar(_get(_get(_get(node, "defaults"), "run"), "shell"))


def _runner_shell(job: object) -> str | None:
    """GitHub's default shell is pwsh on Windows runners, bash elsewhere."""
    runs_on = _get(job, "runs-on")
    labels = [runs_on] if _is_scalar(runs_on) else runs_on.value if _is_sequence(runs_on) else []
    windows = any("windows" in (_scalar(label) or "").lower() for label in labels)
    return "pwsh" if windows else None


def _is_posix(shell: str | None) -> bool:
    """bash, sh and custom `bash -e {0}` run POSIX shell; pwsh, cmd and python do not."""
    if shell is None:
        return True
    words = shell.split()
    return bool(words) and "${{" not in shell and _basename(words[0]) in POSIX_SHELLS


def _basename(program: str) -> str:
    return program.rsplit("/", 1)[-1].lower()


def _scalar_text(source: str, node: Any) -> MappedText | None:
    """A YAML string's value, each character mapped to where it is written in the file."""
    value = str(node.value).rstrip("\n")
    at = _after_properties(source, node.start_mark.index)
    if node.style in ("|", ">"):
        at = source.find("\n", at) + 1  # the content starts below the `|` or `>` header
        if at == 0:
            return None
    elif node.style in ("'", '"'):
        at += 1
    return _align(source, at, value, node.style or "") if value else None


def _after_properties(source: str, at: int) -> int:
    """Past a node's anchor (`&name`) and tag (`!tag`), where its content starts."""
    while at < len(source) and source[at] in "&!":
        while at < len(source) and source[at] not in " \t\r\n":
            at += 1
        while at < len(source) and source[at] in " \t":
            at += 1
    return at


def _align(source: str, at: int, value: str, style: str) -> MappedText | None:
    """Walk the scalar's source beside its value; None when they cannot be matched up.

    Between the characters of the value, the source holds only what YAML
    removes: indentation, folded line breaks (read as one space), escapes in
    double quotes and doubled single quotes. Every other character must match
    in order, so a word's first and last characters land exactly.
    """
    offsets: list[int] = []
    ends: list[int] = []  # just past each character's source (`\\"` and `''` are two)
    for char in value:
        while True:
            if at >= len(source):
                return None
            found = source[at]
            width = _written_width(source, at, char, style)
            if width:
                offsets.append(at)
                at += width
                ends.append(at)
                break
            if found not in " \t\r\n" and not (style == '"' and found == "\\"):
                return None
            at += 2 if found == "\\" else 1  # `\\` before a line break joins the lines
    return MappedText(value, offsets, ends)


def _written_width(source: str, at: int, char: str, style: str) -> int:
    """How many source characters at `at` spell `char` (0: none, they are YAML's own)."""
    found = source[at]
    if style == '"' and found == "\\":
        return 0 if source[at + 1 : at + 2] in ("\n", "\r") else _escape_length(source, at)
    if style == "'" and char == "'":
        return 2 if source.startswith("''", at) else 0
    return 1 if found == char or (char == " " and found == "\n") else 0


def _escape_length(source: str, at: int) -> int:
    return {"x": 4, "u": 6, "U": 10}.get(source[at + 1 : at + 2], 2)


# --- notebooks ------------------------------------------------------------------------------

SHELL_MAGICS = frozenset({"pip", "conda", "mamba", "micromamba", "uv"})
SYSTEM_MAGICS = frozenset({"sx", "system"})
PYTHON_CELL_MAGICS = frozenset({"capture", "time", "timeit", "prun"})
MAGIC = re.compile(r"[ \t]*(%{1,2})([A-Za-z_]\w*)")


def _notebook_commands(
    path: Path, text: str, suppressions: list[Noqa] | None
) -> Iterator[tuple[Command, _Lines, int | None]]:
    """Each cell's commands; with `suppressions`, its `# noqa` comments are added to it."""
    for number, cell_text in _code_cells(path, text):
        if not any(trigger in cell_text for trigger in TRIGGERS):
            continue
        lines = _Lines(cell_text)
        comments: list[Comment] | None = [] if suppressions is not None else None
        for script, ipython in _cell_scripts(cell_text):
            for command in split_commands(script, ipython=ipython, comments=comments):
                yield command, lines, number
        if suppressions is not None:
            suppressions.extend(_noqa(path, comments or [], lines, number))


def _code_cells(path: Path, text: str) -> list[tuple[int, str]]:
    """(1-based index among all cells, source) of each code cell."""
    try:
        cells = read_cells(text)
    except NotebookError as error:
        raise ManifestError(path, str(error), error.line, error.column) from None
    return [(cell.number, cell.source) for cell in cells if cell.kind == "code"]


def _cell_scripts(cell: str) -> Iterator[tuple[MappedText, bool]]:
    """Shell text in a cell: a `%%bash` body, or `!cmd` and `%pip ...` lines (IPython-expanded)."""
    first_end = cell.find("\n")
    first_end = len(cell) if first_end < 0 else first_end
    magic = MAGIC.match(cell)
    if magic and magic.group(1) == "%%":
        arguments = cell[magic.end() : first_end].split()
        name = magic.group(2)
        if name in ("bash", "sh") or (name == "script" and arguments[:1] in (["bash"], ["sh"])):
            yield MappedText.verbatim(cell[first_end + 1 :], first_end + 1), False
            return
        if name not in PYTHON_CELL_MAGICS:
            return  # %%writefile, %%html, ...: not commands
        yield from _magic_lines(cell, first_end + 1)
        return
    yield from _magic_lines(cell, 0)


def _magic_lines(cell: str, at: int) -> Iterator[tuple[MappedText, bool]]:
    while at < len(cell):
        end = _line_end(cell, at)
        command_start = _shell_escape(cell, at, end)
        if command_start is not None:
            while cell[command_start:end].rstrip("\r").endswith("\\") and end < len(cell):
                end = _line_end(cell, end + 1)  # IPython joins `\`-continued lines
            yield MappedText.verbatim(cell[command_start:end], command_start), True
        at = end + 1


def _line_end(cell: str, at: int) -> int:
    end = cell.find("\n", at)
    return len(cell) if end < 0 else end


def _shell_escape(cell: str, at: int, end: int) -> int | None:
    """Where the command of a `!cmd`, `%pip ...` or `%system cmd` line starts."""
    line = cell[at:end]
    stripped = line.lstrip(" \t")
    start = at + len(line) - len(stripped)
    if stripped.startswith("!"):
        return start + len(stripped) - len(stripped.lstrip("!"))
    magic = MAGIC.match(cell, start, end)
    if magic is None or magic.group(1) != "%":
        return None
    if magic.group(2) in SHELL_MAGICS:
        return start + 1  # `%pip install x` runs `pip install x`
    return magic.end() if magic.group(2) in SYSTEM_MAGICS else None
