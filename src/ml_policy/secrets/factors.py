"""What every match of a regular expression must contain: its necessary factors.

Read off the expression's parse tree (`re`'s own parser), so
they follow the plugins' patterns as written, upstream changes included:

- `Literals`: every match contains one of these strings. A concatenation's
  consecutive exact parts give them (the cross product of small
  alternations and classes: `(?:ghp|gho)_` gives `ghp_`, `gho_`); a part
  that must match at least once gives its own; an alternation, the union of
  its branches'.
- `Run`: every match contains `length` consecutive characters of one class
  (`[0-9a-f]{40}`).
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
not ending with a `:` and not a lone `=`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from re import Pattern
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sre_parse as _parser
else:
    try:
        from re import _parser
    except ImportError:  # Python 3.10
        import sre_parse as _parser

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
_MAX_MEMBERS = 16  # a class this small is treated as an alternation of characters
MIN_RUN = 8  # shorter runs of a class are everywhere: not worth a search
# As ints: RegexFlag's operators are slow, and flags are tested for every character.
_IGNORECASE, _ASCII, _DOTALL = int(re.IGNORECASE), int(re.ASCII), int(re.DOTALL)
_CLASS_FLAGS = _IGNORECASE | _ASCII | _DOTALL  # what changes what a class matches
_FLAG_LETTERS = ((_IGNORECASE, "i"), (_ASCII, "a"), (_DOTALL, "s"))
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


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


# --- a typed copy of the parse tree ---------------------------------------------------------


@dataclass(frozen=True)
class _Char:
    """One character of the class `charset`; `members` lists it when it is a few literals;
    `wide`: whether it may be a non-ASCII character; `ascii`: whether the class is
    explicit ASCII characters (no category, no negation)."""

    charset: str
    flags: int
    members: frozenset[str] | None
    wide: bool = True
    ascii: bool = False


@dataclass(frozen=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alt:
    branches: tuple[_Node, ...]


@dataclass(frozen=True)
class _Repeat:
    node: _Seq
    low: int
    high: int | None  # None: no upper bound


@dataclass(frozen=True)
class _Zero:
    """Consumes nothing: an anchor or a lookaround; `not_ahead`, a negative lookahead of
    one class (`(?![A-Za-z0-9_-])`): the next character is not one of it."""

    not_ahead: _Char | None = None


@dataclass(frozen=True)
class _Opaque:
    """Anything else (a back reference, a conditional): no factor comes from it."""


_Node = _Char | _Seq | _Alt | _Repeat | _Zero | _Opaque


def _tree(pattern: Pattern[str]) -> _Seq:
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    return _sequence(parsed, int(parsed.state.flags))  # an int: RegexFlag's `&` is slow


def _sequence(items: Any, flags: int) -> _Seq:
    nodes: list[_Node] = []
    for op, av in items:
        node = _node(str(op), av, flags)
        nodes += node.items if isinstance(node, _Seq) else [node]  # groups are just sequences
    return _Seq(tuple(nodes))


def _node(op: str, av: Any, flags: int) -> _Node:
    if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
        return _char(op, av, flags & _CLASS_FLAGS)
    if op == "SUBPATTERN":
        _, add, remove, sub = av
        return _sequence(sub, (flags | add) & ~remove)
    if op == "ATOMIC_GROUP":
        return _sequence(av, flags)
    if op == "BRANCH":
        return _Alt(tuple(_sequence(branch, flags) for branch in av[1]))
    if op in _REPEATS:
        low, high, sub = av
        return _Repeat(_sequence(sub, flags), low, None if high == _parser.MAXREPEAT else high)
    if op == "ASSERT_NOT" and av[0] == 1:
        ahead = _sequence(av[1], flags)
        if len(ahead.items) == 1 and isinstance(ahead.items[0], _Char):
            return _Zero(ahead.items[0])
    return _Zero() if op in _ZERO_WIDTH else _Opaque()


def _char(op: str, av: Any, flags: int) -> _Char:
    if op == "LITERAL":
        return _Char(re.escape(chr(av)), flags, frozenset(chr(av)), _wide(av, av, flags), av < 0x80)
    if op == "NOT_LITERAL":
        return _Char(f"[^{re.escape(chr(av))}]", flags, None)
    if op == "ANY":
        return _Char(".", flags, None)
    return _char_class(av, flags)


def _char_class(items: Any, flags: int) -> _Char:
    parts: list[str] = []
    members: set[str] | None = set()
    wide, explicit = False, True
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            parts.append(re.escape(chr(av)))
            members = None if members is None else members | {chr(av)}
            wide, explicit = wide or _wide(av, av, flags), explicit and av < 0x80
        elif name == "RANGE":
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
            small = av[1] - av[0] < _MAX_MEMBERS
            span = {chr(c) for c in range(av[0], av[1] + 1)} if small else None
            members = None if members is None or span is None else members | span
            wide, explicit = wide or _wide(av[0], av[1], flags), explicit and av[1] < 0x80
        elif name == "NEGATE":
            parts.insert(0, "^")
            members, wide, explicit = None, True, False
        elif name == "CATEGORY" and str(av) in _CATEGORIES:
            parts.append(_CATEGORIES[str(av)])
            members, explicit = None, False
            # Unicode digits, letters, spaces; only their complements under re.ASCII.
            wide = wide or not flags & _ASCII or "_NOT_" in str(av)
        else:  # unknown to this reader: any character, which is never wrong
            return _Char("(?s:.)", flags, None)
    few = frozenset(members) if members and len(members) <= _MAX_MEMBERS else None
    return _Char(f"[{''.join(parts)}]", flags, few, wide, explicit)


def _wide(low: int, high: int, flags: int) -> bool:
    """Whether code points low..high match a non-ASCII character: beyond ASCII, or under
    IGNORECASE an i, k or s (dotted and dotless i, KELVIN SIGN, LONG S; a test checks
    every code point)."""
    if high >= 0x80:
        return True
    if not flags & _IGNORECASE or flags & _ASCII:
        return False
    return any(low <= ord(c) <= high for c in "IKSiks")


# --- literal strings -------------------------------------------------------------------------


Exact = tuple[frozenset[str], bool]  # every string a node can match, whether case is ignored
_EMPTY: Exact = (frozenset({""}), False)


def _exact(node: _Node) -> Exact | None:
    """All strings `node` matches when they are few, else None."""
    if isinstance(node, _Char):
        return None if node.members is None else (node.members, bool(node.flags & _IGNORECASE))
    if isinstance(node, _Zero):
        return _EMPTY
    if isinstance(node, _Seq):
        result: Exact | None = _EMPTY
        for item in node.items:
            part = _exact(item)
            result = None if part is None or result is None else _product(result, part)
        return result
    if isinstance(node, _Alt):
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


def literal_factors(node: _Node) -> list[Literals]:
    """Literal sets every match of `node` contains (as found; see `robust`)."""
    if isinstance(node, _Seq):
        return _sequence_literals(node)
    if isinstance(node, _Alt):
        return _alternation_literals(node)
    if isinstance(node, _Repeat) and node.low >= 1:
        return literal_factors(node.node)
    exact = _exact(node)
    return [Literals(*exact)] if exact and "" not in exact[0] else []


def _sequence_literals(node: _Seq) -> list[Literals]:
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


def _alternation_literals(node: _Alt) -> list[Literals]:
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


def run_factors(node: _Seq) -> list[Run]:
    """Runs of one class every match of the sequence contains (at least MIN_RUN long)."""
    found: list[Run] = []
    key: _Char | None = None
    length = 0
    for item in node.items:
        if isinstance(item, _Zero):
            continue  # consumes nothing: the characters around it are adjacent
        char, count = _repeated_char(item)
        if char is not None and key is not None and _same_class(char, key):
            length += count
            continue
        if key is not None:
            found.append(Run(key.charset, key.flags, length, key.wide))
        key, length = char, count
        if isinstance(item, _Repeat) and char is None and item.low >= 1:
            found += run_factors(item.node)
    if key is not None:
        found.append(Run(key.charset, key.flags, length, key.wide))
    return [run for run in found if run.length >= MIN_RUN]


def _same_class(a: _Char, b: _Char) -> bool:
    return (a.charset, a.flags) == (b.charset, b.flags)


def _repeated_char(node: _Node) -> tuple[_Char | None, int]:
    """(the class, how many at least) when `node` is one class, once or repeated."""
    if isinstance(node, _Char):
        return node, 1
    if isinstance(node, _Repeat) and len(node.node.items) == 1:
        inner = node.node.items[0]
        if isinstance(inner, _Char):
            return inner, node.low
    return None, 0


# --- segments ----------------------------------------------------------------------------------


def segment_factors(node: _Seq) -> list[Segment | Shape]:
    """The stretches of consecutive safe parts of the sequence, with two parts or more
    that must match. Parts at either end that may match nothing are dropped, and
    at the end those that may match a `:` (a transformer may have written it)."""
    found: list[Segment | Shape] = []
    stretch: list[_Node] = []
    for item in [*node.items, _Opaque()]:
        if _all_chars(item, _safe):
            stretch.append(item)
            continue
        while stretch and _nullable(stretch[0]):
            stretch.pop(0)
        while stretch and (_nullable(stretch[-1]) or _may_match(stretch[-1], ":")):
            stretch.pop()
        parts = _Seq(tuple(stretch))
        # One part is a literal or a run already; only literals, a literal set.
        if sum(not isinstance(part, _Zero) for part in stretch) >= 2 and _exact(parts) is None:
            ascii = _all_chars(parts, lambda char: char.ascii)
            folds = not _all_chars(parts, lambda char: not char.flags & _IGNORECASE)
            found.append(Segment(_source(parts), ascii, folds))
            shape = _shape(stretch)
            if shape is not None:
                found.append(shape)
        stretch = []
    return found


def _shape(stretch: list[_Node]) -> Shape | None:
    """The segment as needles for a translated view (see Shape), if it has a single
    character that none of its classes has; one needle per stretch of fixed length."""
    chars = [(char, low, high) for char, low, high in map(_char_repeat, stretch) if char]
    if len(chars) < len(stretch) - sum(isinstance(part, _Zero) for part in stretch):
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


def _char_repeat(node: _Node) -> tuple[_Char | None, int, int | None]:
    char, low = _repeated_char(node)
    high = node.high if isinstance(node, _Repeat) else 1
    return char, low, high


def _mark(char: _Char) -> str | None:
    """The character, when the class is one ASCII character that is no letter under
    IGNORECASE (which also matches the other case and a few non-ASCII letters)."""
    if char.members is None or len(char.members) != 1:
        return None
    [mark] = char.members
    if not mark.isascii() or (char.flags & _IGNORECASE and mark.isalpha()):
        return None
    return mark


def _member(char: _Char, byte: int) -> bool:
    """Whether `byte` in a narrow view (lookup.Text.members) may stand for a member:
    an ASCII member, or any non-ASCII character (its first byte) if the class has one."""
    if byte >= 0x80:
        return char.wide
    return chr(byte) in ascii_members(char.charset, char.flags)


_ASCII_CHARACTERS = "".join(map(chr, range(0x80)))


@cache
def ascii_members(charset: str, flags: int) -> frozenset[str]:
    """The ASCII characters the class matches."""
    return frozenset(re.compile(charset, flags).findall(_ASCII_CHARACTERS))


def _nullable(node: _Node) -> bool:
    """Whether `node` can match the empty string."""
    if isinstance(node, _Zero):
        return True
    if isinstance(node, _Seq):
        return all(map(_nullable, node.items))
    if isinstance(node, _Alt):
        return any(map(_nullable, node.branches))
    if isinstance(node, _Repeat):
        return node.low == 0 or _nullable(node.node)
    return False


def _all_chars(node: _Node, test: Callable[[_Char], bool]) -> bool:
    """Whether `test` holds for every class in `node` (which has no back reference)."""
    if isinstance(node, _Char):
        return test(node)
    if isinstance(node, _Seq):
        return all(_all_chars(item, test) for item in node.items)
    if isinstance(node, _Alt):
        return all(_all_chars(branch, test) for branch in node.branches)
    if isinstance(node, _Repeat):
        return _all_chars(node.node, test)
    return isinstance(node, _Zero)


def _safe(char: _Char) -> bool:
    return is_safe_class(char.charset, char.flags)


def _may_match(node: _Node, character: str) -> bool:
    return not _all_chars(node, lambda char: not _matches(char.charset, char.flags, character))


def _no_whitespace(char: _Char) -> bool:
    return not _matches(char.charset, char.flags, WHITESPACE)


# --- chains --------------------------------------------------------------------------------------


def chain_factors(node: _Seq) -> list[Chain]:
    """For each stretch of parts that match no whitespace but some other unsafe
    character (no segment then): its literals' safe pieces, in order."""
    found: list[Chain] = []
    stretch: list[_Node] = []
    for item in [*node.items, _Opaque()]:
        if _all_chars(item, _no_whitespace):
            stretch.append(item)
            continue
        literals = _sequence_literals(_Seq(tuple(stretch)))
        links = tuple(link for link in map(robust, literals) if link is not None)
        if len(links) >= 2 and not all(_all_chars(i, _safe) for i in stretch):
            found.append(Chain(links))
        stretch = []
    return found


def _source(node: _Node) -> str:
    """The node as a regular expression (lookarounds and anchors dropped)."""
    if isinstance(node, _Char):
        letters = "".join(letter for flag, letter in _FLAG_LETTERS if node.flags & flag)
        return f"(?{letters}:{node.charset})" if letters else node.charset
    if isinstance(node, _Seq):
        return "".join(map(_source, node.items))
    if isinstance(node, _Alt):
        return f"(?:{'|'.join(map(_source, node.branches))})"
    if isinstance(node, _Repeat):
        high = "" if node.high is None else str(node.high)
        return f"(?:{_source(node.node)}){{{node.low},{high}}}"
    return ""


# --- robust factors --------------------------------------------------------------------------


@cache
def _matches(charset: str, flags: int, characters: str) -> bool:
    """Whether the class matches one of `characters`."""
    one = re.compile(charset, flags)
    return any(one.fullmatch(c) for c in characters)


def is_safe_class(charset: str, flags: int) -> bool:
    return not _matches(charset, flags, UNSAFE)


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
    tree = _tree(pattern)
    literals = {f for f in map(robust, literal_factors(tree)) if f is not None}
    runs = {run for run in map(_robust_run, run_factors(tree)) if run is not None}
    runs |= set(exact_runs(tree))
    return (
        *sorted(literals, key=_score, reverse=True),
        *sorted(runs, key=lambda run: run.length, reverse=True),
        *dict.fromkeys(chain_factors(tree)),
        *dict.fromkeys(segment_factors(tree)),
    )


# Characters next to a key or value in the file that are not in the transformed line,
# besides whitespace and quotes: YAML's `:`, `,`, brackets and braces, INI's `=`.
_SEPARATORS = ":=,[]{}"


def exact_runs(node: _Seq) -> list[Run]:
    """Fixed-length runs (`[0-9a-f]{32}`) that the pattern fences on both sides with
    characters not of their class: the match holds a whole run of exactly that length.

    Robust when the class has no unsafe character nor a separator: a transformed
    line's whole run of such a class is a whole run of the file too (the file has
    whitespace, quotes or separators where the line has what transformers write).
    """
    found = []
    for index, item in enumerate(node.items):
        char, low, high = _char_repeat(item)
        if char is None or low != high or low < MIN_RUN or not _fenced(node.items, index, char):
            continue
        if is_safe_class(char.charset, char.flags) and not _matches(
            char.charset, char.flags, _SEPARATORS
        ):
            found.append(Run(char.charset, char.flags, low, char.wide, exact=True))
    return found


def _fenced(items: tuple[_Node, ...], index: int, char: _Char) -> bool:
    """Whether the characters just before and just after items[index] are never `char`."""
    before = _edge(reversed(items[:index]), last=True)
    after = _edge(items[index + 1 :], last=False, ahead_of=char)
    return all(
        edge is not None and all(_disjoint(other, char) for other in edge)
        for edge in (before, after)
    )


def _edge(
    items: Iterable[_Node], *, last: bool, ahead_of: _Char | None = None
) -> list[_Char] | None:
    """The classes the nearest character in `items` may come from (`last`: their last
    character); None when it may be outside the pattern or is unknown. A negative
    lookahead of a class that holds `ahead_of` settles it."""
    found: list[_Char] = []
    for item in items:
        if isinstance(item, _Zero):
            if ahead_of is not None and item.not_ahead and _covers(item.not_ahead, ahead_of):
                return found
            continue
        classes = _end_classes(item, last=last)
        if classes is None:
            return None
        found += classes
        if not _nullable(item):
            return found
    return None


def _end_classes(node: _Node, *, last: bool) -> list[_Char] | None:
    """The classes the first (or last) character of a match of `node` may come from."""
    if isinstance(node, _Char):
        return [node]
    if isinstance(node, _Repeat):
        return _end_classes(node.node, last=last)
    if isinstance(node, _Alt):
        parts = [_end_classes(branch, last=last) for branch in node.branches]
        return None if any(p is None for p in parts) else [c for p in parts if p for c in p]
    if isinstance(node, _Seq):
        found: list[_Char] = []
        for item in reversed(node.items) if last else node.items:
            if isinstance(item, _Zero):
                continue
            classes = _end_classes(item, last=last)
            if classes is None:
                return None
            found += classes
            if not _nullable(item):
                return found
        return found  # all of it may be empty: the caller goes on (the item is nullable)
    return None


def _disjoint(a: _Char, b: _Char) -> bool:
    """Whether no character is in both classes (unknown when both may be non-ASCII)."""
    overlap = ascii_members(a.charset, a.flags) & ascii_members(b.charset, b.flags)
    return not overlap and not (a.wide and b.wide)


def _covers(wide: _Char, narrow: _Char) -> bool:
    """Whether every character of `narrow` is in `wide`."""
    if (wide.charset, wide.flags) == (narrow.charset, narrow.flags):
        return True
    inside = ascii_members(narrow.charset, narrow.flags) <= ascii_members(wide.charset, wide.flags)
    return inside and not narrow.wide


def _robust_run(run: Run) -> Run | None:
    """The run if its class is safe; one shorter if it may end with a written `:`."""
    if not is_safe_class(run.charset, run.flags):
        return None
    if _matches(run.charset, run.flags, ":"):
        run = Run(run.charset, run.flags, run.length - 1, run.wide)
    return run if run.length >= MIN_RUN else None
