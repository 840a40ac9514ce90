"""BaseRule: what every rule of every family is, in one class per code.

A rule is a class: its `code` and kebab-case `name`, a one-line `summary`,
its documentation in the class docstring (Ruff's sections: What it does /
Why is this bad? / Example / Use instead / References), the `valid` and
`invalid` examples that `ml-policy rule CODE` prints and the example test
runs, its fix applicability, and the check (a lint rule's visitor methods,
or the method its family's checker calls). `ml_policy.registry` lists every
rule class by code; the rule table, the docs pages and the configuration's
valid codes all come from there.

An example is the text of one file, named `example_file` when it is checked.
A rule whose examples need more than one file's text (a size, a git
attribute, a token that must not be committed in this repository) says how
to build the files with `example_files`. An `invalid` example of a rule that
reports lines marks each such line with the comment `# error`.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path
from typing import ClassVar

from ml_policy.diagnostics import Applicability, Diagnostic, Severity

# The fence language of an example, by the file it is checked as.
_LANGUAGES = {
    ".py": "python",
    ".ipynb": "json",
    ".toml": "toml",
    ".txt": "text",
    ".yaml": "yaml",
    "Dockerfile": "dockerfile",
}


class BaseRule:
    """Base class of every rule: lint, deps, artifacts, secrets, and the families to come."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    valid: ClassVar[tuple[str, ...]] = ()
    invalid: ClassVar[tuple[str, ...]] = ()
    example_file: ClassVar[str] = "example.py"
    # Whether `# error` comments mark exactly the lines the rule reports in `invalid`.
    marks_lines: ClassVar[bool] = False
    fix_applicability: ClassVar[Applicability | None] = None
    severity: ClassVar[Severity] = Severity.ERROR

    # How to accept one finding, for families whose files each have their own comment
    # syntax: shown at the end of "What it does" ("{code}" is the rule's code).
    suppression: ClassVar[str] = ""

    @classmethod
    def documentation(cls) -> str:
        """The Markdown body of the rule's page: its docstring, dedented, with the family's
        `suppression` paragraph at the end of "What it does"."""
        text = inspect.cleandoc(cls.__doc__ or "")
        if not cls.suppression:
            return text
        why = "\n## Why is this bad?"
        return text.replace(why, f"\n{cls.suppression.format(code=cls.code)}\n{why}", 1)

    @classmethod
    def examples(cls, kind: str) -> list[str]:
        """The `valid` or `invalid` examples (dedented, without the leading newline)."""
        snippets: tuple[str, ...] = cls.valid if kind == "valid" else cls.invalid
        return [textwrap.dedent(snippet).lstrip("\n") for snippet in snippets]

    @classmethod
    def example_language(cls) -> str:
        path = Path(cls.example_file)
        return _LANGUAGES.get(path.name, _LANGUAGES.get(path.suffix, "text"))

    @classmethod
    def example_files(cls, example: str) -> dict[str, str | bytes]:
        """The files (path relative to a fresh folder: content) an example is checked as."""
        return {cls.example_file: example}

    @classmethod
    def fix(cls) -> str:
        """The fix applicability as the docs name it: safe, unsafe or none."""
        return "none" if cls.fix_applicability is None else cls.fix_applicability.value

    @classmethod
    def at(
        cls,
        message: str,
        path: Path,
        line: int = 1,
        column: int = 1,
        end: tuple[int, int] | None = None,
        cell: int | None = None,
    ) -> Diagnostic:
        """A finding of this rule; `end` is the (line, column) just past it."""
        end_line, end_column = end or (0, 0)  # 0: the start
        return Diagnostic(
            cls.code,
            message,
            path,
            line,
            column,
            end_line,
            end_column,
            severity=cls.severity,
            cell=cell,
        )
