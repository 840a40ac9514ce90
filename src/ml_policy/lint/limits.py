"""How much code the expensive stages of the lint engine take, counted in Python tokens.

The stdlib parse (with the rules' screens) and libcst cost memory and time in
proportion to the number of tokens, not of bytes: a megabyte of docstrings is a
few thousand tokens, a megabyte of `1,1,1,...` half a million. Measured peaks
(benchmarks/large_files.py and its README): the stdlib parse and screens up to
about 0.9 KB per token, libcst up to about 4 KB and 80 µs per token. The limits
keep each stage under ~400 MB and ~10 s on a 2-core machine; a file over a
stage's limit that the earlier stages cannot clear is one MLE001 naming the
rules that did not check it, so it never looks clean.

Tokens are counted with one regular expression that matches what Python's
tokenizer would (a string or a comment is one token, an operator character
one): never fewer than Python counts on the 3,615 files of the benchmark corpus,
at most 1.7 times as many. The count stops past the limit, so a 15 MB file
costs a fraction of a second.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path

from ml_policy.diagnostics import Diagnostic
from ml_policy.lint.rule import Rule
from ml_policy.parse_error import not_checked

# The stdlib parse and the screens; more than this and only the text pre-filter runs.
AST_MAX_TOKENS = 400_000
# libcst; a file with more whose screens pass is not parsed with it.
CST_MAX_TOKENS = 100_000

_TOKEN = re.compile(
    r"""
      [rRbBuUfF]{0,2}
      (?: '''[^\\']*(?:(?:\\[\s\S]|'(?!''))[^\\']*)*'''
        | \"\"\"[^\\"]*(?:(?:\\[\s\S]|"(?!""))[^\\"]*)*\"\"\"
        | '[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'
        | "[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"
      )
    | \#[^\r\n]*
    | \w+
    | [^\w\s]
    """,
    re.VERBOSE,
)


def count_tokens(text: str, most: int) -> int:
    """The Python tokens in `text`, or `most` + 1 if there are more (counting stops there).

    A token is at least one character: a text of at most N characters has at most N tokens,
    so callers count only texts longer than a limit.
    """
    return sum(1 for _ in itertools.islice(_TOKEN.finditer(text), most + 1))


def too_many_for_ast(path: Path, rules: Sequence[type[Rule]]) -> Diagnostic:
    return _not_checked(
        path, f"file too large for the ML rules (more than {AST_MAX_TOKENS:,} Python tokens)", rules
    )


def too_many_for_cst(path: Path, tokens: int, rules: Sequence[type[Rule]]) -> Diagnostic:
    stage = "file too large for the ML rules' full parse"
    return _not_checked(
        path, f"{stage} ({tokens:,} Python tokens > {CST_MAX_TOKENS:,} limit)", rules
    )


def _not_checked(path: Path, why: str, rules: Sequence[type[Rule]]) -> Diagnostic:
    codes = ", ".join(sorted(rule.code for rule in rules))
    return not_checked(f"{why}: not checked by {codes}", path)
