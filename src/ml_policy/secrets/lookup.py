"""Looking for factors (`factors.py`) in a text at C speed, each at most once per text.

Literal strings, runs and shapes are looked for in the text's UTF-8 bytes:
`in` on bytes is a fast C search, and `bytes.translate` maps a whole text to
member/non-member of a class in one pass, after which a run is one `in`. A
string is in the bytes exactly where it is in the text (case-insensitive
ones in bytes folded the way re.IGNORECASE compares). For runs and shapes,
the translation also drops UTF-8 continuation bytes: one byte per
character, a non-ASCII one as its first byte, read as a member of every
class that has non-ASCII members (it may find runs that are not there,
never miss one), and offsets stay the text's. Segments and chains are
regular expressions, searched in the text itself. (Measured on 16 MB of a training repository:
about 1 ns per byte for each literal or run; the old whole-text search with
each pattern took 5 to 200.)
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import AnyStr

from ml_policy.secrets.factors import (
    Chain,
    Factor,
    Literals,
    Run,
    Segment,
    Shape,
)
from ml_policy.secrets.regex_tree import ascii_members

# Characters re.IGNORECASE matches to an ASCII letter that bytes.lower() leaves
# alone (a test checks every code point): a text with one is folded first.
_CASE_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_UNFOLDED = re.compile(b"|".join(re.escape(c.encode()) for c in "\u0130\u0131\u017f\u212a"))
_MEMBER = b"\x01"
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes after a character's first


class Text:
    """A text and the views of it the searches need, each made at most once."""

    __slots__ = ("_data", "_lower", "_views", "fenced", "text")

    def __init__(self, text: str, data: bytes | None = None, *, fenced: bool = True) -> None:
        """`data`, if given, is the text's UTF-8 (the file's own bytes, not encoded again).
        `fenced`: whether whole runs of the text are whole runs of the lines scanned
        (exact runs are looked for as runs at least that long otherwise)."""
        self.text = text
        self.fenced = fenced
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
            if not data.isascii() and _UNFOLDED.search(data):
                data = self.text.translate(_CASE_FOLD).encode("utf-8", "surrogatepass")
            self._lower = data.lower()
        return self._lower

    def members(self, table: bytes) -> bytes:
        """A narrow view, translated by `table` (1 for a member of a class, 0 for the
        others): one byte per character, the first byte of a non-ASCII one."""
        view = self._views.get(table)
        if view is None:
            view = self._views[table] = self.data.translate(table, _CONTINUATION)
        return view


Check = Callable[[Text], bool]


def check(factor: Factor) -> Check:
    """A function telling whether a text contains the factor."""
    if isinstance(factor, Chain) and all(s.isascii() for f in factor.links for s in f.strings):
        return _chain_check(factor)
    if isinstance(factor, Segment) and factor.ascii:
        return _ascii_segment_check(factor)
    if isinstance(factor, Segment | Chain):
        regex = re.compile(factor.source)
        return lambda text: regex.search(text.text) is not None
    if isinstance(factor, Run) and factor.exact:
        return lambda text: _exact_run_in(factor, text)
    if isinstance(factor, Run):
        table, needle = run_table(factor), _MEMBER * factor.length
        return lambda text: needle in text.members(table)
    if isinstance(factor, Shape):
        return lambda text: _shape_in(factor, text)
    return _literals_check(factor)


def _chain_check(chain: Chain) -> Check:
    """An ASCII chain, searched in bytes (no Unicode case folding: 2-3 times faster).
    Bytes that are not ASCII whitespace stand between the strings: a non-whitespace
    character is such bytes. With a case-insensitive string, every string is looked
    for in lower case in the folded bytes (a weaker, still necessary condition)."""
    folded = any(link.ignore_case for link in chain.links)
    links = [literal_bytes(Literals(link.strings, folded)) for link in chain.links]
    regex = re.compile(rb"\S*?".join(b"(?:" + b"|".join(map(re.escape, s)) + b")" for s in links))
    if folded:
        return lambda text: regex.search(text.lowered) is not None
    return lambda text: regex.search(text.data) is not None


def _ascii_segment_check(segment: Segment) -> Check:
    """A segment of ASCII characters, searched in bytes. If some of it ignores case, all of
    it does (a weaker, still necessary condition), in the folded bytes: there, what
    re.IGNORECASE takes for an ASCII letter is that letter."""
    source = segment.source.encode("ascii")
    if not segment.ignore_case:
        regex = re.compile(source)
        return lambda text: regex.search(text.data) is not None
    folded = re.compile(source, re.IGNORECASE)
    return lambda text: folded.search(text.lowered) is not None


def _exact_run_in(run: Run, text: Text) -> bool:
    """A whole run of exactly `run.length`: between non-members or the text's ends. Only
    in ASCII: a non-ASCII character may be read as a member that is none, making a
    run look longer (a run at least that long is looked for then)."""
    view = text.members(run_table(run))
    body = _MEMBER * run.length
    if not text.fenced or not text.data.isascii():
        return body in view
    fenced = b"\x00" + body + b"\x00"
    return fenced in view or view.startswith(fenced[1:]) or view.endswith(fenced[:-1])


def _shape_in(shape: Shape, text: Text) -> bool:
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
    """bytes.translate's table for the run's class in a narrow view (Text.members): 1
    for a member, else 0; a non-ASCII character is one if the class may have one."""
    members = ascii_members(run.charset, run.flags)
    return bytes(run.wide if b >= 0x80 else chr(b) in members for b in range(256))


# --- which lines ------------------------------------------------------------------------------


class Lines:
    """Lines joined into one text, and the offset where each begins."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.count = len(lines)
        self.text = Text("\n".join(lines))
        self.starts = list(itertools.accumulate((len(s) + 1 for s in lines), initial=0))


Anchor = Literals | Run | Segment | Chain  # what lines are looked up by


def lines_with(factor: Anchor, lines: Lines) -> set[int]:
    """The indices of the lines that contain the factor.

    A factor holds no line break, so each occurrence lies within one line. Offsets
    are the text's: narrow views have one byte per character.
    """
    text = lines.text
    if isinstance(factor, Run):
        return _finds(text.members(run_table(factor)), [_MEMBER * factor.length], lines.starts)
    if isinstance(factor, Literals):
        strings = [s.lower() if factor.ignore_case else s for s in sorted(factor.strings)]
        return _finds(_folded(factor, text), strings, lines.starts)
    return {_line(lines.starts, m.start()) for m in re.finditer(factor.source, text.text)}


def _finds(haystack: AnyStr, needles: Sequence[AnyStr], starts: list[int]) -> set[int]:
    """The lines (that begin at offsets `starts`) where a needle occurs."""
    found: set[int] = set()
    for needle in needles:
        at = haystack.find(needle)
        while at >= 0:
            line = _line(starts, at)
            found.add(line)
            at = haystack.find(needle, starts[line + 1])
    return found


def _line(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1


def _folded(factor: Literals, text: Text) -> str:
    if factor.ignore_case:
        return text.text.translate(_CASE_FOLD).lower()  # one character for one: same offsets
    return text.text
