"""Sound text screens of the MLS rules: what a file's text must hold for a finding.

Between a name and its `(` Python allows whitespace, a backslash continuation
and, inside brackets, comments; `GAP` allows all three. A line that starts
with `>>>` is never code (`>>>` cannot start an expression): it is a doctest
in a docstring, and a match there does not count.

Patterns start with a literal, not `\\b` (the regex engine searches for a literal
fast, and tries a `\\b` at every position): `word_search` checks the word start.
"""

from __future__ import annotations

import re
from functools import cache

from ml_policy.lint.textscan import starts_word, word_search

__all__ = ["word_search"]

GAP = r"(?:[\s\\]|#[^\n]*)*"
# `from_pretrained(` whose first argument may be a literal or a name (MLS003 reads
# nothing else): a quote, a name (or keyword) ending at `,`, `)`, `=` or a comment, a
# star (a splat, then the id as a keyword), or more parentheses.
FROM_PRETRAINED_ID = re.compile(
    rf"from_pretrained{GAP}\((?:[\s\\(]|#[^\n]*)*(?:\*|[rRuUbBfF]{{0,2}}[\"']|\w+[\s\\]*[,)=#])"
)
# Calls of an unpickling function, or an import that renames one (at a word start).
LOAD_CALL = re.compile(rf"(?:load|loads|read_pickle)(?:{GAP}\(|[\s\\]+as\b)")
_IMPORT_KEYWORD = re.compile(r"\b(?:from|import)\b")


def in_code(pattern: re.Pattern[str], text: str) -> bool:
    """Whether `pattern` matches outside doctest lines."""
    for match in pattern.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if not text[line_start : match.start()].lstrip().startswith(">>>"):
            return True
    return False


def imports_module(text: str, module: str) -> bool:
    """Whether an import statement may name `module` (`import a, module`, `from module.x
    import y`, across backslash continuations): every finding needs the import. Where
    the module is spelt as a word, the statement before it holds `from` or `import`."""
    return any(
        starts_word(text, match.start())
        and _IMPORT_KEYWORD.search(_statement_before(text, match.start()))
        for match in _word(module).finditer(text)
    )


def _statement_before(text: str, end: int) -> str:
    """The text before `end` on its logical line (backslash continuations joined), after
    the line's last `;` or `#` before `end`."""
    start = text.rfind("\n", 0, end)
    while start > 0 and text[start - 1] == "\\":
        start = text.rfind("\n", 0, start - 1)
    segment = text[start + 1 : end]
    return segment[max(segment.rfind(";"), segment.rfind("#")) + 1 :]


@cache
def _word(word: str) -> re.Pattern[str]:
    """`word` ending a word (its start is checked apart: `word_search`)."""
    return re.compile(rf"{re.escape(word)}\b")
