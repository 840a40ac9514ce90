"""Split POSIX shell text into simple commands of words, each word with its place in the file.

Only what finding install commands needs: word boundaries (quotes, `\\`
escapes and line continuations, `$(...)`, `${...}`, backticks), command
separators (newline, `;`, `&`, `&&`, `||`, `|`, `(`, `)`), comments,
redirections (dropped with their targets) and here-document bodies (skipped).
Word boundaries are found here because `shlex` reports no positions; the
value of each word is then unquoted by `shlex` (POSIX mode).

A word is *literal* when the shell passes it on unchanged: no parameter,
command or arithmetic expansion, no backticks and no `*`/`?` glob or brace
expansion outside quotes. An unquoted `[...]` counts as literal (bash passes
an unmatched glob through, which is how `pip install torch[cuda]` works).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

BLANKS = frozenset(" \t\r")
OPERATOR_CHARS = frozenset(";&|()")
REDIRECT_CHARS = frozenset("<>")
WORD_END = BLANKS | OPERATOR_CHARS | REDIRECT_CHARS | {"\n"}
NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
SPECIAL_PARAMETERS = frozenset("0123456789@*#?$!-")
# Characters that need a closer look inside a word; runs of all others are taken at once.
PLAIN_RUN = re.compile(r"[^\s;&|()<>\\'\"$`*?{~]+")
QUOTING = re.compile(r"[\\'\"]")
REDIRECT_OPERATORS = ("<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">")


@dataclass(frozen=True)
class MappedText:
    """Shell text and, for each of its characters, the offset it came from in the file."""

    text: str
    offsets: Sequence[int]
    # Offset just past where each character is written, when that is more than one
    # character (a YAML escape like `\"` or `''`); None when every character is one.
    ends: Sequence[int] | None = None

    def end_of(self, index: int) -> int:
        """File offset just past the character at `index`."""
        return self.ends[index] if self.ends is not None else self.offsets[index] + 1

    @classmethod
    def verbatim(cls, text: str, start: int = 0) -> MappedText:
        """Text copied unchanged from the file, starting at offset `start`."""
        return cls(text, range(start, start + len(text)))


@dataclass(frozen=True)
class Word:
    """One shell word: its unquoted value and its span of file offsets [start, end)."""

    value: str
    start: int
    end: int
    literal: bool


Command = tuple[Word, ...]


@dataclass(frozen=True)
class Comment:
    """A comment, and the file offsets it speaks for: from the start of its logical line
    (backslash-newlines join physical lines into one, so a comment at the end of the last
    line belongs to all of them) to the comment itself."""

    text: str
    start: int
    end: int


class _UnterminatedError(Exception):
    """A quote or substitution that never closes: the shell would reject the command."""


def split_commands(
    script: MappedText, *, ipython: bool = False, comments: list[Comment] | None = None
) -> list[Command]:
    """The simple commands of a script, in order.

    A command with a quote or substitution that never closes is dropped, and
    reading starts again on the next line: one stray quote must not hide the
    rest of a file from the checks.

    With `ipython`, `{...}` and `$name` count as expansions even inside quotes:
    IPython substitutes Python values into `!` and `%pip` lines before the
    shell reads them.

    With `comments`, the script's comments are appended to it (for `# noqa`).
    """
    lexer = _Lexer(script, ipython, comments)
    lexer.run()
    return lexer.commands


class _Lexer:
    def __init__(
        self, script: MappedText, ipython: bool, comments: list[Comment] | None = None
    ) -> None:
        self.script = script
        self.text = script.text
        self.offsets = script.offsets
        self.ipython = ipython
        self.pos = 0
        self.commands: list[Command] = []
        self.words: list[Word] = []
        self.heredocs: list[tuple[str, bool]] = []  # (delimiter, strip leading tabs)
        self.comments = comments
        self.line_start = 0  # where the logical line being read starts

    def run(self) -> None:
        while self.read_tokens():
            pass  # recovered from a broken command: read on
        self.end_command()

    def read_tokens(self) -> bool:
        """Read tokens to the end of the text; True when stopped by a construct that never
        closes (the reader then stands on the next line)."""
        text = self.text
        start = self.pos
        try:
            while self.pos < len(text):
                start = self.pos  # where the token being read begins
                char = text[self.pos]
                if char in BLANKS:
                    self.pos += 1
                elif text.startswith("\\\n", self.pos):
                    self.pos += 2
                elif char == "\n":
                    self.pos += 1
                    self.end_command()
                    self.skip_heredoc_bodies()
                    self.line_start = self.pos
                elif char == "#":
                    self.skip_comment()
                elif char in REDIRECT_CHARS and text.startswith("(", self.pos + 1):
                    self.process_substitution()
                elif char in REDIRECT_CHARS:
                    self.redirection()
                elif char in OPERATOR_CHARS:
                    self.operator()
                else:
                    self.word()
        except _UnterminatedError:
            self.recover(start)
            return True
        return False

    def recover(self, start: int) -> None:
        """Drop the command being read and go on after the line where its broken part began."""
        self.words = []
        self.heredocs = []
        end = self.text.find("\n", start)
        self.pos = len(self.text) if end < 0 else end + 1
        self.line_start = self.pos

    def end_command(self) -> None:
        if self.words:
            self.commands.append(tuple(self.words))
            self.words = []

    def skip_comment(self) -> None:
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        if self.comments is not None:
            start, at = self.offsets[self.line_start], self.offsets[self.pos]
            self.comments.append(Comment(self.text[self.pos : end], start, at))
        self.pos = end

    def operator(self) -> None:
        if self.text.startswith("&>", self.pos):
            self.pos += 1  # bash `&>file`: a redirection of stdout and stderr
            self.redirection()
            return
        pair = self.text[self.pos : self.pos + 2]
        self.pos += 2 if pair in ("&&", "||", ";;", "|&", ";&") else 1
        self.end_command()

    def process_substitution(self) -> None:
        start = self.pos
        self.pos = self.balanced(self.pos + 2, "(", ")")
        self.words.append(Word(self.text[start : self.pos], self.offsets[start], self.end(), False))

    def redirection(self) -> None:
        operator = next(op for op in REDIRECT_OPERATORS if self.text.startswith(op, self.pos))
        self.pos += len(operator)
        while self.pos < len(self.text) and self.text[self.pos] in BLANKS:
            self.pos += 1
        if self.pos >= len(self.text) or self.text[self.pos] in WORD_END:
            return
        target = self.read_word()
        if operator in ("<<", "<<-"):
            self.heredocs.append((target.value, operator == "<<-"))

    def skip_heredoc_bodies(self) -> None:
        for delimiter, strip_tabs in self.heredocs:
            while self.pos < len(self.text):
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end < 0 else end
                line = self.text[self.pos : end].rstrip("\r")
                self.pos = min(end + 1, len(self.text))
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    break
        self.heredocs = []

    def word(self) -> None:
        word = self.read_word()
        if word.value.isdigit() and self.text[self.pos : self.pos + 1] in REDIRECT_CHARS:
            return  # an IO number (`2>&1`): part of the redirection that follows
        self.words.append(word)

    def read_word(self) -> Word:
        """The word at `pos`; `pos` ends just past it."""
        text = self.text
        start = self.pos
        literal = True
        while self.pos < len(text) and text[self.pos] not in WORD_END:
            char = text[self.pos]
            if char == "\\":
                self.pos += 2
            elif char == "'":
                self.pos = self.closing(self.pos + 1, "'") + 1
            elif char == '"':
                self.pos, quoted_literal = self.double_quoted(self.pos + 1)
                literal = literal and quoted_literal
            elif char == "$":
                self.pos, plain_dollar = self.dollar(self.pos)
                literal = literal and plain_dollar
            elif char == "`":
                self.pos = self.backquoted(self.pos + 1)
                literal = False
            elif plain := PLAIN_RUN.match(text, self.pos):
                self.pos = plain.end()  # the common case, a run of ordinary characters at once
            else:
                self.pos += 1
                literal = literal and not self.expands(char, start)
        self.pos = min(self.pos, len(text))
        raw = text[start : self.pos].replace("\\\n", "")
        if self.ipython and ("$" in raw or re.search(r"{[^}]*}", raw)):
            literal = False
        return Word(_unquote(raw, literal), self.offsets[start], self.end(), literal)

    def end(self) -> int:
        """File offset just past the word that ends at `pos`."""
        last = self.pos - 1
        while last > 1 and self.text[last] == "\n" and self.text[last - 1] == "\\":
            last -= 2  # a trailing line continuation is not part of the word's span
        return self.script.end_of(last)

    def expands(self, char: str, word_start: int) -> bool:
        """Whether an unquoted character makes the word expand: a glob, braces, a tilde."""
        if char in "*?":
            return True
        if char == "{":  # a lone `{` is the group keyword; `a{b,c}` is brace expansion
            alone = self.pos - 1 == word_start and (
                self.pos >= len(self.text) or self.text[self.pos] in WORD_END
            )
            return not alone
        return char == "~" and self.pos - 1 == word_start

    def closing(self, at: int, quote: str) -> int:
        end = self.text.find(quote, at)
        if end < 0:
            raise _UnterminatedError
        return end

    def double_quoted(self, at: int) -> tuple[int, bool]:
        """(offset past the closing quote, whether nothing inside expands)."""
        literal = True
        while at < len(self.text):
            char = self.text[at]
            if char == '"':
                return at + 1, literal
            if char == "\\":
                at += 2
            elif char == "$":
                at, plain_dollar = self.dollar(at)
                literal = literal and plain_dollar
            elif char == "`":
                at = self.backquoted(at + 1)
                literal = False
            else:
                at += 1
        raise _UnterminatedError

    def dollar(self, at: int) -> tuple[int, bool]:
        """(offset past `$...`, True for a plain `$` that does not expand)."""
        following = self.text[at + 1 : at + 2]
        if following == "(":
            return self.balanced(at + 2, "(", ")"), False
        if following == "{":
            return self.balanced(at + 2, "{", "}"), False
        if following == "'":
            return self.backquoted(at + 2, "'"), False  # $'...' ANSI-C quoting
        if following and following in SPECIAL_PARAMETERS:
            return at + 2, False
        if following and following in NAME_START:
            at += 2
            while at < len(self.text) and (self.text[at].isalnum() or self.text[at] == "_"):
                at += 1
            return at, False
        return at + 1, True

    def backquoted(self, at: int, quote: str = "`") -> int:
        """Offset past the unescaped `quote` that closes a string started before `at`."""
        while at < len(self.text):
            if self.text[at] == "\\":
                at += 2
            elif self.text[at] == quote:
                return at + 1
            else:
                at += 1
        raise _UnterminatedError

    def balanced(self, at: int, opening: str, closing: str) -> int:
        """Offset just past the `closing` that matches an `opening` consumed before `at`."""
        depth = 1
        while at < len(self.text):
            char = self.text[at]
            if char == "\\":
                at += 2
            elif char == "'":
                at = self.closing(at + 1, "'") + 1
            elif char == '"':
                at, _ = self.double_quoted(at + 1)
            elif char == "`":
                at = self.backquoted(at + 1)
            else:
                depth += (char == opening) - (char == closing)
                at += 1
                if depth == 0:
                    return at
        raise _UnterminatedError


def _unquote(raw: str, literal: bool) -> str:
    """The word as the command receives it (shlex, POSIX rules); the raw text if that fails."""
    if not QUOTING.search(raw):
        return raw  # what shlex would return, without its cost (most words)
    try:
        values = shlex.split(raw, comments=False, posix=True)
    except ValueError:
        return raw
    if literal:
        return values[0] if values else ""
    return values[0] if len(values) == 1 else raw
