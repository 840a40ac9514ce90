"""The MLD rules, one module each: a manifest (or a file's install commands) in, Diagnostics out."""

from __future__ import annotations

from ml_policy import registry
from ml_policy.deps.model import Manifest
from ml_policy.deps.rules.base import DepsRule
from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.parse_error import not_checked

__all__ = ["Policy", "manifest_diagnostics"]


def manifest_diagnostics(manifest: Manifest, policy: Policy) -> list[Diagnostic]:
    """MLE001 for unreadable lines, then every MLD rule's findings in one manifest."""
    found = [
        not_checked(error.message, error.path, error.line, error.column)
        for error in manifest.errors
    ]
    for rule in registry.rules("deps"):
        if issubclass(rule, DepsRule):
            found += rule.check(manifest, policy)
    return found
