"""The text pre-filter: which rules could fire on a file, decided before any parse.

A rule is a candidate for a file when its `triggers` (strings every finding needs,
such as an API name) are in the text and its `text_screen` (a test on `ScreenText`)
says yes. A file no enabled rule is a candidate for is not parsed at all. Both tests
must be sound: they may keep a file the rule then clears, never drop one it would
report (`tests/test_prefilter.py` compares the engine with and without them).

Text tests see identifiers as written, the parser as NFKC-normalised (PEP 3131:
fullwidth `list` is `list`), and regular expressions' `\\w` is not exactly Python's
identifier alphabet. In a file whose identifiers could read differently (`exact` is
False: rare, 0.6 % of the benchmark corpus's files) the triggers are looked for in the
NFKC-normalised text, and the text screens are not used.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property

from ml_policy.lint import textscan

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class ScreenText:
    """A file's Python text, and what the scans of `lint/textscan.py` find in it."""

    def __init__(self, text: str) -> None:
        # With `\n` newlines, as Python reads source (it also ends lines at `\r\n` and
        # `\r`): the scans' gaps (`\\` then a newline, a comment to its line's end) are
        # written for `\n`. Lines and columns stay as the parser counts them.
        self.raw = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text

    @cached_property
    def exact(self) -> bool:
        """Whether every identifier reads the same to the parser and to the patterns: no
        character that can be part of an identifier changes under NFKC, composes with the
        one before it, or escapes `\\w`. (Others, such as an ellipsis or a fullwidth comma
        in a docstring, cannot be in an identifier: outside strings and comments they are
        syntax errors.)"""
        if self.raw.isascii():
            return True
        return not any(_identifier_read_differently(c) for c in set(_NON_ASCII.findall(self.raw)))

    @cached_property
    def normalized(self) -> str:
        """The text with its identifiers as the parser reads them (NFKC, PEP 3131)."""
        return unicodedata.normalize("NFKC", self.raw)

    @cached_property
    def text(self) -> str:
        """The text after a newline, so that the first line starts like every other."""
        return "\n" + self.raw

    def mentions(self, *words: str) -> bool:
        return any(word in self.raw for word in words)

    @cached_property
    def defaults(self) -> textscan.Defaults | None:
        """How the defaults of the file's defs and lambdas start (None: not readable)."""
        return textscan.parameter_defaults(self.text)

    @cached_property
    def class_bodies(self) -> textscan.ClassBodies | None:
        """Where class-body statements may start (None: not readable, or tabs in the text)."""
        if "\t" in self.raw or "\f" in self.raw:
            return None  # equal indentation may be spelt differently: not compared as text
        return textscan.class_bodies(self.text)

    @cached_property
    def class_statement_spans(self) -> list[tuple[int, int]] | None:
        """The logical lines directly in class bodies (None: the text could not be split)."""
        bodies = self.class_bodies
        return None if bodies is None else textscan.class_statement_spans(self.text, bodies.deepest)


def _identifier_read_differently(char: str) -> bool:
    if not ("a" + char).isidentifier():
        return False  # never in an identifier
    if not (char.isalnum() or char == "_"):
        return True  # `\\w` misses it: combining marks (which NFKC composes), U+00B7 ...
    # NFKC changes it (fullwidth letters, ligatures), or it is a conjoining Hangul jamo,
    # which composes with the letters before it though each is NFKC on its own.
    return unicodedata.normalize("NFKC", char) != char or _is_conjoining_jamo(ord(char))


def _is_conjoining_jamo(code: int) -> bool:
    return 0x1100 <= code <= 0x11FF or 0xA960 <= code <= 0xA97F or 0xD7B0 <= code <= 0xD7FF
