"""What every match of a regular expression must contain: its necessary factors.

Read off the expression's parse tree (`regex_tree.py`, from `re`'s own
parser), so they follow the plugins' patterns as written, upstream changes
included:

- `Literals`: every match contains one of these strings. A concatenation's
  consecutive exact parts give them (the cross product of small
  alternations and classes: `(?:ghp|gho)_` gives `ghp_`, `gho_`); a part
  that must match at least once gives its own; an alternation, the union of
  its branches'.
- `Run`: every match contains `length` consecutive characters of one class
  (`[0-9a-f]{40}`); `exact` when the pattern fences it with other characters
  (`["'][0-9a-f]{32}(?![A-Za-z0-9_-])`): a whole run of exactly that length.
- `Segment`: every match contains a match of this sub-expression, a stretch
  of consecutive parts of the pattern (`[MNO][\\w-]{23,25}\\.[\\w-]{6}...`)
  with its lookarounds and anchors dropped.
- `Shape`: a segment of one class and a few single characters, as fixed
  strings to look for in bytes translated to member/character/other.
- `Chain`: every match contains these strings in this order, with no
  whitespace between them (`://` then `@` in `://user:password@`).

Lookarounds and anchors consume nothing: their neighbours stay adjacent, and
dropping them only widens what a sub-expression matches. Every factor is
necessary, never sufficient: the screen only decides where the real pattern
is worth running.

`robust_factors` keeps the factors that survive detect-secrets' transformers
(screen.py gives the argument): made of safe characters (not in `UNSAFE`),
not ending with a `:` and not a lone `=`; exact runs of classes without
separators either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from re import Pattern

from ml_policy.secrets.regex_tree import (
    IGNORECASE,
    Alt,
    Char,
    Node,
    Opaque,
    Repeat,
    Seq,
    Zero,
    all_chars,
    ascii_members,
    char_repeat,
    edge_classes,
    matches,
    nullable,
    repeated_char,
    same_class,
    source,
    tree,
)

# Characters detect-secrets' transformers write, drop or fold text at inside a
# value (see screen.py): whitespace (YAML folds line breaks into spaces, strip
# and rstrip drop it), `"` and `\` (quotes escaped as `\"`), `'` (YAML's '' in
# single quotes) and `%` (INI's %%). The `:` and `=` they write around values
# are handled apart: a factor may not end with `:` or be a lone `=`.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)  # every character for which str.isspace() is true (a test checks)
UNSAFE = WHITESPACE + "\"'\\%"

_MAX_STRINGS = 64  # larger alternations are split: each part is still necessary
MIN_RUN = 8  # shorter runs of a class are everywhere: not worth a search


@dataclass(frozen=True)
class Literals:
    """Every match contains one of `strings` (compared case-insensitively when `ignore_case`)."""

    strings: frozenset[str]
    ignore_case: bool

    @property
    def shortest(self) -> int:
        return min(map(len, self.strings))


@dataclass(frozen=True)
class Run:
    """Every match contains `length` consecutive characters matched by `charset`."""

    charset: str  # a one-character expression: `[0-9a-f]`, `\d`, `k`
    flags: int
    length: int
    wide: bool  # whether the class may match a non-ASCII character
    # Whether some run of exactly `length` is a whole run of the class (the characters
    # around it are not in it): a test that ASCII texts allow (lookup.py).
    exact: bool = False


@dataclass(frozen=True)
class Segment:
    """Every match contains a match of `source` (flags are inline).

    `ascii`: whether its classes are explicit ASCII characters only (no `\\d`, `\\w`,
    negation): then it matches the same in UTF-8 bytes, with IGNORECASE in bytes
    whose characters re.IGNORECASE takes for ASCII letters are folded to them.
    """

    source: str
    ascii: bool = False
    ignore_case: bool = False  # whether some of it ignores case


@dataclass(frozen=True)
class Shape:
    """Every match, read through `table` (a bytes.translate table), contains each of `needles`.

    The table maps the members of a segment's classes to 1, each of a few single
    characters of it (`.` in `[\\w-]{23}\\.[\\w-]{6}`) to a symbol of its own, and
    the rest to 0; it reads a narrow view (lookup.Text.members: one byte per
    character, a non-ASCII character as its first byte).
    """

    table: bytes
    needles: tuple[bytes, ...]


@dataclass(frozen=True)
class Chain:
    """Every match contains one of each literal set, in order, with no whitespace between."""

    links: tuple[Literals, ...]

    @property
    def source(self) -> str:
        """As a regular expression."""
        return r"\S*?".join(
            f"(?{'i' if link.ignore_case else ''}:{'|'.join(map(re.escape, sorted(link.strings)))})"
            for link in self.links
        )


Factor = Literals | Run | Segment | Chain | Shape


# --- literal strings -------------------------------------------------------------------------


Exact = tuple[frozenset[str], bool]  # every string a node can match, whether case is ignored
_EMPTY: Exact = (frozenset({""}), False)


def _exact(node: Node) -> Exact | None:
    """All strings `node` matches when they are few, else None."""
    if isinstance(node, Char):
        return None if node.members is None else (node.members, bool(node.flags & IGNORECASE))
    if isinstance(node, Zero):
        return _EMPTY
    if isinstance(node, Seq):
        result: Exact | None = _EMPTY
        for item in node.items:
            part = _exact(item)
            result = None if part is None or result is None else _product(result, part)
        return result
    if isinstance(node, Alt):
        parts = [_exact(branch) for branch in node.branches]
        known = [p for p in parts if p is not None]
        strings = frozenset().union(*(p[0] for p in known))
        if len(known) < len(parts) or len(strings) > _MAX_STRINGS:
            return None
        return strings, any(p[1] for p in known)
    return None  # a repeat: finite ones are rare in these patterns


def _product(left: Exact, right: Exact) -> Exact | None:
    if len(left[0]) * len(right[0]) > _MAX_STRINGS:
        return None
    # Case is ignored for the whole product if for a part: a weaker, still necessary condition.
    return frozenset(a + b for a in left[0] for b in right[0]), left[1] or right[1]


def literal_factors(node: Node) -> list[Literals]:
    """Literal sets every match of `node` contains (as found; see `robust`)."""
    if isinstance(node, Seq):
        return _sequence_literals(node)
    if isinstance(node, Alt):
        return _alternation_literals(node)
    if isinstance(node, Repeat) and node.low >= 1:
        return literal_factors(node.node)
    exact = _exact(node)
    return [Literals(*exact)] if exact and "" not in exact[0] else []


def _sequence_literals(node: Seq) -> list[Literals]:
    found: list[Literals] = []
    current = _EMPTY  # the exact strings of the parts just read, in a row
    for item in node.items:
        part = _exact(item)
        joined = None if part is None else _product(current, part)
        if joined is not None:
            current = joined
            continue
        found.append(Literals(*current))  # adjacency ends here
        current = part or _EMPTY
        if part is None:
            found += literal_factors(item)
    found.append(Literals(*current))
    return [f for f in found if "" not in f.strings]


def _alternation_literals(node: Alt) -> list[Literals]:
    exact = _exact(node)
    if exact is not None:
        return [Literals(*exact)] if "" not in exact[0] else []
    best: list[Literals] = []
    for branch in node.branches:
        robust_ones = [f for f in map(robust, literal_factors(branch)) if f is not None]
        if not robust_ones:
            return []  # a branch without a literal: the alternation has none
        best.append(max(robust_ones, key=_score))
    strings = frozenset().union(*(f.strings for f in best))
    return [Literals(strings, any(f.ignore_case for f in best))]


# --- runs of one class ----------------------------------------------------------------------


def run_factors(node: Seq) -> list[Run]:
    """Runs of one class every match of the sequence contains (at least MIN_RUN long)."""
    found: list[Run] = []
    key: Char | None = None
    length = 0
    for item in node.items:
        if isinstance(item, Zero):
            continue  # consumes nothing: the characters around it are adjacent
        char, count = repeated_char(item)
        if char is not None and key is not None and same_class(char, key):
            length += count
            continue
        if key is not None:
            found.append(Run(key.charset, key.flags, length, key.wide))
        key, length = char, count
        if isinstance(item, Repeat) and char is None and item.low >= 1:
            found += run_factors(item.node)
    if key is not None:
        found.append(Run(key.charset, key.flags, length, key.wide))
    return [run for run in found if run.length >= MIN_RUN]


# --- segments ----------------------------------------------------------------------------------


def segment_factors(node: Seq) -> list[Segment | Shape]:
    """The stretches of consecutive safe parts of the sequence, with two parts or more
    that must match. Parts at either end that may match nothing are dropped, and
    at the end those that may match a `:` (a transformer may have written it)."""
    found: list[Segment | Shape] = []
    stretch: list[Node] = []
    for item in [*node.items, Opaque()]:
        if all_chars(item, _safe):
            stretch.append(item)
            continue
        while stretch and nullable(stretch[0]):
            stretch.pop(0)
        while stretch and (nullable(stretch[-1]) or _may_match(stretch[-1], ":")):
            stretch.pop()
        parts = Seq(tuple(stretch))
        # One part is a literal or a run already; only literals, a literal set.
        if sum(not isinstance(part, Zero) for part in stretch) >= 2 and _exact(parts) is None:
            ascii = all_chars(parts, lambda char: char.ascii)
            folds = not all_chars(parts, lambda char: not char.flags & IGNORECASE)
            found.append(Segment(source(parts), ascii, folds))
            shape = _shape(stretch)
            if shape is not None:
                found.append(shape)
        stretch = []
    return found


def _shape(stretch: list[Node]) -> Shape | None:
    """The segment as needles for a translated view (see Shape), if it has a single
    character that none of its classes has; one needle per stretch of fixed length."""
    chars = [(char, low, high) for char, low, high in map(char_repeat, stretch) if char]
    if len(chars) < len(stretch) - sum(isinstance(part, Zero) for part in stretch):
        return None  # a part that is not one class, repeated or not
    united = [char for char, _, _ in chars if _mark(char) is None]
    table = bytearray(int(any(_member(c, b) for c in united)) for b in range(256))
    # A mark some class has too is read as a member: a weaker, still necessary condition.
    marks = sorted({m for m in (_mark(char) for char, _, _ in chars) if m and not table[ord(m)]})
    symbols = {mark: i + 2 for i, mark in enumerate(marks)}
    for mark, code in symbols.items():
        table[ord(mark)] = code
    needles: list[bytes] = []
    current = b""
    for char, low, high in chars:
        symbol = bytes([symbols.get(_mark(char) or "", 1)])
        current += symbol * low
        if high != low:  # how many is not fixed: what comes after starts a new needle
            needles.append(current)
            current = symbol * low
    needles.append(current)
    kept = tuple(n for n in needles if len(n) >= 3 and n.strip(b"\x01"))
    return Shape(bytes(table), kept) if kept else None


def _mark(char: Char) -> str | None:
    """The character, when the class is one ASCII character that is no letter under
    IGNORECASE (which also matches the other case and a few non-ASCII letters)."""
    if char.members is None or len(char.members) != 1:
        return None
    [mark] = char.members
    if not mark.isascii() or (char.flags & IGNORECASE and mark.isalpha()):
        return None
    return mark


def _member(char: Char, byte: int) -> bool:
    """Whether `byte` in a narrow view (lookup.Text.members) may stand for a member:
    an ASCII member, or any non-ASCII character (its first byte) if the class has one."""
    if byte >= 0x80:
        return char.wide
    return chr(byte) in ascii_members(char.charset, char.flags)


def _safe(char: Char) -> bool:
    return is_safe_class(char.charset, char.flags)


def _may_match(node: Node, character: str) -> bool:
    return not all_chars(node, lambda char: not matches(char.charset, char.flags, character))


def _no_whitespace(char: Char) -> bool:
    return not matches(char.charset, char.flags, WHITESPACE)


# --- chains --------------------------------------------------------------------------------------


def chain_factors(node: Seq) -> list[Chain]:
    """For each stretch of parts that match no whitespace but some other unsafe
    character (no segment then): its literals' safe pieces, in order."""
    found: list[Chain] = []
    stretch: list[Node] = []
    for item in [*node.items, Opaque()]:
        if all_chars(item, _no_whitespace):
            stretch.append(item)
            continue
        literals = _sequence_literals(Seq(tuple(stretch)))
        links = tuple(link for link in map(robust, literals) if link is not None)
        if len(links) >= 2 and not all(all_chars(i, _safe) for i in stretch):
            found.append(Chain(links))
        stretch = []
    return found


# --- robust factors --------------------------------------------------------------------------


def is_safe_class(charset: str, flags: int) -> bool:
    return not matches(charset, flags, UNSAFE)


def robust(factor: Literals) -> Literals | None:
    """The factor cut down to what no transformer can make up: each string's longest
    safe piece (a piece of a necessary string is necessary)."""
    pieces = {safe_piece(s) for s in factor.strings}
    if "" in pieces or (factor.ignore_case and not all(p.isascii() for p in pieces)):
        return None  # case folding in screen.py is only exact for ASCII
    # A string that contains another adds nothing: containing it means containing the other.
    minimal = frozenset(p for p in pieces if not any(q != p and q in p for q in pieces))
    return Literals(minimal, factor.ignore_case)


def safe_piece(string: str) -> str:
    """The longest part of `string` without an unsafe character, a trailing `:` or a lone `=`."""
    pieces = (piece.rstrip(":") for piece in _UNSAFE.split(string))
    return max((piece for piece in pieces if piece != "="), key=len, default="")


_UNSAFE = re.compile(f"[{re.escape(UNSAFE)}]")


def _score(factor: Literals) -> tuple[int, int]:
    """Longer strings first (rarer), then fewer of them."""
    return factor.shortest, -len(factor.strings)


@cache
def robust_factors(pattern: Pattern[str]) -> tuple[Factor, ...]:
    """The pattern's robust factors, cheapest to look for first (see screen.py):
    literal sets (longest first), runs (longest first), segments."""
    parsed = tree(pattern)
    literals = {f for f in map(robust, literal_factors(parsed)) if f is not None}
    runs = {run for run in map(_robust_run, run_factors(parsed)) if run is not None}
    runs |= set(exact_runs(parsed))
    return (
        *sorted(literals, key=_score, reverse=True),
        *sorted(runs, key=lambda run: run.length, reverse=True),
        *dict.fromkeys(chain_factors(parsed)),
        *dict.fromkeys(segment_factors(parsed)),
    )


# Characters next to a key or value in the file that are not in the transformed line,
# besides whitespace and quotes: YAML's `:`, `,`, brackets and braces, INI's `=`.
_SEPARATORS = ":=,[]{}"


def exact_runs(node: Seq) -> list[Run]:
    """Fixed-length runs (`[0-9a-f]{32}`) that the pattern fences on both sides with
    characters not of their class: the match holds a whole run of exactly that length.

    Robust when the class has no unsafe character nor a separator: a transformed
    line's whole run of such a class is a whole run of the file too (the file has
    whitespace, quotes or separators where the line has what transformers write).
    """
    found = []
    for index, item in enumerate(node.items):
        char, low, high = char_repeat(item)
        if char is None or low != high or low < MIN_RUN or not _fenced(node.items, index, char):
            continue
        if is_safe_class(char.charset, char.flags) and not matches(
            char.charset, char.flags, _SEPARATORS
        ):
            found.append(Run(char.charset, char.flags, low, char.wide, exact=True))
    return found


def _fenced(items: tuple[Node, ...], index: int, char: Char) -> bool:
    """Whether the characters just before and just after items[index] are never `char`."""
    before = _edge(reversed(items[:index]), last=True)
    after = _edge(items[index + 1 :], last=False, ahead_of=char)
    return all(
        edge is not None and all(_disjoint(other, char) for other in edge)
        for edge in (before, after)
    )


def _edge(items: Iterable[Node], *, last: bool, ahead_of: Char | None = None) -> list[Char] | None:
    """The classes the nearest character in `items` may come from (`last`: their last
    character); None when it may be outside the pattern or is unknown. A negative
    lookahead of a class that holds `ahead_of` settles it."""

    def settles(zero: Zero) -> bool:
        excluded = zero.not_ahead
        return ahead_of is not None and excluded is not None and _covers(excluded, ahead_of)

    edge = edge_classes(items, last=last, stops=settles)
    return edge[0] if edge is not None and edge[1] else None


def _disjoint(a: Char, b: Char) -> bool:
    """Whether no character is in both classes (unknown when both may be non-ASCII)."""
    overlap = ascii_members(a.charset, a.flags) & ascii_members(b.charset, b.flags)
    return not overlap and not (a.wide and b.wide)


def _covers(wide: Char, narrow: Char) -> bool:
    """Whether every character of `narrow` is in `wide`."""
    if (wide.charset, wide.flags) == (narrow.charset, narrow.flags):
        return True
    inside = ascii_members(narrow.charset, narrow.flags) <= ascii_members(wide.charset, wide.flags)
    return inside and not narrow.wide


def _robust_run(run: Run) -> Run | None:
    """The run if its class is safe; one shorter if it may end with a written `:`."""
    if not is_safe_class(run.charset, run.flags):
        return None
    if matches(run.charset, run.flags, ":"):
        run = Run(run.charset, run.flags, run.length - 1, run.wide)
    return run if run.length >= MIN_RUN else None
