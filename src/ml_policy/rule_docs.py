"""`ml-policy rule`: a rule's documentation and examples, or the table of every rule."""

from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path

from ml_policy.catalog import RuleInfo, family_rules
from ml_policy.lint.rule import Rule
from ml_policy.rules import ALL_RULES, by_code

# Findings of the engine itself, not of a rule class.
PARSE_ERROR_DOC = """# parse-error (MLE001)

A file that could not be read, decoded or parsed.

## What it does
Reports a Python file or notebook that ml-policy could not check: a file
that is not valid in its declared encoding, a notebook that is not valid
JSON, a file that cannot be read, one larger than 20 MB, or a syntax error
(with its line and column) in a file that an ML rule could fire on.

The ML rules read a file's text before parsing it (their pre-filter: the API
names a rule needs, a default that could be mutable, a class attribute that
could hold a layer, ...), and a file that no enabled rule could fire on is
not parsed at all. Its syntax errors are not MLE001: they are Ruff's to
report (every bundle runs Ruff, which reports invalid syntax in every file
whatever rules are selected). So `--select MLP001` reports syntax errors
only in files that mention a DataLoader (and are not tests).

The ML rules' stages have lower limits, in Python tokens (names, numbers,
strings, comments, operators; a notebook's code cells): over 400,000 only
their text pre-filter runs, over 100,000 nothing is parsed with libcst. A
file over a limit that the earlier stages cannot clear is one MLE001 naming
the rules that did not check it.

## Why is this bad?
A file that was not checked would otherwise look clean. Every other file is
still checked. MLE001 cannot be switched off with `select` or `ignore`; use
`exclude` for files that are not meant to be Python.

Fix: none."""


def document(code: str) -> str | None:
    if code.upper() == "MLE001":
        return PARSE_ERROR_DOC
    rule = by_code(code)
    info = (
        _info(rule) if rule else next((i for i in family_rules() if i.code == code.upper()), None)
    )
    return None if info is None else _page(info)


def _info(rule: type[Rule]) -> RuleInfo:
    """A lint rule's documentation in the shape every family's rules share."""
    return RuleInfo(
        rule.code,
        rule.name,
        rule.summary,
        rule.__doc__ or "",
        _fix(rule),
        tuple(rule.examples("invalid")),
        tuple(rule.examples("valid")),
        "python",
    )


def _page(info: RuleInfo) -> str:
    parts = [f"# {info.name} ({info.code})", "", info.summary, "", inspect.cleandoc(info.doc)]
    parts += ["", f"Fix: {info.fix}.", ""]
    for heading, examples in (
        ("Examples the rule reports", info.invalid),
        ("Examples it accepts", info.valid),
    ):
        if examples:
            parts += [f"## {heading}", ""]
            parts += [f"```{info.example_language}\n{_snippet(e)}\n```\n" for e in examples]
    return "\n".join(parts).rstrip()


def _snippet(example: str) -> str:
    """An example as code: dedented, without surrounding blank lines (as Rule.examples gives)."""
    return textwrap.dedent(example).strip("\n").rstrip()


def table() -> str:
    rows = [
        ("code", "name", "fix", "summary"),
        ("MLE001", "parse-error", "none", "file cannot be parsed"),
    ]
    rows += [(r.code, r.name, _fix(r), r.summary) for r in ALL_RULES]
    rows += [(i.code, i.name, i.fix, i.summary) for i in family_rules()]
    rows[2:] = sorted(rows[2:])
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{c:<{widths[0]}}  {n:<{widths[1]}}  {f:<{widths[2]}}  {s}" for c, n, f, s in rows
    )


def _fix(rule: type[Rule]) -> str:
    applicability = rule.fix_applicability
    return "none" if applicability is None else applicability.value


def write_all(folder: Path) -> list[Path]:
    """docs/rules/CODE.md for every code: the pages diagnostics link to."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code in ["MLE001", *(r.code for r in ALL_RULES), *(i.code for i in family_rules())]:
        path = folder / f"{code}.md"
        path.write_text(f"{document(code)}\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # uv run python -m ml_policy.rule_docs docs/rules
    for page in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        sys.stdout.write(f"{page}\n")
