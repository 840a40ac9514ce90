"""The MLI rules, one module each: a Dockerfile's stages in, Diagnostics out."""

from __future__ import annotations

from ml_policy import registry
from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.dockerfile import Dockerfile
from ml_policy.images.rules.base import ImageRule


def image_diagnostics(dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
    """Every MLI rule's findings in one Dockerfile."""
    found: list[Diagnostic] = []
    for rule in registry.rules("deps"):
        if issubclass(rule, ImageRule):
            found += rule.check(dockerfile, policy)
    return found
