"""A Dockerfile as the MLI rules read it: build stages, their base images and instructions.

Built on the deps reader's instructions (`deps.commands.dockerfile`: parser directives,
continuations, here-documents, SHELL). Base images are read after substituting the
global `ARG`s (those before the first FROM) with their defaults, as `docker build`
does without `--build-arg` (a default may use the ARGs declared before it); a
reference that still holds a variable is unknown (None), and the rules stay silent
about it. `FROM <stage>` follows an earlier stage by name or
index. A `# noqa` comment line directly above an instruction other than RUN covers
its lines (no comment can stand on a FROM or COPY line: Docker reads it as arguments);
in a RUN command, a shell comment counts on its own line, as for MLD006, and a
comment line above does not (docs/suppression.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ml_policy.deps.commands.common import suppressions_of
from ml_policy.deps.commands.dockerfile import Instruction, instructions, run_commands, stage_shell
from ml_policy.deps.shell import Command, Comment, MappedText
from ml_policy.suppress import Noqa, noqa
from ml_policy.textpos import LineIndex, Span

VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
FLAG = re.compile(r"--[A-Za-z][\w-]*(?:=\S*)?")
DIGEST = re.compile(r"[A-Za-z0-9_+.-]+:[A-Fa-f0-9]{32,}")


@dataclass(frozen=True)
class ImageRef:
    """An image reference, `[registry/]repository[:tag][@digest]`, as written (resolved)."""

    text: str
    registry: str | None  # "nvcr.io", "ghcr.io"; None for Docker Hub
    repository: str  # "python", "pytorch/pytorch", "nvidia/cuda" (Docker Hub's library/ dropped)
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        rest, _, digest = text.partition("@")
        name, tag = rest, None
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        if colon > slash:
            name, tag = rest[:colon], rest[colon + 1 :]
        parts = name.split("/")
        registry = None
        first = parts[0]
        if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
            registry, parts = first, parts[1:]
        if registry in ("docker.io", "index.docker.io", "registry-1.docker.io"):
            registry = None
        if registry is None and len(parts) == 2 and parts[0] == "library":
            parts = parts[1:]
        return cls(text, registry, "/".join(parts).lower(), tag or None, digest or None)


@dataclass
class Stage:
    """One build stage: its FROM and the instructions after it."""

    index: int
    name: str | None  # `AS name`, lower case as Docker compares it
    base: ImageRef | None  # None: `scratch`, an earlier stage, or a reference with a variable
    base_stage: Stage | None  # `FROM <earlier stage>`
    span: Span  # the FROM instruction's image reference
    instructions: list[Instruction] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)  # of its RUN instructions

    def image(self) -> ImageRef | None:
        """The image this stage starts from, through the stages it builds on."""
        stage: Stage | None = self
        seen = set()
        while stage is not None and stage.base is None and id(stage) not in seen:
            seen.add(id(stage))
            stage = stage.base_stage
        return None if stage is None else stage.base


@dataclass
class Dockerfile:
    """A Dockerfile's build stages, where its lines start, and its `# noqa` comments."""

    path: Path
    stages: list[Stage]
    lines: LineIndex
    noqa: tuple[Noqa, ...] = ()

    def span(self, start: int, end: int) -> Span:
        return Span(*self.lines.span(start, max(end, start + 1)))

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None


def read_dockerfile(path: Path, text: str) -> Dockerfile:
    """The build stages of a Dockerfile's text (no stage when it has no FROM)."""
    lines = LineIndex(text)
    comments: list[Comment] = []
    arguments: dict[str, str | None] = {}  # the global ARGs and their defaults
    stages: list[Stage] = []
    posix_shell = True
    found = list(instructions(text))
    for instruction in found:
        shell = stage_shell(instruction)
        if shell is not None:
            posix_shell = shell
        if instruction.keyword == "ARG" and not stages:
            for name, default in _arg_defaults(instruction.arguments.text).items():
                # A default may use the ARGs before it (`ARG TAG=${VERSION}-devel`).
                arguments[name] = None if default is None else substitute(default, arguments)
        elif instruction.keyword == "FROM":
            stages.append(_stage(instruction, len(stages), arguments, stages, lines))
        elif stages:
            stages[-1].instructions.append(instruction)
            if instruction.keyword == "RUN":
                stages[-1].commands += run_commands(instruction, posix_shell, comments)
    noqa_lines = suppressions_of(path, comments, lines, None)
    above = _comments_above(path, text, lines, found)
    return Dockerfile(path, stages, lines, (*noqa_lines, *above))


def _arg_defaults(text: str) -> dict[str, str | None]:
    """`ARG A=1 B` -> {"A": "1", "B": None}: the names an ARG declares, with defaults."""
    declared: dict[str, str | None] = {}
    for word in text.split():
        name, equals, value = word.partition("=")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            declared[name] = value.strip("\"'") if equals else None
    return declared


def substitute(text: str, arguments: dict[str, str | None]) -> str | None:
    """`text` with `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alt}` replaced by the
    arguments' defaults; None when a variable has no known value."""
    unknown = False

    def value(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(1) or match.group(4)
        current = arguments.get(name)
        operator, word = match.group(2), match.group(3) or ""
        if operator == ":-":
            return current or word
        if operator == "-":
            return word if current is None and name not in arguments else current or ""
        if operator == ":+":
            return word if current else ""
        if operator == "+":
            return word if name in arguments else ""
        if current is None:
            unknown = True
            return ""
        return current

    result = VARIABLE.sub(value, text)
    return None if unknown or "$" in result else result


@dataclass(frozen=True)
class ArgumentWord:
    """A word of an instruction's arguments (`COPY a b`, `FROM image AS name`), where it
    is written: file offsets, the end exclusive."""

    value: str
    start: int
    end: int


def argument_words(arguments: MappedText) -> list[ArgumentWord]:
    """The whitespace-separated words of an instruction's arguments, its `--flags` left out."""
    offsets = arguments.offsets
    return [
        ArgumentWord(match.group(), offsets[match.start()], offsets[match.end() - 1] + 1)
        for match in re.finditer(r"\S+", arguments.text)
        if not FLAG.fullmatch(match.group())
    ]


def _stage(
    instruction: Instruction,
    index: int,
    arguments: dict[str, str | None],
    earlier: list[Stage],
    lines: LineIndex,
) -> Stage:
    words = argument_words(instruction.arguments)
    if not words:
        start = instruction.start
        return Stage(index, None, None, None, Span(*lines.span(start, start + 4)))
    reference = words[0]
    name = None
    if len(words) >= 3 and words[1].value.lower() == "as":
        name = words[2].value.lower()
    span = Span(*lines.span(reference.start, reference.end))
    resolved = substitute(reference.value, arguments)
    by_name = {stage.name: stage for stage in earlier if stage.name}
    if resolved is None:
        return Stage(index, name, None, None, span)
    parent = by_name.get(resolved.lower())
    if parent is None and resolved.isdigit() and int(resolved) < len(earlier):
        parent = earlier[int(resolved)]
    if parent is not None or resolved.lower() == "scratch":
        return Stage(index, name, None, parent, span)
    return Stage(index, name, ImageRef.parse(resolved), None, span)


def _comments_above(
    path: Path, text: str, lines: LineIndex, found: list[Instruction]
) -> list[Noqa]:
    """A `# noqa` comment line directly above an instruction that cannot carry a comment
    itself (any but RUN) covers the instruction."""
    physical = text.split("\n")
    covered = []
    for instruction in found:
        if instruction.keyword == "RUN":
            continue
        line = lines.position(instruction.start)[0]
        last = _last_line(instruction, lines)
        above = line - 1
        while above >= 1 and physical[above - 1].lstrip().startswith("#"):
            comment = physical[above - 1].strip()
            item = noqa(path, comment, line, last)
            if item is not None:
                covered.append(item)
            above -= 1
    return covered


def _last_line(instruction: Instruction, lines: LineIndex) -> int:
    offsets = instruction.arguments.offsets
    end = offsets[-1] if len(offsets) else instruction.start
    return lines.position(end)[0]
