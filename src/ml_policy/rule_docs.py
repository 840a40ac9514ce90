"""`ml-policy rule`: a rule's documentation and examples, or the table of every rule."""

from __future__ import annotations

import inspect

from ml_policy.lint.rule import Rule
from ml_policy.rules import ALL_RULES, by_code


def document(code: str) -> str | None:
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
    rows = [("code", "name", "fix", "summary")]
    rows += [(r.code, r.name, _fix(r), r.summary) for r in sorted(ALL_RULES, key=lambda r: r.code)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{c:<{widths[0]}}  {n:<{widths[1]}}  {f:<{widths[2]}}  {s}" for c, n, f, s in rows
    )


def _fix(rule: type[Rule]) -> str:
    applicability = rule.fix_applicability
    return "none" if applicability is None else applicability.value
