"""Read just enough of Python's syntax from text to say what a file cannot contain.

The lint pre-filter (`lint/prefilter.py`) runs these scans before any parse, so they
must be cheap (regular expressions, a Python loop only per def, lambda or class)
and sound: they may see a default or an assignment that is not there (inside a
string, say), but never miss one that the parser would find. Where a scan cannot
follow the text it says so (None), and the rules that needed it stay candidates.

What the scans know of Python's lexical rules (on text whose newlines are `\\n`):

- strings, with any prefix, single- or triple-quoted, and their escapes; a
  backslash outside a string is a line continuation (anything else after it is a
  syntax error, so no file that parses has it);
- comments run to the end of the line;
- brackets nest; inside them newlines and comments are whitespace. The patterns
  follow up to `DEPTH` levels and fail, never guess, beyond;
- an f-string (or t-string) whose replacement fields nest quotes of its own kind
  (Python 3.12, PEP 701) cannot be told apart from two strings: on Python 3.12
  and later, a signature or header with an f-string prefix in it is not read
  (None). Older Pythons lex an f-string as any other string (a nested quote of its
  own kind ends it), so there the patterns read it as the parser does.

Every alternative of the patterns starts with a different character, and a comment
must reach the end of its line: there is one way to match a text, so when the
true reading fails (too deep), backtracking cannot find a wrong one instead.
"""

from __future__ import annotations

import functools
import keyword
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

DEPTH = 6  # bracket levels followed (5 in every def of the corpus); deeper are not read

# Loops are unrolled (`plain*(?:special plain*)*`, where no special starts with a plain
# character): linear to match, and to fail.
_STRING = (
    r"'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'(?!'')[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    r'|"(?!"")[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
)
_COMMENT = r"#[^\n]*(?![^\n])"  # to the end of its line: never read as shorter
_PLAIN = r"""[^()\[\]{}'"#\\]*"""  # code but brackets, strings, comments and backslashes
_SPECIAL = rf"\\[\s\S]|{_STRING}|{_COMMENT}"


def _inside(depth: int) -> str:
    """What may stand between a pair of brackets, with groups nesting at most `depth` deep."""
    special = _SPECIAL
    for _ in range(depth):
        group = rf"[(\[{{]{_PLAIN}(?:(?:{special}){_PLAIN})*[)\]}}]"
        special = f"{_SPECIAL}|{group}"
    return rf"{_PLAIN}(?:(?:{special}){_PLAIN})*"


_INNER = _inside(DEPTH - 1)  # the inside of a group
_GROUP = rf"[(\[{{]{_INNER}[)\]}}]"
_SPACE = r"(?:[ \t\f]|\\\n)"  # between tokens of one logical line
_SKIP = r"(?:\s|\\\n|#[^\n]*\n)"  # inside brackets: newlines and comments too
IDENTIFIER = r"[^\W\d]\w*"
# `a.b.c`, maybe parenthesised (`(torch).zeros`), and what may stand before its call's `(`.
_CLOSE = rf"(?:{_SKIP}|\))*"
_CHAIN = rf"{IDENTIFIER}(?:{_CLOSE}\.{_SKIP}*{IDENTIFIER})*"

# A def starts a logical line (`_starts_line`); its name is followed by `(` or `[`. The
# patterns start with the keyword, which the regex engine finds fast.
_DEF = re.compile(rf"def(?<![\w.]def){_SPACE}+\w+{_SPACE}*(?=[(\[])")


@functools.cache
def _parameters_pattern() -> re.Pattern[str]:  # compiled when first needed (~4 ms)
    # Type parameters (PEP 695) first, followed less deep.
    return re.compile(rf"(?:\[{_inside(2)}\]{_SPACE}*)?\(({_INNER})\)")


_LAMBDA = re.compile(r"lambda(?<![\w.]lambda)(?!\w)")
# A lambda's parameters end at its first `:` outside brackets and strings.
_LAMBDA_PLAIN_PART = r"""[^:()\[\]{}'"#\\]*"""


@functools.cache
def _lambda_parameters_pattern() -> re.Pattern[str]:  # compiled when first needed
    plain = _LAMBDA_PLAIN_PART
    return re.compile(rf"({plain}(?:(?:{_SPECIAL}|{_GROUP}){plain})*):")


_LAMBDA_PLAIN = re.compile(r"(?:[^:#'\"()\[\]{}\\]|\\\n)*")
# After a parameter's `=`: a display, a call or attribute chain (its root name), a name.
_DEFAULT = re.compile(
    rf"=(?!=)(?:{_SKIP}|\()*"
    rf"(?:([\[{{])|({IDENTIFIER})((?:{_CLOSE}\.{_SKIP}*{IDENTIFIER})*){_CLOSE}(\()?)"
)
# An f- or t-string prefix: its fields may nest quotes (PEP 701) that the patterns misread.
_FORMATTED = re.compile(r"(?<!\w)(?:[fFtT][rR]?|[rR][fFtT])['\"]")
NESTED_QUOTES = sys.version_info >= (3, 12)  # PEP 701: the running parser allows them

# A class starts a logical line; its name is followed by `[`, `(` or `:` (else it is prose).
_CLASS = re.compile(rf"class(?<![\w.]class){_SPACE}+\w+{_SPACE}*(?=[(\[:])")


@functools.cache
def _header_pattern() -> re.Pattern[str]:  # compiled when first needed
    return re.compile(rf"(?:{_GROUP}{_SPACE}*){{0,2}}:")


@dataclass
class Defaults:
    """What the parameter defaults of a text's defs and lambdas start with."""

    displays: bool = False  # a list, dict or set display or comprehension
    call_roots: set[str] = field(default_factory=set)  # `root.attr...(`: the root names
    names: set[str] = field(default_factory=set)  # a bare name


def parameter_defaults(text: str) -> Defaults | None:
    """The defaults of every def and lambda in `text` (None: some could not be read).

    `text` must start with a newline (so that a def on the first line starts a line)
    and have `\\n` newlines only.
    """
    found = Defaults()
    for parameters in _all_parameters(text):
        if parameters is None:
            return None
        _note_defaults(parameters, found)
    return found


def _all_parameters(text: str) -> Iterator[str | None]:
    """The parameter list of every def and lambda; None for one that could not be read.

    Each is read from its own start (a def in a string may run on into code), and no further
    than the next def or lambda: a real signature holds no `def` starting a line, and a
    lambda whose parameters hold another is not read anyway. So every character is read a
    bounded number of times, whatever the text.
    """
    heads = [head for head in _DEF.finditer(text) if _starts_line(text, head.start())]
    for head, end in zip(heads, _next_starts(heads, len(text)), strict=True):
        match = _parameters_pattern().match(text, head.end(), end)
        yield match.group(1) if match and not _formatted(match.group()) else None
    lambdas = list(_LAMBDA.finditer(text))
    for lam, end in zip(lambdas, _next_starts(lambdas, len(text)), strict=True):
        yield from _lambda_parameters(text, lam.end(), end)


def _next_starts(matches: list[re.Match[str]], end: int) -> list[int]:
    """Where the match after each one starts (`end` after the last)."""
    return [match.start() for match in matches[1:]] + [end] if matches else []


def _lambda_parameters(text: str, start: int, end: int) -> Iterator[str | None]:
    """The parameters of the lambda at `start`, read up to `end` (the next `lambda`)."""
    match = _lambda_parameters_pattern().match(text, start, end)
    if match:
        yield _readable(match.group(1))
        return
    # No colon before `end`: a real lambda without defaults would have reached one before
    # any bracket, quote or other lambda (its parameters are names, commas, stars, spaces).
    plain = _LAMBDA_PLAIN.match(text, start, end)
    stop = text[plain.end() : plain.end() + 1] if plain else ""
    if "=" in (plain.group() if plain else "") or stop == "#":
        yield None


def _readable(parameters: str) -> str | None:
    return None if _formatted(parameters) else parameters


def _formatted(code: str) -> bool:
    """Whether `code` may hold an f- or t-string whose fields nest quotes (PEP 701; quotes
    first: most code has none)."""
    return NESTED_QUOTES and ("'" in code or '"' in code) and _FORMATTED.search(code) is not None


def _note_defaults(parameters: str, found: Defaults) -> None:
    for match in _DEFAULT.finditer(parameters):
        display, root, attributes, call = match.groups()
        if display:
            found.displays = True
        elif call:
            found.call_roots.add(root)
        elif not attributes and not keyword.iskeyword(root):
            found.names.add(root)


# What follows a name bound by `name = <display or call>`, or annotated (`name: ...`).
_BOUND = re.compile(rf"(?:{_SKIP}|\))*(?:=(?!=)(?:{_SKIP}|\()*(?:[\[{{]|{_CHAIN}{_CLOSE}\()|:)")


def binds_at_statement_start(text: str, name: str) -> bool:
    """Whether `name = <display or call>` or `name: ...` may start a statement in `text`.

    A statement starts a line or follows `;` or a one-line block's `:`; the target may be
    parenthesised. Every place the name is spelt is looked at (cheaper than compiling a
    pattern per name for every file).
    """
    start = text.find(name)
    while start != -1:
        before = start - 1
        while before >= 0 and text[before] in " \t\f(":
            before -= 1
        if (before < 0 or text[before] in "\n;:") and _BOUND.match(text, start + len(name)):
            return True
        start = text.find(name, start + 1)
    return False


@dataclass
class ClassBodies:
    """Where the statements directly in a class body may start."""

    indents: set[str] = field(default_factory=set)  # of the class bodies that are blocks
    deepest: int = 0  # no class statement, nor one in a class body, is indented more


def class_bodies(text: str) -> ClassBodies | None:
    """The body indentation of every class statement in `text` (None: one could not be read).

    One-line bodies (`class A(B): x = 1`) are not listed: they are on a line that holds
    `class` or that closes the header's bracket, which `possible_class_statements` keeps.
    """
    found = ClassBodies()
    heads = [head for head in _CLASS.finditer(text) if _starts_line(text, head.start())]
    # A header holds no other class statement: each is read up to the next.
    for head, end in zip(heads, _next_starts(heads, len(text)), strict=True):
        header = _header_pattern().match(text, head.end(), end)
        if header is None or _formatted(header.group()):
            return None
        indent = _block_indent(text, header.end())
        depth = _indent_at(text, head.start())
        found.deepest = max(found.deepest, depth)
        if indent is not None and len(indent) > depth:
            found.indents.add(indent)  # not deeper: no block (a one-liner), or not code
            found.deepest = max(found.deepest, len(indent))
    return found


def _starts_line(text: str, position: int) -> bool:
    """Whether only indentation, or `async` (of `async def`), precede `position` on its line
    (a line continued with a backslash counts from the continuation). Read backwards over
    spaces only, so that a long line of `def`s costs no more than its length."""
    before = _skip_back(text, position)
    if text.endswith("async", 0, before + 1) and not text[before - 5 : before - 4].isidentifier():
        before = _skip_back(text, before - 4)
    return before < 0 or text[before] == "\n"


def _skip_back(text: str, position: int) -> int:
    """The index of the last character before `position` that is not a space, tab or form
    feed (-1 if none)."""
    before = position - 1
    while before >= 0 and text[before] in " \t\f":
        before -= 1
    return before


def _indent_at(text: str, position: int) -> int:
    return position - text.rfind("\n", 0, position) - 1


def _block_indent(text: str, start: int) -> str | None:
    """The indentation of the first line after `start`'s that holds code, if any."""
    end = text.find("\n", start)
    while end != -1:
        line_end = text.find("\n", end + 1)
        line = text[end + 1 : line_end if line_end != -1 else len(text)]
        stripped = line.lstrip(" \t\f")
        if stripped and not stripped.startswith("#"):
            return line[: len(line) - len(stripped)]
        end = line_end
    return None


_BRACKET = re.compile(r"[()\[\]{}]")
_CLASS_WORD = re.compile(r"(?<!\w)class(?!\w)")
_SIMPLE_STRING = re.compile(r"""'[^'\n]*'|"[^"\n]*\"""")


MAX_ON_A_LINE = 16  # positions judged on one line; more, and the line is not judged


def possible_class_statements(
    text: str, positions: list[int], bodies: ClassBodies
) -> list[int] | None:
    """The positions (in order) whose code may be in a statement directly in a class body,
    judged from their lines alone (cheap; `class_statement_spans` is exact). None when a
    line holds more than MAX_ON_A_LINE of them: each is judged from its line's start.

    A position may be when its line starts at a class body's indentation, holds the `class`
    of a one-line body, or may continue an earlier line. Otherwise its line starts a
    statement (or is not code) that is not directly in a class body.
    """
    kept: list[int] = []
    line = previous = on_line = 0
    for position in positions:
        newline = text.rfind("\n", previous, position)
        if newline != -1:
            line, on_line = newline + 1, 0
        previous = position
        on_line += 1
        if on_line > MAX_ON_A_LINE:
            return None
        if _may_be_class_statement(text, line, position, bodies):
            kept.append(position)
    return kept


def _may_be_class_statement(text: str, line: int, position: int, bodies: ClassBodies) -> bool:
    before = text[line:position]
    code = before.lstrip(" ")
    if code and before[: len(before) - len(code)] in bodies.indents:
        return True
    return _may_continue(code) or text[max(line - 2, 0) : line] == "\\\n"


def _may_continue(code: str) -> bool:
    """Whether a line whose text up to some point is `code` may continue an earlier line
    (it ends a string: a quote without its pair, a triple quote, an escape, an f-string
    whose fields may hold more of it; or it closes a bracket it did not open), or holds
    the `class` of a one-line body."""
    if "'''" in code or '"""' in code or "\\" in code or _formatted(code):
        return True
    code = _SIMPLE_STRING.sub("", code)
    if "'" in code or '"' in code or _CLASS_WORD.search(code):
        return True
    depth = 0
    for bracket in _BRACKET.findall(code.partition("#")[0]):
        depth += 1 if bracket in "([{" else -1
        if depth < 0:
            return True
    return False


# One logical line: physical lines joined by open brackets, strings and backslashes.
_LINE_PLAIN = r"""[^()\[\]{}'"#\\\n]*"""
_LINE = rf"{_LINE_PLAIN}(?:(?:{_SPECIAL}|{_GROUP}){_LINE_PLAIN})*\n"
_CLASS_START = re.compile(r"class(?!\w)")


@functools.cache
def _shallow_lines(deepest: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns for the logical lines indented at most `deepest` spaces (each with the
    deeper, blank and comment lines after it, which the second pattern skips)."""
    skipped = rf"(?: {{{deepest + 1}}}{_LINE}| {{0,{deepest}}}(?:#[^\n]*)?\n)*"
    line = rf"( {{0,{deepest}}})(?=[^ \n#])({_LINE}){skipped}"
    return re.compile(line), re.compile(skipped)


def class_statement_spans(text: str, deepest: int) -> list[tuple[int, int]] | None:
    """The logical lines of `text` directly in a class body, and the class statements (for
    one-line bodies), as (start, end) in order; None if `text` could not be split (tabs,
    nesting deeper than `DEPTH`, or an f-string on Python 3.12+, which may nest quotes).

    A statement's block is opened by the nearest logical line before it that is indented
    less (Python's indentation rule): the statement is in a class body when that line is
    a `class` statement. No class statement nor statement in a class body is indented more
    than `deepest` spaces (`ClassBodies.deepest`), so deeper lines are skipped unread.
    """
    if "\t" in text or "\f" in text or _formatted(text):
        return None
    text = text if text.endswith("\n") else text + "\n"
    line_pattern, skipped = _shallow_lines(deepest)
    spans: list[tuple[int, int]] = []
    openers: list[tuple[int, bool]] = []  # (indentation, is a class) of the enclosing lines
    first = skipped.match(text)  # it matches the empty text too: never None
    position = first.end() if first else 0
    for line in line_pattern.finditer(text, position):
        if line.start() != position:
            return None
        position = line.end()
        indent = len(line.group(1))
        while openers and openers[-1][0] >= indent:
            openers.pop()
        is_class = _CLASS_START.match(line.group(2)) is not None
        if is_class or (openers and openers[-1][1]):
            spans.append((line.start(), line.end(2)))
        openers.append((indent, is_class))
    return spans if position == len(text) else None


_LOGICAL_LINE = re.compile(_LINE)


def logical_line_starts(text: str) -> list[int] | None:
    """Where each logical line of `text` starts (comment and blank lines are lines of
    their own), in order; None if `text` could not be split (nesting deeper than `DEPTH`,
    or an f-string on Python 3.12+, which may nest quotes)."""
    if _formatted(text):
        return None
    if not text.endswith("\n"):
        text += "\n"
    starts: list[int] = []
    position = 0
    for line in _LOGICAL_LINE.finditer(text):
        if line.start() != position:
            return None
        starts.append(position)
        position = line.end()
    return starts if position == len(text) else None


@functools.cache
def factory_assignments(names: frozenset[str]) -> re.Pattern[str]:
    """`= <chain ending in one of names>(`: an assignment (or keyword) of such a call."""
    alternatives = "|".join(sorted(names, key=len, reverse=True))
    return re.compile(
        rf"=(?!=)(?:{_SKIP}|\()*(?:{IDENTIFIER}{_CLOSE}\.{_SKIP}*)*(?:{alternatives})(?!\w){_CLOSE}\("
    )


# A bracket group's inside; what stands at its top level once nested groups, strings and
# comments are blanked out; a keyword argument's name.
_ANY_GROUP = re.compile(rf"[(\[{{]({_INNER})[)\]}}]")
_NESTED = re.compile(rf"({_GROUP}|{_STRING})|{_COMMENT}|\\\n")
_KEYWORD_ARGUMENT = re.compile(rf"\s*({IDENTIFIER})\s*=(?!=)")
# Commas that do not separate arguments: a bare generator's targets, a lambda's parameters.
_OTHER_COMMAS = re.compile(r"(?<!\w)(?:for|lambda)(?!\w)")


# After a name: the end of the word, then a call's `(`.
_CALLED = re.compile(rf"(?!\w){_CLOSE}(?=\()")


@functools.cache
def _method_call(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{_SKIP}*{name}(?!\w){_CLOSE}\(")


def calls_method(text: str, *names: str) -> bool:
    """Whether each of `names` may be called as a method (`x.name(`, `(x.name)(`)."""
    return all(_method_call(name).search(text) for name in names)


_AS_AFTER = re.compile(rf"{_SKIP}+as(?!\w)")


def imported_as(text: str, names: tuple[str, ...]) -> bool:
    """`name as`: an import that may give one of `names` another local name (or a longer
    name ending in one: more is kept, never less). Each name found with `str.find`."""
    for name in names:
        end = text.find(name) + len(name)
        while end >= len(name):
            if _AS_AFTER.match(text, end):
                return True
            end = text.find(name, end) + len(name)
    return False


def calls_may_lack(
    text: str,
    names: tuple[str, ...],
    keyword: str,
    position: int,
    *,
    none_lacks: bool = False,
    after: frozenset[str] | None = None,
) -> bool:
    """Whether a call of one of `names` may pass no `keyword` argument (by keyword, or
    positionally at 0-based `position`); with `none_lacks`, also any call that spells
    `None` in its arguments; with `after`, only calls that may follow one of these names
    and a dot (or an `as` name, or no dot: `F.dropout`, not `self.dropout`). A call whose
    arguments cannot be read (nested deeper than `DEPTH`, an f-string, a splat) may lack
    it."""
    return any(
        _may_lack(text, parenthesis, keyword, position, none_lacks)
        for start, parenthesis in _word_calls(text, names)
        if after is None or may_follow(text, start, after)
    )


def calls_following(
    text: str, names: tuple[str, ...], after: frozenset[str], *, on_results: bool = False
) -> bool:
    """Whether a call of one of `names` may follow one of `after` (`may_follow`)."""
    return any(
        may_follow(text, start, after, on_results=on_results)
        for start, _ in _word_calls(text, names)
    )


def may_follow(text: str, start: int, names: frozenset[str], *, on_results: bool = False) -> bool:
    """Whether the name written at `start` may be an attribute of one of `names` or of an
    `as` name, or no attribute at all (no dot before it); with `on_results`, also of what
    a `)` or `]` closes (a call's result, a parenthesised expression)."""
    dot = _dot_before(text, start)
    if dot is None:
        return True  # a bare name (or a newline before it, which may hide a dot: kept)
    if on_results and on_bracketed(text, start):
        return True
    return dot_follows(text, dot, names)


def dot_follows(text: str, dot: int, names: frozenset[str]) -> bool:
    """Whether the name before the dot at `dot` may be one of `names` or an `as` name (or
    what stands there is not read: a newline before the dot may follow a comment)."""
    name = _name_before_dot(text, dot)
    return name == _UNREAD or (name is not None and (name in names or name in renamed(text)))


_UNREAD = ""  # `_name_before_dot` where a newline (maybe after a comment) stands between


def _name_before_dot(text: str, dot: int) -> str | None:
    """The name written before the dot at `dot`, parentheses and spaces skipped (`torch` of
    `(torch).norm`); _UNREAD if a newline stands between; None if no name does (a call's
    result, a subscript, a literal: never resolved to a qualified name)."""
    end = dot
    while end and text[end - 1] in " \t\f\\)\n\r":
        if text[end - 1] in "\n\r":
            return _UNREAD
        end -= 1
    start = end
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    if start == end or text[start].isdigit():
        return None
    return text[start:end]


# Starts with the literal (found fast), the space before it checked behind.
_RENAMED = re.compile(rf"as(?<=\sas)(?:\s|\\\n)+({IDENTIFIER})")


@functools.lru_cache(maxsize=2)
def renamed(text: str) -> frozenset[str]:
    """Every name given by `as` (imports, and more: `with ... as f`, a superset)."""
    return frozenset(_RENAMED.findall(text))


# An annotation (`self.x: list[nn.Module] = ...`): no `=` or newline outside brackets.
ANNOTATION = rf""":(?:[^\n=()\[\]{{}}'"#\\]|{_GROUP}|{_STRING}|\\\n)*"""


def group_at(text: str, position: int) -> str | None:
    """The inside of the bracket group that opens at `position`; None if it cannot be read
    (nested deeper than `DEPTH`, or an f-string in it, which may nest quotes)."""
    group = _ANY_GROUP.match(text, position)
    if group is None or _formatted(group.group(1)):
        return None
    return group.group(1)


def top_level(code: str, placeholder: str = " _ ") -> str:
    """`code` (the inside of a group) with its nested groups and strings made `placeholder`,
    its comments and line continuations spaces: what stands at its top level."""
    return _NESTED.sub(lambda part: placeholder if part.group(1) else " ", code)


_TRAILING_METHOD = re.compile(rf"{_SPACE}*\.{_SPACE}*{IDENTIFIER}{_SPACE}*(?=\()")
_STATEMENT_END = re.compile(rf"{_SPACE}*(?:[\n;#]|\Z)")


def may_end_statement(text: str, start: int) -> bool:
    """Whether the call whose `(` is at `start`, with any method calls chained after it
    (`.cuda()`), may be the end of its statement (what follows is a newline, `;`, a
    comment or the end). Arguments that cannot be read (too deep, an f-string) may."""
    position = start
    while True:
        arguments = group_at(text, position)
        if arguments is None:
            return True
        end = position + len(arguments) + 2
        method = _TRAILING_METHOD.match(text, end)
        if method is None:
            return _STATEMENT_END.match(text, end) is not None
        position = method.end()


def calls(text: str, names: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """(where the name starts, where its `(` is) for each call of one of `names`, as
    `calls_may_lack` finds them, but not on doctest lines."""
    for start, parenthesis in _word_calls(text, names):
        if not _in_doctest(text, start):
            yield start, parenthesis


def _word_calls(text: str, names: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """(where the name starts, where its `(` is) for each call of one of `names` whose
    name starts a word. Each name is found with `str.find` (far faster than a pattern
    that starts with alternatives), in the order of the text."""
    found = []
    for name in names:
        start = text.find(name)
        while start != -1:
            end = start + len(name)
            call = _CALLED.match(text, end) if starts_word(text, start) else None
            if call is not None:
                found.append((start, call.end()))
            start = text.find(name, end)
    yield from sorted(found)


def call_arguments(text: str, names: tuple[str, ...]) -> Iterator[list[str] | None]:
    """For each call of one of `names` (`calls`), its `split_arguments`."""
    for _, parenthesis in calls(text, names):
        yield split_arguments(text, parenthesis)


def on_bracketed(text: str, start: int) -> bool:
    """Whether the name at `start` may be an attribute of what a `)` or `]` closes (a
    call's result, a parenthesised expression: `(1 + t).log`); a newline before the dot
    (a continuation, or a comment inside brackets) may hide either."""
    dot = _dot_before(text, start)
    if dot is None:
        return False
    position = _skip_spaces_back(text, dot)
    return bool(position) and text[position - 1] in ")]\n\r"


def _dot_before(text: str, start: int) -> int | None:
    """Where the dot before the name at `start` is (spaces and continuations between),
    or None: no dot stands there."""
    position = _skip_spaces_back(text, start)
    return position - 1 if position and text[position - 1] == "." else None


def _skip_spaces_back(text: str, position: int) -> int:
    while position and text[position - 1] in " \t\f\\":
        position -= 1
    return position


def _in_doctest(text: str, position: int) -> bool:
    """Whether `position` is on a line that starts with `>>>`: never code (`>>>` cannot
    start an expression), a doctest in a docstring."""
    line_start = text.rfind("\n", 0, position) + 1
    return text.startswith(">>>", line_start) or text[line_start:position].lstrip().startswith(
        ">>>"
    )


def argument_at(arguments: list[str], keyword: str, position: int) -> str | None:
    """The text passed as `keyword=` or as the positional argument at 0-based `position`
    (a `*splat` counts as one, as in the stdlib tree); None if neither is there."""
    positional = 0
    for item in arguments:
        named = _KEYWORD_ARGUMENT.match(item)
        if named is not None:
            if named.group(1) == keyword:
                return item[named.end() :]
        elif not item.lstrip().startswith("**"):
            if positional == position:
                return item
            positional += 1
    return None


def split_arguments(text: str, start: int) -> list[str] | None:
    """The top-level arguments of the call whose `(` is at `start`, as written (comments
    made spaces); None where they cannot be read (nested deeper than `DEPTH`, an
    f-string, a lambda's or a bare generator's commas)."""
    inside = group_at(text, start)
    if inside is None:
        return None
    # Nested groups, strings and comments blanked at the same length, to find the commas.
    blanked = _NESTED.sub(lambda part: "_" * len(part.group(0)), inside)
    if _OTHER_COMMAS.search(blanked):
        return None  # a lambda's parameters or a bare generator's targets
    items, begin = [], 0
    for comma in [*(i for i, char in enumerate(blanked) if char == ","), len(inside)]:
        # Comments and continuations made spaces; groups and strings kept as written.
        item = _NESTED.sub(lambda part: part.group(1) or " ", inside[begin:comma])
        if item.strip():
            items.append(item)
        begin = comma + 1
    return items


def word_search(pattern: re.Pattern[str], text: str) -> bool:
    """Whether `pattern` matches at the start of a word (`starts_word`)."""
    return any(starts_word(text, match.start()) for match in pattern.finditer(text))


def starts_word(text: str, start: int) -> bool:
    """Whether `start` is after no letter, digit or `_` (what `\\b` tests, without its
    cost: a pattern that starts with a literal is searched for fast, one that starts with
    `\\b` or a lookbehind is tried at every position)."""
    before = text[start - 1] if start else " "
    return not (before.isalnum() or before == "_")


def _may_lack(text: str, start: int, keyword: str, position: int, none_lacks: bool) -> bool:
    arguments = group_at(text, start)
    if arguments is None:
        return True
    if none_lacks and "None" in arguments:
        return True
    top = top_level(arguments)
    if _OTHER_COMMAS.search(top):
        return True
    positional = 0
    for item in top.split(","):
        if item.isspace() or not item:
            continue
        if item.lstrip().startswith("*"):
            return True  # positions (and keywords) behind a splat are not known
        named = _KEYWORD_ARGUMENT.match(item)
        if named is None:
            positional += 1
        elif named.group(1) == keyword:
            return False
    return positional <= position
