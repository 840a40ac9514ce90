"""A typed copy of a regular expression's parse tree, as `factors.py` reads it.

`re`'s own parser gives the tree (so it follows the patterns as written);
this keeps what the factors need: one-character classes (with whether they
may match a non-ASCII character), sequences, alternations, repeats,
zero-width assertions (with a negative lookahead of one class), and
anything else as opaque. Groups are flattened into their sequence.
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

_MAX_MEMBERS = 16  # a class this small is treated as an alternation of characters
# As ints: RegexFlag's operators are slow, and flags are tested for every character.
IGNORECASE, _ASCII, _DOTALL = int(re.IGNORECASE), int(re.ASCII), int(re.DOTALL)
_CLASS_FLAGS = IGNORECASE | _ASCII | _DOTALL  # what changes what a class matches
_FLAG_LETTERS = ((IGNORECASE, "i"), (_ASCII, "a"), (_DOTALL, "s"))
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
class Char:
    """One character of the class `charset`; `members` lists it when it is a few literals;
    `wide`: whether it may be a non-ASCII character; `ascii`: whether the class is
    explicit ASCII characters (no category, no negation)."""

    charset: str
    flags: int
    members: frozenset[str] | None
    wide: bool = True
    ascii: bool = False


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    branches: tuple[Node, ...]


@dataclass(frozen=True)
class Repeat:
    node: Seq
    low: int
    high: int | None  # None: no upper bound


@dataclass(frozen=True)
class Zero:
    """Consumes nothing: an anchor or a lookaround; `not_ahead`, a negative lookahead of
    one class (`(?![A-Za-z0-9_-])`): the next character is not one of it."""

    not_ahead: Char | None = None


@dataclass(frozen=True)
class Opaque:
    """Anything else (a back reference, a conditional): no factor comes from it."""


Node = Char | Seq | Alt | Repeat | Zero | Opaque


def tree(pattern: Pattern[str]) -> Seq:
    """The pattern's tree: a sequence (its flags as ints, RegexFlag's `&` being slow)."""
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    return _sequence(parsed, int(parsed.state.flags))


def _sequence(items: Any, flags: int) -> Seq:
    nodes: list[Node] = []
    for op, av in items:
        node = _node(str(op), av, flags)
        nodes += node.items if isinstance(node, Seq) else [node]  # groups are just sequences
    return Seq(tuple(nodes))


def _node(op: str, av: Any, flags: int) -> Node:
    if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
        return _char(op, av, flags & _CLASS_FLAGS)
    if op == "SUBPATTERN":
        _, add, remove, sub = av
        return _sequence(sub, (flags | add) & ~remove)
    if op == "ATOMIC_GROUP":
        return _sequence(av, flags)
    if op == "BRANCH":
        return Alt(tuple(_sequence(branch, flags) for branch in av[1]))
    if op in _REPEATS:
        low, high, sub = av
        return Repeat(_sequence(sub, flags), low, None if high == _parser.MAXREPEAT else high)
    if op == "ASSERT_NOT" and av[0] == 1:
        ahead = _sequence(av[1], flags)
        if len(ahead.items) == 1 and isinstance(ahead.items[0], Char):
            return Zero(ahead.items[0])
    return Zero() if op in _ZERO_WIDTH else Opaque()


def _char(op: str, av: Any, flags: int) -> Char:
    if op == "LITERAL":
        return Char(re.escape(chr(av)), flags, frozenset(chr(av)), widens(av, av, flags), av < 0x80)
    if op == "NOT_LITERAL":
        return Char(f"[^{re.escape(chr(av))}]", flags, None)
    if op == "ANY":
        return Char(".", flags, None)
    return _char_class(av, flags)


def _char_class(items: Any, flags: int) -> Char:
    parts: list[str] = []
    members: set[str] | None = set()
    wide, explicit = False, True
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            parts.append(re.escape(chr(av)))
            members = None if members is None else members | {chr(av)}
            wide, explicit = wide or widens(av, av, flags), explicit and av < 0x80
        elif name == "RANGE":
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
            small = av[1] - av[0] < _MAX_MEMBERS
            span = {chr(c) for c in range(av[0], av[1] + 1)} if small else None
            members = None if members is None or span is None else members | span
            wide, explicit = wide or widens(av[0], av[1], flags), explicit and av[1] < 0x80
        elif name == "NEGATE":
            parts.insert(0, "^")
            members, wide, explicit = None, True, False
        elif name == "CATEGORY" and str(av) in _CATEGORIES:
            parts.append(_CATEGORIES[str(av)])
            members, explicit = None, False
            # Unicode digits, letters, spaces; only their complements under re.ASCII.
            wide = wide or not flags & _ASCII or "_NOT_" in str(av)
        else:  # unknown to this reader: any character, which is never wrong
            return Char("(?s:.)", flags, None)
    few = frozenset(members) if members and len(members) <= _MAX_MEMBERS else None
    return Char(f"[{''.join(parts)}]", flags, few, wide, explicit)


def widens(low: int, high: int, flags: int) -> bool:
    """Whether code points low..high match a non-ASCII character: beyond ASCII, or under
    IGNORECASE an i, k or s (dotted and dotless i, KELVIN SIGN, LONG S; a test checks
    every code point)."""
    if high >= 0x80:
        return True
    if not flags & IGNORECASE or flags & _ASCII:
        return False
    return any(low <= ord(c) <= high for c in "IKSiks")


def repeated_char(node: Node) -> tuple[Char | None, int]:
    """(the class, how many at least) when `node` is one class, once or repeated."""
    if isinstance(node, Char):
        return node, 1
    if isinstance(node, Repeat) and len(node.node.items) == 1:
        inner = node.node.items[0]
        if isinstance(inner, Char):
            return inner, node.low
    return None, 0


def char_repeat(node: Node) -> tuple[Char | None, int, int | None]:
    """(the class, at least, at most) when `node` is one class, once or repeated."""
    char, low = repeated_char(node)
    high = node.high if isinstance(node, Repeat) else 1
    return char, low, high


_ASCII_CHARACTERS = "".join(map(chr, range(0x80)))


@cache
def ascii_members(charset: str, flags: int) -> frozenset[str]:
    """The ASCII characters the class matches."""
    return frozenset(re.compile(charset, flags).findall(_ASCII_CHARACTERS))


def nullable(node: Node) -> bool:
    """Whether `node` can match the empty string."""
    if isinstance(node, Zero):
        return True
    if isinstance(node, Seq):
        return all(map(nullable, node.items))
    if isinstance(node, Alt):
        return any(map(nullable, node.branches))
    if isinstance(node, Repeat):
        return node.low == 0 or nullable(node.node)
    return False


def all_chars(node: Node, test: Callable[[Char], bool]) -> bool:
    """Whether `test` holds for every class in `node` (which has no back reference)."""
    if isinstance(node, Char):
        return test(node)
    if isinstance(node, Seq):
        return all(all_chars(item, test) for item in node.items)
    if isinstance(node, Alt):
        return all(all_chars(branch, test) for branch in node.branches)
    if isinstance(node, Repeat):
        return all_chars(node.node, test)
    return isinstance(node, Zero)


def source(node: Node) -> str:
    """The node as a regular expression (lookarounds and anchors dropped)."""
    if isinstance(node, Char):
        letters = "".join(letter for flag, letter in _FLAG_LETTERS if node.flags & flag)
        return f"(?{letters}:{node.charset})" if letters else node.charset
    if isinstance(node, Seq):
        return "".join(map(source, node.items))
    if isinstance(node, Alt):
        return f"(?:{'|'.join(map(source, node.branches))})"
    if isinstance(node, Repeat):
        high = "" if node.high is None else str(node.high)
        return f"(?:{source(node.node)}){{{node.low},{high}}}"
    return ""


@cache
def matches(charset: str, flags: int, characters: str) -> bool:
    """Whether the class matches one of `characters`."""
    one = re.compile(charset, flags)
    return any(one.fullmatch(c) for c in characters)


def end_classes(node: Node, *, last: bool) -> list[Char] | None:
    """The classes the first (or last) character of a match of `node` may come from."""
    if isinstance(node, Char):
        return [node]
    if isinstance(node, Repeat):
        return end_classes(node.node, last=last)
    if isinstance(node, Alt):
        parts = [end_classes(branch, last=last) for branch in node.branches]
        return None if any(p is None for p in parts) else [c for p in parts if p for c in p]
    if isinstance(node, Seq):
        edge = edge_classes(reversed(node.items) if last else node.items, last=last)
        # When all of it may be empty, the caller goes on (the item is nullable).
        return None if edge is None else edge[0]
    return None


def edge_classes(
    items: Iterable[Node], *, last: bool, stops: Callable[[Zero], bool] | None = None
) -> tuple[list[Char], bool] | None:
    """The classes the nearest character of `items` (in walking order) may come from, and
    whether it surely is one of them: a non-empty item ends the walk, and so does a
    zero-width item `stops` accepts. None when a class cannot be told."""
    found: list[Char] = []
    for item in items:
        if isinstance(item, Zero):
            if stops is not None and stops(item):
                return found, True
            continue
        classes = end_classes(item, last=last)
        if classes is None:
            return None
        found += classes
        if not nullable(item):
            return found, True
    return found, False


def same_class(a: Char, b: Char) -> bool:
    """Whether the two are the same class under the same flags."""
    return (a.charset, a.flags) == (b.charset, b.flags)
