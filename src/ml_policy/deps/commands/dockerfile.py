"""Dockerfiles and Containerfiles: the shell commands of their RUN instructions.

Instructions are read as BuildKit reads them: parser directives (`# escape=`),
continuation lines, here-documents, the exec form (a JSON array) and the
SHELL a build stage runs its commands with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ml_policy.deps.commands.common import POSIX_SHELLS, program_name
from ml_policy.deps.commands.scripts import runs_posix_shell
from ml_policy.deps.shell import Command, Comment, MappedText, Word, split_commands

DIRECTIVE = re.compile(r"#[ \t]*([A-Za-z_]+)[ \t]*=[ \t]*(\S*)[ \t]*")
INSTRUCTION = re.compile(r"[ \t]*([A-Za-z]+)(?:[ \t]+|$)")
RUN_FLAG = re.compile(r"--[A-Za-z][\w-]*(?:=\S*)?[ \t]+")
HEREDOC_MARKER = re.compile(r"<<(-?)(['\"]?)([A-Za-z0-9_.-]+)\2")


@dataclass(frozen=True)
class Instruction:
    """One instruction: its keyword (upper case) and what follows it."""

    keyword: str
    start: int  # offset of the instruction's first character in the file
    arguments: MappedText  # continuation lines joined, comment lines inside dropped
    heredoc: MappedText | None  # the here-document lines after it, delimiters included
    scripts: tuple[MappedText, ...]  # each here-document's body


def dockerfile_commands(text: str, comments: list[Comment] | None) -> Iterator[Command]:
    posix_shell = True
    for instruction in instructions(text):
        shell = stage_shell(instruction)
        if shell is not None:
            posix_shell = shell
        elif instruction.keyword == "RUN":
            yield from run_commands(instruction, posix_shell, comments)


def stage_shell(instruction: Instruction) -> bool | None:
    """After a FROM (True) or SHELL instruction: whether RUN commands run in a POSIX shell.
    None for the other instructions (they do not change it)."""
    if instruction.keyword == "FROM":
        return True  # SHELL holds for one build stage
    if instruction.keyword == "SHELL":
        shell = _exec_form(instruction.arguments)
        return shell is not None and any(program_name(w) in POSIX_SHELLS for w in shell)
    return None


def run_commands(
    instruction: Instruction, posix_shell: bool, comments: list[Comment] | None
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
        if runs_posix_shell(instruction.scripts[0].text):
            yield from split_commands(instruction.scripts[0], comments=comments)
    else:
        yield from split_commands(_join(arguments, instruction.heredoc), comments=comments)


def _feeds_shell(commands: list[Command]) -> bool:
    """`RUN <<EOF` or `RUN <<EOF bash -e`: the here-document is the script."""
    if not commands:
        return True
    words = commands[0]
    flags_only = all(word.value.startswith("-") for word in words[1:])
    return len(commands) == 1 and program_name(words[0]) in POSIX_SHELLS and flags_only


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
    if not words or program_name(words[0]) not in POSIX_SHELLS:
        return None
    for index, word in enumerate(words[1:-1], start=1):
        if word.value.startswith("-") and not word.value.startswith("--") and "c" in word.value:
            return index + 1
    return None


def instructions(text: str) -> Iterator[Instruction]:
    """The instructions of a Dockerfile, as BuildKit reads them."""
    lines = _physical_lines(text)
    escape, at = _escape_directive(lines)
    while at < len(lines):
        line = lines[at][1]
        if not line.strip() or line.lstrip().startswith("#"):
            at += 1
            continue
        start = lines[at][0] + len(line) - len(line.lstrip())
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
        yield Instruction(keyword, start, rest, heredoc, scripts)


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
