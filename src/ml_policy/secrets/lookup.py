"""Looking for factors (`factors.py`) in a text at C speed, each at most once per text.

Literal strings, runs and shapes are looked for in the text's UTF-8 bytes:
`in` on bytes is a fast C search, and `bytes.translate` maps a whole text to
member/non-member of a class in one pass, after which a run is one `in`. A
string is in the bytes exactly where it is in the text (case-insensitive
ones in bytes folded the way re.IGNORECASE compares); a run counts every
byte of a non-ASCII character as a member (it may find runs that are not
there, never miss one). Segments and chains are regular expressions,
searched in the text itself. (Measured on 16 MB of a training repository:
about 1 ns per byte for each literal or run; the old whole-text search with
each pattern took 5 to 200.)
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from functools import cache
from re import Pattern

from ml_policy.secrets.factors import Chain, Factor, Literals, Run, Segment, Shape

# Characters re.IGNORECASE matches to an ASCII letter that bytes.lower() leaves
# alone (a test checks every code point): a text with one is folded first.
_CASE_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_UNFOLDED = tuple(c.encode() for c in "\u0130\u0131\u017f\u212a")
_MEMBER = b"\x01"


class Text:
    """A text and the views of it the searches need, each made at most once."""

    __slots__ = ("_data", "_lower", "_views", "text")

    def __init__(self, text: str, data: bytes | None = None) -> None:
        """`data`, if given, is the text's UTF-8 (the file's own bytes, not encoded again)."""
        self.text = text
        self._data = data
        self._lower: bytes | None = None
        self._views: dict[bytes, bytes] = {}

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self.text.encode("utf-8", "surrogatepass")
        return self._data

    @property
    def lowered(self) -> bytes:
        """The bytes as case-insensitive matching of ASCII letters sees them."""
        if self._lower is None:
            data = self.data
            if not data.isascii() and any(c in data for c in _UNFOLDED):
                data = self.text.translate(_CASE_FOLD).encode("utf-8", "surrogatepass")
            self._lower = data.lower()
        return self._lower

    def members(self, table: bytes) -> bytes:
        """The bytes translated by `table`: 1 for a member of a class, 0 for the others."""
        view = self._views.get(table)
        if view is None:
            view = self._views[table] = self.data.translate(table)
        return view


Check = Callable[[Text], bool]


def check(factor: Factor) -> Check:
    """A function telling whether a text contains the factor."""
    if isinstance(factor, Segment | Chain):
        regex = re.compile(factor.source)
        return lambda text: regex.search(text.text) is not None
    if isinstance(factor, Run):
        table, needle = run_table(factor), _MEMBER * factor.length
        return lambda text: needle in text.members(table)
    if isinstance(factor, Shape):
        return lambda text: _shape_in(factor, text)
    return _literals_check(factor)


def _shape_in(shape: Shape, text: Text) -> bool:
    """In ASCII only: a non-ASCII character's several bytes between two marks would
    make a needle's count of members too large (it answers True then: unknown)."""
    if not text.data.isascii():
        return True
    view = text.members(shape.table)
    return all(needle in view for needle in shape.needles)


def _literals_check(factor: Literals) -> Check:
    strings = literal_bytes(factor)
    prefix = _common_prefix(strings)
    if len(strings) > 1 and len(prefix) >= 2:  # one search: the regex engine skips to the prefix
        regex = re.compile(b"|".join(map(re.escape, strings)))
        if factor.ignore_case:
            return lambda text: regex.search(text.lowered) is not None
        return lambda text: regex.search(text.data) is not None
    if len(strings) == 1:
        [string] = strings
        if factor.ignore_case:
            return lambda text: string in text.lowered
        return lambda text: string in text.data
    if factor.ignore_case:
        return lambda text: any(s in text.lowered for s in strings)
    return lambda text: any(s in text.data for s in strings)


def _common_prefix(strings: tuple[bytes, ...]) -> bytes:
    first, last = min(strings), max(strings)  # sorted: the others share their common prefix
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


@cache
def literal_bytes(factor: Literals) -> tuple[bytes, ...]:
    strings = sorted(s.lower() if factor.ignore_case else s for s in factor.strings)
    return tuple(s.encode() for s in strings)


@cache
def run_table(run: Run) -> bytes:
    """bytes.translate's table for the run's class: 1 for a member, else 0; every
    byte of a non-ASCII character counts as a member."""
    member = re.compile(run.charset, run.flags)
    return bytes(1 if b >= 0x80 or member.fullmatch(chr(b)) else 0 for b in range(256))


# --- which lines ------------------------------------------------------------------------------


class Lines:
    """Lines joined into one text, and where each begins (in characters and in bytes)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.count = len(lines)
        self.text = Text("\n".join(lines))
        self.starts = list(itertools.accumulate((len(s) + 1 for s in lines), initial=0))
        self.byte_starts = self.starts
        if not self.text.text.isascii():
            sizes = (
                len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass")) for s in lines
            )
            self.byte_starts = list(itertools.accumulate((n + 1 for n in sizes), initial=0))


Anchor = Literals | Run | Segment | Chain  # what lines are looked up by


def lines_with(factor: Anchor, lines: Lines) -> set[int]:
    """The indices of the lines that contain the factor.

    A factor holds no line break, so each occurrence lies within one line.
    """
    text = lines.text
    if isinstance(factor, Run):
        return _finds(text.members(run_table(factor)), [_MEMBER * factor.length], lines.byte_starts)
    if isinstance(factor, Literals):
        haystack = text.lowered if factor.ignore_case else text.data
        if len(haystack) == len(text.data):  # not folded: byte offsets are the data's
            return _finds(haystack, list(literal_bytes(factor)), lines.byte_starts)
    found = _text_regex(factor).finditer(_folded(factor, text))
    return {_line(lines.starts, m.start()) for m in found}


def _finds(haystack: bytes, needles: list[bytes], starts: list[int]) -> set[int]:
    """The lines (that begin at byte offsets `starts`) where a needle occurs."""
    found: set[int] = set()
    for needle in needles:
        at = haystack.find(needle)
        while at >= 0:
            line = _line(starts, at)
            found.add(line)
            at = haystack.find(needle, starts[line + 1])  # the rest of the line: no need
    return found


def _line(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1


def _folded(factor: Literals | Segment | Chain, text: Text) -> str:
    if isinstance(factor, Literals) and factor.ignore_case:
        return text.text.translate(_CASE_FOLD).lower()  # one character for one: same offsets
    return text.text


@cache
def _text_regex(factor: Literals | Segment | Chain) -> Pattern[str]:
    if isinstance(factor, Segment | Chain):
        return re.compile(factor.source)
    strings = sorted(s.lower() if factor.ignore_case else s for s in factor.strings)
    return re.compile("|".join(map(re.escape, strings)))
