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

from ml_policy.lint import textscan
from ml_policy.lint.textscan import starts_word, word_search

__all__ = ["word_search"]

GAP = r"(?:[\s\\]|#[^\n]*)*"
# Calls of an unpickling function, or an import that renames one (at a word start).
LOAD_CALL = re.compile(rf"(?:load|loads|read_pickle)(?:{GAP}\(|[\s\\]+as\b)")
_IMPORT_KEYWORD = re.compile(r"\b(?:from|import)\b")


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


# What may stand before a string literal's quote: prefixes, parentheses, continuations.
_STRING_START = re.compile(r"[\s\\(]*[rRbBuUfF]{0,2}['\"]")
_BARE_NAME = re.compile(rf"[\s\\(]*({textscan.IDENTIFIER})[\s\\)]*$")


def may_pass_string(text: str, names: tuple[str, ...], keyword: str, position: int) -> bool:
    """Whether some call of `names` may pass, as `keyword=` or at `position`, a string
    literal or a name some assignment binds to one (what `ast_string_candidate` reads),
    or a rename of one of `names` may hide such a call."""
    if textscan.imported_as(text, names):
        return True
    for arguments in textscan.call_arguments(text, names):
        if arguments is None:
            return True
        value = textscan.argument_at(arguments, keyword, position)
        if value is not None and _may_be_string(text, value):
            return True
    return False


def _may_be_string(text: str, value: str) -> bool:
    if _STRING_START.match(value):
        return True
    name = _BARE_NAME.match(value)
    return name is not None and _bound_to_string(text, name.group(1))


def _bound_to_string(text: str, name: str) -> bool:
    """`name = "..."` (annotated, chained `a = name = "..."`, the literal parenthesised or
    on a continued line): some assignment may bind `name` to a string literal."""
    pattern = _string_binding(name)
    return any(starts_word(text, match.start()) for match in pattern.finditer(text))


# Between `=` and the literal: spaces, newlines, continuations, parentheses, comments.
_BEFORE_LITERAL = r"(?:[\s\\(]|#[^\n]*)*"


@cache
def _string_binding(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"{name}[ \t]*(?::[^\n]*?)?=(?!=){_BEFORE_LITERAL}"
        rf"(?:{textscan.IDENTIFIER}[ \t]*=(?!=){_BEFORE_LITERAL})*[rRbBuUfF]{{0,2}}['\"]"
    )
