"""The ML lint rules: one class per rule, in a module named after it, one package per family.

`ml_policy.registry` lists them by code; importing them does not import libcst
(rules reach it lazily).
"""

from __future__ import annotations

from ml_policy import registry
from ml_policy.lint.rule import Rule

ALL_RULES: tuple[type[Rule], ...] = tuple(
    rule for rule in registry.rules("lint") if issubclass(rule, Rule)
)
