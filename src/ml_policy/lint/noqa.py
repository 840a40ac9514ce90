"""Ruff-compatible suppression comments in Python: `# noqa` and `# noqa: MLM001, MLP001`.

Ruff with `lint.external = ["ML"]` keeps these comments valid, so one comment
syntax serves both tools. A comment on the line a finding starts on
suppresses it; a bare `# noqa` suppresses every finding on that line. The
grammar is `ml_policy.suppress`'s, which every other file kind shares.
"""

from __future__ import annotations

from collections.abc import Collection

from ml_policy.suppress import ALL, directive, mentions_noqa

__all__ = ["ALL", "is_suppressed", "suppressions"]


def suppressions(text: str) -> dict[int, frozenset[str]]:
    """1-based line -> codes suppressed there ({"*"} for a bare noqa)."""
    found: dict[int, frozenset[str]] = {}
    if not mentions_noqa(text):
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        codes = directive(line) if "#" in line else None
        if codes is not None:
            found[number] = codes
    return found


def is_suppressed(
    code: str, line: int, table: dict[int, frozenset[str]], aliases: Collection[str] = ()
) -> bool:
    """Whether line `line` suppresses `code`, by its code or one of its `aliases` (the
    TorchFix codes of an MLT rule, so that a noqa naming TOR106 keeps working after a switch)."""
    codes = table.get(line)
    return codes is not None and (codes is ALL or code in codes or not codes.isdisjoint(aliases))
