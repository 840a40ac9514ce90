"""`ml-policy rule`: a rule's documentation and examples, or the table of every rule."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from ml_policy.lint.rule import Rule
from ml_policy.rules import ALL_RULES, by_code

# Findings of the engine itself, not of a rule class.
PARSE_ERROR_DOC = """# parse-error (MLE001)

A file that could not be read, decoded or parsed.

## What it does
Reports a Python file or notebook that ml-policy could not check: a syntax
error (with its line and column), a file that is not valid in its declared
encoding, a notebook that is not valid JSON, a file that cannot be read, or
one larger than 20 MB.

## Why is this bad?
A file that was not checked would otherwise look clean. Every other file is
still checked. MLE001 cannot be switched off with `select` or `ignore`; use
`exclude` for files that are not meant to be Python.

Fix: none."""


def document(code: str) -> str | None:
    if code.upper() == "MLE001":
        return PARSE_ERROR_DOC
    rule = by_code(code)
    if rule is None:
        return None
    parts = [
        f"# {rule.name} ({rule.code})",
        "",
        rule.summary,
        "",
        inspect.cleandoc(rule.__doc__ or ""),
    ]
    parts += ["", f"Fix: {_fix(rule)}.", "", "## Examples the rule reports", ""]
    parts += [f"```python\n{snippet.rstrip()}\n```\n" for snippet in rule.examples("invalid")]
    parts += ["## Examples it accepts", ""]
    parts += [f"```python\n{snippet.rstrip()}\n```\n" for snippet in rule.examples("valid")]
    return "\n".join(parts).rstrip()


def table() -> str:
    rows = [
        ("code", "name", "fix", "summary"),
        ("MLE001", "parse-error", "none", "file cannot be parsed"),
    ]
    rows += [(r.code, r.name, _fix(r), r.summary) for r in sorted(ALL_RULES, key=lambda r: r.code)]
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
    for code in ["MLE001", *(r.code for r in ALL_RULES)]:
        path = folder / f"{code}.md"
        path.write_text(f"{document(code)}\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # uv run python -m ml_policy.rule_docs docs/rules
    for page in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        sys.stdout.write(f"{page}\n")
