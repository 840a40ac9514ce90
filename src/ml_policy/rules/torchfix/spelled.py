"""Text screens for uses of a qualified name: where its last component must be written.

An attribute chain that resolves to `torch.range` ends in `.range` (whitespace, line
continuations and comments inside brackets may sit around the dot), and an import of it
is a `from ... import` statement that lists `range`. Files with neither cannot use it, so
the screens of MLT001/MLT004/MLT005 need not find the word in `range(...)` or `weight`.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

# What may separate tokens inside brackets: spaces, newlines, continuations, comments
# (a comment runs to the end of its line: read as shorter, `#####` backtracks exponentially).
GAP = r"(?:\s|\\\n|#[^\n]*(?![^\n]))*"
# A `from ... import` statement's names: a parenthesised list (comments may hold any
# character but a newline) or the rest of the line with its continuations. A `from` in
# a string or comment is a harmless extra match.
IMPORT_FROM_NAMES = re.compile(
    r"from[\s\\]+[\w.\s\\]+?\bimport\b[ \t]*"
    r"((?:\\\n[ \t]*)*\((?:[^)#]|#[^\n]*(?![^\n]))*\)?|(?:\\[\s\S]|[^\n\\])*)"
)


@cache
def _attribute(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{GAP}{re.escape(name)}\b")


@cache
def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b")


def may_use(text: str, qualified: str) -> bool:
    """Whether `text` may reference `qualified` through an attribute or a `from` import."""
    last = qualified.rsplit(".", 1)[-1]
    if last not in text:
        return False
    if _attribute(last).search(text):
        return True
    word = _word(last)
    return any(word.search(names) for names in _imported_names(text))


@lru_cache(maxsize=2)
def _imported_names(text: str) -> list[str]:
    """The name lists of the `from` imports (read once per file: the screens ask per name).
    The pattern starts with `from`, not `\\b`: searched for fast, and a longer word ending
    in `from` only adds a harmless match."""
    return IMPORT_FROM_NAMES.findall(text)
