"""The tools' traps, as MLG findings: what init's per-key plan cannot see.

init compares a repository's settings with the bundle's key by key; a setting
can match and still not count (a file the tool never reads, a nested
configuration that replaces the root's), or be a key the bundle does not set at
all and still switch a check off (`ignore_errors` for every module, a hook's
`entry:`). Each trap names the override that accepts it (drift.trap.Trap); one
recorded in [tool.ml-policy.overrides] with a reason is not reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ml_policy import bundles, files, registry
from ml_policy.config import CliOverrides, Override, Settings, SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.drift import hidden_configs, hook_details, mypy_ini, project_wide
from ml_policy.drift.project import Project
from ml_policy.drift.trap import Trap


def findings(trapped: Sequence[Trap], overrides: Mapping[str, Override]) -> list[Diagnostic]:
    """The traps no override accepts, as findings."""
    found = []
    for trap in trapped:
        if trap.accepted_by(overrides) is None:
            rule = registry.rule_class(trap.code)
            assert rule is not None  # noqa: S101 - the codes are the registry's own
            found.append(rule.at(trap.message, trap.path, trap.line))
    return found


def departures(settings: Settings) -> list[Trap]:
    """Every trap of the project, accepted or not (a stale-override check needs both)."""
    if settings.bundle is None:
        return []
    root = settings.root
    project = Project.of(root, _listing(root))
    bundle = bundles.get(settings.bundle)
    return [
        *hidden_configs.traps(project),
        *project_wide.traps(project, bundle),
        *mypy_ini.traps(root, bundle),
        *hook_details.traps(project, bundle.hook_ids()),
    ]


def precommit_departures(root: Path, bundle: bundles.Bundle) -> list[Trap]:
    """The traps of .pre-commit-config.yaml (a top-level `exclude:` or `files:` that leaves
    project files out, a bundle hook narrowed): what init records at adoption."""
    return hook_details.traps(Project.of(root, _listing(root)), bundle.hook_ids())


def _listing(root: Path) -> list[Path]:
    """The files of the project below `root`, as discovery finds them, but whatever
    `exclude` says: an `exclude` that covers everything is itself a trap to judge."""
    resolver = SettingsResolver(CliOverrides(exclude=()), cwd=root)
    return [
        path for path in files.find([root], resolver).files if resolver.for_path(path).root == root
    ]
