"""The kinds of value `[tool.ml-policy]` keys take: each checks a TOML value (returning the
error message, or None) and reads a valid one into the Python value its field holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ml_policy.settings.codes import code_problem
from ml_policy.settings.declare import Check, Kind
from ml_policy.settings.errors import quoted
from ml_policy.settings.patterns import pattern_problem


@dataclass(frozen=True)
class Override:
    """A deliberate, documented departure from the bundle (`[tool.ml-policy.overrides]`)."""

    key: str
    reason: str
    add: tuple[Any, ...] = ()
    remove: tuple[Any, ...] = ()


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _size_kb(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a whole number of kilobytes (0 or more)"


def _strings(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return None if ok else "must be a list of strings"


def _codes(value: Any) -> str | None:
    if _strings(value):
        return 'must be a list of rule codes or prefixes, like ["MLM", "MLP001"]'
    return next((problem for code in value if (problem := code_problem(code))), None)


def _hadolint_codes(value: Any) -> str | None:
    """hadolint's own rule codes: DL (Dockerfile) and SC (ShellCheck in RUN) rules."""
    problem = 'must be a list of hadolint rule codes, like ["DL3008", "SC2086"]'
    if _strings(value):
        return problem
    wrong = next((code for code in value if not re.fullmatch(r"(DL|SC)[0-9]{4}", code)), None)
    return None if wrong is None else f"{problem}: {quoted(wrong)} is not one"


def _patterns(value: Any) -> str | None:
    """A list of gitignore patterns that pathspec can compile."""
    return _strings(value) or next(
        (problem for pattern in value if (problem := pattern_problem(pattern))), None
    )


def _bundle_ref(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*@[0-9]+", value):
        return None
    return 'must be "NAME@VERSION", e.g. "ml-strict@1" (a recorded bundle is always pinned)'


def _table_of(check: Check, key_check: Check | None = None) -> Check:
    def check_table(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "must be a table"
        for key, item in value.items():
            if key_check and (problem := key_check(key)):
                return problem
            if problem := check(item):
                return f"[{quoted(key)}] {problem}"
        return None

    return check_table


def _override(value: Any) -> str | None:
    if not isinstance(value, dict):
        return 'must be a table like { add = ["E501"], reason = "..." }'
    unknown = set(value) - {"add", "remove", "reason"}
    if unknown:
        return f"has unknown key {sorted(unknown)[0]!r} (expected add, remove, reason)"
    if not isinstance(value.get("reason"), str) or not value["reason"].strip():
        return "needs a reason: every departure from the bundle says why"
    if any(not isinstance(value.get(k, []), list) for k in ("add", "remove")):
        return "add and remove must be lists"
    return None


def _overrides(table: dict[str, Any]) -> dict[str, Override]:
    return {
        key: Override(
            key, value["reason"], tuple(value.get("add", ())), tuple(value.get("remove", ()))
        )
        for key, value in table.items()
    }


def one_of(*choices: str) -> Kind:
    """One of a few strings."""

    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}"

    return Kind(check)


# The label types hadolint's label-schema knows.
LABEL_TYPES = ("email", "git-hash", "hash", "rfc3339", "semver", "spdx", "text", "url")

STRING = Kind(_string)
BOOLEAN = Kind(_boolean)
SIZE_KB = Kind(_size_kb)
STRINGS = Kind(_strings, tuple)
CODES = Kind(_codes, tuple)
PATTERNS = Kind(_patterns, tuple)
BUNDLE_REF = Kind(_bundle_ref)
CODES_BY_PATTERN = Kind(
    _table_of(_codes, pattern_problem), lambda table: {k: tuple(v) for k, v in table.items()}
)
SIZE_KB_BY_PATTERN = Kind(_table_of(_size_kb, pattern_problem), dict)
OVERRIDES = Kind(_table_of(_override), _overrides)
HADOLINT_CODES = Kind(_hadolint_codes, tuple)
LABEL_SCHEMA = Kind(_table_of(one_of(*LABEL_TYPES).check), dict)
