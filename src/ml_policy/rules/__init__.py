"""The ML lint rules: one class per rule, in a module named after it, one package per family.

`ml_policy.registry` lists them by code; importing them does not import libcst
(rules reach it lazily). `ALL_RULES` imports every rule module on first use, not
when a module of this package is imported: the lint runner's cache context of
MLS001 (in `supply_chain.torch_pin`) must not load every rule on a warm run.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from ml_policy import registry

if TYPE_CHECKING:
    from ml_policy.lint.rule import Rule


def __getattr__(name: str) -> tuple[type[Rule], ...]:
    if name == "ALL_RULES":
        return _all_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _all_rules() -> tuple[type[Rule], ...]:
    from ml_policy.lint.rule import Rule

    return tuple(rule for rule in registry.rules("lint") if issubclass(rule, Rule))
