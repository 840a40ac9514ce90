"""Positions of keys and strings in TOML text, which tomllib does not report.

tomllib gives the values; this finds where they were written: the table
header (each header line is read with tomllib itself, so quoting and dotted
keys are handled), then the key below it, then the quoted string after the
key. When something cannot be found, the best enclosing position is used.
`comments` finds the comments, which tomllib drops.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ml_policy.textpos import LineIndex

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# What can open a string or a comment, or end a line: all else is skipped at once.
_SIGNIFICANT = re.compile(r"[\"'#\n]")


@dataclass
class TomlPositions:
    """Find 1-based (line, column, end column) of values in one TOML document."""

    text: str
    _lines: LineIndex = field(init=False)
    _headers: list[tuple[tuple[str, ...], int]] = field(init=False)  # path, offset after header

    def __post_init__(self) -> None:
        self._lines = LineIndex(self.text)
        self._headers = list(self._find_headers())

    def locate_key(self, key_path: Sequence[str]) -> tuple[int, int, int]:
        """Where the last key of `key_path` is written (or its table's header)."""
        offset, _, _ = self._key_offset(key_path)
        return self._span(offset, len(key_path[-1]) if key_path else 1)

    def key_line(self, key_path: Sequence[str]) -> int | None:
        """The line of the deepest key of `key_path` (or table header) written; None if none is."""
        offset, _, found = self._key_offset(key_path)
        return self._span(offset, 1)[0] if found else None

    def locate_strings(
        self, key_path: Sequence[str], values: Sequence[str]
    ) -> list[tuple[int, int, int]]:
        """Where each string of the array at `key_path` is, searched in order (duplicates too)."""
        offset, end, _ = self._key_offset(key_path)
        key_span = self._span(offset, len(key_path[-1]) if key_path else 1)
        spans = []
        for value in values:
            literal = self._find_literal(value, offset, end)
            if literal is None:
                spans.append(key_span)
                continue
            spans.append(self._span(literal, len(value) + 2))
            offset = literal + len(value) + 2
        return spans

    # --- internals ---------------------------------------------------------------

    def _find_headers(self) -> list[tuple[tuple[str, ...], int]]:
        headers = []
        starts = self._lines.starts
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else None
            line = self.text[start:end].strip()
            if line.startswith("["):
                path = _header_path(line)
                if path is not None:
                    headers.append((path, start))
        return headers

    def _key_offset(self, key_path: Sequence[str]) -> tuple[int, int, bool]:
        """The offset of the key (or of the deepest header above it), where its table ends,
        and whether any header or key of the path was found at all."""
        header: tuple[str, ...] = ()
        offset = 0
        for path, start in self._headers:
            if tuple(key_path[: len(path)]) == path and len(path) > len(header):
                header, offset = path, start
        end = min((start for _, start in self._headers if start > offset), default=len(self.text))
        found_any = bool(header)
        for key in key_path[len(header) :]:
            found = self._find_key(key, offset, end)
            if found is None:
                break
            offset, found_any = found, True
        return offset, end, found_any

    def _find_key(self, key: str, start: int, end: int) -> int | None:
        """The next `key =`, `"key" =` or `key.` after `start` (as a whole key)."""
        for spelled in (key, f'"{key}"', f"'{key}'"):
            offset = start
            while (offset := self.text.find(spelled, offset, end)) >= 0:
                before = self.text[offset - 1] if offset else "\n"
                after = self.text[offset + len(spelled) : end].lstrip(" \t")[:1]
                if (before.isspace() or before in "{,.") and after in ("=", "."):
                    return offset
                offset += 1
        return None

    def _find_literal(self, value: str, start: int, end: int) -> int | None:
        found = [
            offset
            for quote in ('"', "'")
            if (offset := self.text.find(f"{quote}{value}{quote}", start, end)) >= 0
        ]
        return min(found, default=None)

    def _span(self, offset: int, length: int) -> tuple[int, int, int]:
        line, column = self._lines.position(offset)
        return line, column, column + max(length, 1)


def _header_path(line: str) -> tuple[str, ...] | None:
    """`[tool.poetry.group."dev".dependencies]` -> ("tool", "poetry", "group", "dev", ...)."""
    try:
        document: Any = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(document, (dict, list)):
        if isinstance(document, list):
            document = document[0] if document else None
            continue
        if len(document) != 1:
            break
        key = next(iter(document))
        path.append(key)
        document = document[key]
    return tuple(path)


def comments(text: str) -> list[tuple[int, str]]:
    """(1-based line, text from the `#`) of each comment in valid TOML text.

    A `#` inside a string (basic, literal, multi-line) is not a comment.
    """
    found: list[tuple[int, str]] = []
    line, at = 1, 0
    while match := _SIGNIFICANT.search(text, at):
        at = match.start()
        char = text[at]
        if char == "\n":
            line, at = line + 1, at + 1
        elif char == "#":
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            found.append((line, text[at:end].rstrip("\r")))
            at = end
        else:
            end = _string_end(text, at)
            line, at = line + text.count("\n", at, end), end
    return found


def _string_end(text: str, at: int) -> int:
    """Just past the string that opens at `at` (the text is valid TOML, so it closes)."""
    quote = text[at]
    delimiter = quote * 3 if text.startswith(quote * 3, at) else quote
    # Basic strings (") have escapes, literal strings (') none.
    closing = re.compile(r"\\.|" + quote if quote == '"' else quote, re.DOTALL)
    position = at + len(delimiter)
    while match := closing.search(text, position):
        position = match.end()
        if match.group() != quote or not text.startswith(delimiter, match.start()):
            continue
        if len(delimiter) == 1:
            return position
        # A multi-line string's content may end in one or two quotes: `"a""""` closes after all.
        while position < len(text) and text[position] == quote:
            position += 1
        return position
    return len(text)
