"""How each tool's keys merge: which lists grow, and which value of a flag is stricter.

Lists that only ever add (Ruff's `extend-*` options, `ignore`, `external`,
each pattern of `per-file-ignores`; mypy's `enable_error_code` and `exclude`;
bandit's `skips` and `exclude_dirs`) take the union of both sides. A boolean
mypy flag has a strict side: `warn_*`, `disallow_*`, `strict*`, `check_*`
are stricter when true, `allow_*`, `implicit_*`, `ignore_*` when false.
Everything else is a value with no direction (line-length, a docstring
convention): a difference is a conflict.
"""

from __future__ import annotations

from typing import Any

from ml_policy.apply.tomlmerge import KeyRules, Kind

# mypy 2.4's --strict, as (flag, strict value); tests/test_init_merge.py checks
# it against mypy's own list (mypy.main.define_options).
MYPY_STRICT_FLAGS = (
    ("disallow_any_generics", True),
    ("disallow_subclassing_any", True),
    ("disallow_untyped_calls", True),
    ("disallow_untyped_defs", True),
    ("disallow_incomplete_defs", True),
    ("check_untyped_defs", True),
    ("disallow_untyped_decorators", True),
    ("warn_redundant_casts", True),
    ("warn_unused_ignores", True),
    ("warn_return_any", True),
    ("implicit_reexport", False),
    ("strict_equality", True),
    ("extra_checks", True),
)

_RUFF_LISTS = {"ruff.lint.ignore", "ruff.lint.external"}
_RUFF_LIST_TABLES = ("ruff.lint.per-file-ignores.", "ruff.lint.extend-per-file-ignores.")
_MYPY_LISTS = {
    "mypy.enable_error_code",
    "mypy.exclude",
    "mypy.plugins",
    "mypy.always_true",
    "mypy.always_false",
}
_BANDIT_LISTS = {"bandit.skips", "bandit.exclude_dirs"}


def kind(key: str) -> Kind:
    """UNION for the lists a bundle adds to, SCALAR for the rest."""
    last = key.rsplit(".", 1)[-1]
    ruff_list = key.startswith("ruff.") and (
        last.startswith("extend-") or key in _RUFF_LISTS or key.startswith(_RUFF_LIST_TABLES)
    )
    if ruff_list or key in _MYPY_LISTS or key in _BANDIT_LISTS:
        return Kind.UNION
    return Kind.SCALAR


def strict_value(flag: str) -> bool | None:
    """The value of a mypy boolean flag that checks more, or None when it has no such side."""
    if flag == "strict" or flag.startswith(("warn_", "disallow_", "strict_", "check_")):
        return True
    if flag in {"extra_checks", "local_partial_types", "no_implicit_reexport"}:
        return True
    if flag.startswith(("allow_", "implicit_", "ignore_")):
        return False
    return None


def stricter(key: str, ours: Any, theirs: Any) -> bool | None:
    """Whether the user's value of `key` checks more (True) or less (False) than the bundle's."""
    if not key.startswith("mypy.") or not (isinstance(ours, bool) and isinstance(theirs, bool)):
        return None
    wanted = strict_value(key.rsplit(".", 1)[-1])
    return None if wanted is None else ours == wanted


RULES = KeyRules(kind=kind, stricter=stricter)


def mypy_flag(key: str, value: Any) -> tuple[str, bool] | None:
    """The --strict flag a [tool.mypy] key sets and the value it gives it, through mypy's
    spellings (`allow_untyped_defs = true` is `disallow_untyped_defs = false`,
    `no_implicit_reexport = true` is `implicit_reexport = false`); None for others."""
    if not isinstance(value, bool):
        return None
    flags = dict(MYPY_STRICT_FLAGS)
    if key in flags:
        return key, value
    if key.startswith("no_") and key[3:] in flags:
        return key[3:], not value
    if key.startswith("allow_") and f"dis{key}" in flags:
        return f"dis{key}", not value
    return None
