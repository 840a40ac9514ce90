"""Where each character of a YAML scalar's value is written in the file.

ruamel.yaml marks where a node starts and ends; the characters between are
its value as written: quoted, escaped, folded or indented. Walking both side
by side maps each character of the value to its place in the source.
"""

from __future__ import annotations

from typing import Any

from ml_policy.deps.shell import MappedText


def scalar_text(source: str, node: Any) -> MappedText | None:
    """A YAML string's value, each character mapped to where it is written in the file."""
    value = str(node.value).rstrip("\n")
    at = after_properties(source, node.start_mark.index)
    if node.style in ("|", ">"):
        at = source.find("\n", at) + 1  # the content starts below the `|` or `>` header
        if at == 0:
            return None
    elif node.style in ("'", '"'):
        at += 1
    return _align(source, at, value, node.style or "") if value else None


def after_properties(source: str, at: int) -> int:
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
