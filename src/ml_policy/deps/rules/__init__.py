"""The MLD rules, one module each: classified requirements and settings in, Diagnostics out."""

from __future__ import annotations

from ml_policy.deps.model import Manifest
from ml_policy.deps.rules.extra_index_url import ExtraIndexUrl
from ml_policy.deps.rules.missing_lock_file import MissingLockFile
from ml_policy.deps.rules.overpinned_library_dependency import OverpinnedLibraryDependency
from ml_policy.deps.rules.policy import Coverage, Policy
from ml_policy.deps.rules.torch_family_mismatch import TorchFamilyMismatch
from ml_policy.deps.rules.unpinned_ml_dependency import UnpinnedMlDependency
from ml_policy.diagnostics import Diagnostic
from ml_policy.parse_error import not_checked

__all__ = ["Policy", "manifest_diagnostics"]


def manifest_diagnostics(manifest: Manifest, policy: Policy) -> list[Diagnostic]:
    """MLE001 for unreadable lines, then MLD001-MLD005 for one manifest."""
    found = [
        not_checked(error.message, error.path, error.line, error.column)
        for error in manifest.errors
    ]
    coverage = Coverage.of(manifest.requirements)
    for requirement in manifest.requirements:
        unpinned = UnpinnedMlDependency.check(requirement, policy, coverage)
        overpinned = OverpinnedLibraryDependency.check(requirement, policy)
        found += [d for d in (unpinned, overpinned) if d is not None]
    missing_lock = MissingLockFile.check(manifest, policy)
    found += [missing_lock] if missing_lock is not None else []
    found += [ExtraIndexUrl.check(setting) for setting in manifest.index_settings]
    found += TorchFamilyMismatch.check(manifest.requirements)
    return found
