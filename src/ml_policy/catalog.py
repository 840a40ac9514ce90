"""RuleInfo: how a rule that is not a libcst lint rule (MLD, MLA, MLK, ...) documents itself.

Lint rules document themselves on their class (`ml_policy.lint.rule.Rule`).
Every other family exports `RULES: tuple[RuleInfo, ...]` from the module
named in `FAMILY_CATALOGS`; `ml-policy rule CODE`, `ml-policy rule --all` and
the pages in docs/rules are built from both.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

# "module:attribute" of each family's RuleInfo tuple; imported only when docs are asked for.
FAMILY_CATALOGS = (
    "ml_policy.deps.catalog:RULES",
    "ml_policy.artifacts:RULES",
    "ml_policy.secrets.catalog:RULES",
)


@dataclass(frozen=True)
class RuleInfo:
    """A rule's code, name and documentation, with examples of what it reports and accepts."""

    code: str  # e.g. "MLD001"
    name: str  # kebab-case, e.g. "unpinned-ml-dependency"
    summary: str  # one line, no final period
    # Markdown with Ruff's sections: "## What it does", "## Why is this bad?",
    # "## Example", "## Use instead", "## References".
    doc: str
    fix: str = "none"  # "safe", "unsafe" or "none"
    # Example file contents that the rule reports / accepts, shown in the docs
    # (and tested by the family's own tests), in `example_language` fences.
    invalid: tuple[str, ...] = ()
    valid: tuple[str, ...] = ()
    example_language: str = "text"


def family_rules() -> list[RuleInfo]:
    """Every RuleInfo of every family that has one installed, by code."""
    found: list[RuleInfo] = []
    for spec in FAMILY_CATALOGS:
        module, _, attribute = spec.partition(":")
        rules: tuple[RuleInfo, ...] = getattr(importlib.import_module(module), attribute)
        found.extend(rules)
    return sorted(found, key=lambda info: info.code)
