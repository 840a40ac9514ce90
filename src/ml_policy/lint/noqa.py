"""Ruff-compatible suppression comments: `# noqa` and `# noqa: MLM001, MLP001`.

Ruff with `lint.external = ["ML"]` keeps these comments valid, so one comment
syntax serves both tools. A comment on the line a finding starts on
suppresses it; a bare `# noqa` suppresses every finding on that line.
"""

from __future__ import annotations

import re

NOQA = re.compile(
    r"#\s*noqa(?P<colon>:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
ALL = frozenset({"*"})


def suppressions(text: str) -> dict[int, frozenset[str]]:
    """1-based line -> codes suppressed there ({"*"} for a bare noqa)."""
    found: dict[int, frozenset[str]] = {}
    if "noqa" not in text.lower():
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        for match in NOQA.finditer(line):
            codes = match["codes"]
            if codes is None:
                found[number] = ALL
                break
            found[number] = found.get(number, frozenset()) | frozenset(
                re.split(r"[\s,]+", codes.upper())
            )
    return found


def is_suppressed(code: str, line: int, table: dict[int, frozenset[str]]) -> bool:
    codes = table.get(line)
    return codes is not None and (codes is ALL or code in codes)
