"""Text screens for uses of a qualified name: where its last component must be written.

An attribute chain that resolves to `torch.range` ends in `.range` (whitespace, line
continuations and comments inside brackets may sit around the dot), and an import of it
is a `from ... import` statement that lists `range`. Files with neither cannot use it, so
the screens of MLT001/MLT004/MLT005 (and MLR001) need not find the word in `range(...)`
or `weight`.

Before that dot stands the chain's previous name: `torch` in `torch.norm`, or a local
name an import gave with `as` (`import torch as t`; `from torch import nn` binds `nn`
itself). So `self.norm(...)` and `x.norm()` are not uses of `torch.norm`. Names that the
import table's `canonical` reaches from longer spellings (`torch.nn.modules.linear.Linear`
is `torch.nn.Linear`) may follow any name.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ml_policy.lint.imports import CANONICAL
from ml_policy.lint.textscan import dot_follows

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


_AFTER_DOT = re.compile(rf"\.{GAP}([^\W\d]\w*)")
_NAME = re.compile(r"[^\W\d]\w*")


@lru_cache(maxsize=2)
def spelt_last_names(text: str) -> frozenset[str]:
    """The names `may_use` can find a listed name's last component as: after a dot, or in a
    `from` import's list (a superset; read once per file for every listed name)."""
    found = set(_AFTER_DOT.findall(text))
    for names in _imported_names(text):
        found.update(_NAME.findall(names))
    return frozenset(found)


def may_use(text: str, qualified: str) -> bool:
    """Whether `text` may reference `qualified` through an attribute or a `from` import."""
    parent, _, last = qualified.rpartition(".")
    if last not in text:
        return False
    attribute = _attribute(last)
    if _reached_by_canonical(qualified) or not parent:
        if attribute.search(text):
            return True
    else:
        previous = frozenset({parent.rpartition(".")[2]})
        if any(dot_follows(text, dot.start(), previous) for dot in attribute.finditer(text)):
            return True
    return imports_word(text, last)


def imports_word(text: str, name: str) -> bool:
    """Whether some `from` import's list holds `name` as a word (`from torch import utils`)."""
    word = _word(name)
    return any(word.search(names) for names in _imported_names(text))


def _reached_by_canonical(qualified: str) -> bool:
    return qualified.startswith(("torch.nn.", "torch.optim.")) or qualified in CANONICAL.values()


@lru_cache(maxsize=2)
def _imported_names(text: str) -> list[str]:
    """The name lists of the `from` imports (read once per file: the screens ask per name).
    The pattern starts with `from`, not `\\b`: searched for fast, and a longer word ending
    in `from` only adds a harmless match."""
    return IMPORT_FROM_NAMES.findall(text)
