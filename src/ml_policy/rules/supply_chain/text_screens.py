"""Sound text screens of the MLS rules: what a file's text must hold for a finding.

Between a name and its `(` Python allows whitespace, a backslash continuation
and, inside brackets, comments; `GAP` allows all three. A line that starts
with `>>>` is never code (`>>>` cannot start an expression): it is a doctest
in a docstring, and a match there does not count.
"""

from __future__ import annotations

import re
from functools import cache

GAP = r"(?:[\s\\]|#[^\n]*)*"
# `from_pretrained(` whose first argument may be a literal or a name (MLS003 reads
# nothing else): a quote, a name (or keyword) ending at `,`, `)`, `=` or a comment, a
# star (a splat, then the id as a keyword), or more parentheses.
FROM_PRETRAINED_ID = re.compile(
    rf"from_pretrained{GAP}\((?:[\s\\(]|#[^\n]*)*(?:\*|[rRuUbBfF]{{0,2}}[\"']|\w+[\s\\]*[,)=#])"
)
# Calls of an unpickling function, or an import that renames one.
LOAD_CALL = re.compile(rf"\b(?:load|loads|read_pickle)(?:{GAP}\(|[\s\\]+as\b)")


def in_code(pattern: re.Pattern[str], text: str) -> bool:
    """Whether `pattern` matches outside doctest lines."""
    for match in pattern.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if not text[line_start : match.start()].lstrip().startswith(">>>"):
            return True
    return False


def imports_module(text: str, module: str) -> bool:
    """Whether an import statement may name `module` (`import a, module`, `from module.x
    import y`, across backslash continuations): every finding needs the import."""
    return bool(_import_pattern(module).search(text))


@cache
def _import_pattern(module: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:from|import)\b(?:[^\n;#]|\\\n)*\b{re.escape(module)}\b")
