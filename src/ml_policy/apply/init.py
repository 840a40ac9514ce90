"""`ml-policy init`: merge a bundle into pyproject.toml and .pre-commit-config.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ml_policy import bundles
from ml_policy.apply.atomic import ensure_writable, write_atomic
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.precommit import plan_precommit
from ml_policy.apply.pyproject import plan_pyproject
from ml_policy.apply.textfile import InputError, TextStyle
from ml_policy.config import ConfigError, ml_policy_table, read_toml


@dataclass(frozen=True)
class PlannedFile:
    """A file's plan and how to encode it when written."""

    plan: FilePlan
    style: TextStyle


def plan_init(
    root: Path, bundle_ref: str | None, *, force: bool
) -> tuple[bundles.Bundle, list[PlannedFile]]:
    """Everything init would change under `root`; reads only, writes nothing."""
    if not root.exists():
        raise InputError(root, "no such directory")
    if not root.is_dir():
        raise InputError(root, "not a directory")
    bundle = bundles.get(bundle_ref or _recorded_bundle(root) or bundles.DEFAULT_BUNDLE)
    planned = [
        PlannedFile(*plan_pyproject(root / "pyproject.toml", bundle, force=force)),
        PlannedFile(*plan_precommit(root / ".pre-commit-config.yaml", bundle, force=force)),
        _plan_secrets_baseline(root, bundle),
    ]
    return bundle, planned


def _plan_secrets_baseline(root: Path, bundle: bundles.Bundle) -> PlannedFile:
    """A slim secrets baseline accepting the secrets already there; an existing one is kept."""
    from ml_policy.secrets import baseline

    settings = baseline.settings_for_init(root, bundle.ml_policy_settings())
    path = baseline.location(settings)
    if path.exists() or path.is_symlink():
        return PlannedFile(FilePlan(path, "", ""), TextStyle())  # never rewritten by init
    text, accepted = baseline.create(settings)
    detail = f"{accepted} secret(s) already in the repository accepted: review them"
    changes = [Change("results", Action.ADD, detail)] if accepted else []
    return PlannedFile(FilePlan(path, None, text, changes), TextStyle())


def write(planned: list[PlannedFile]) -> None:
    """Write every changed file atomically, after checking that all can be written."""
    changed = [p for p in planned if p.plan.writes]
    for item in changed:
        ensure_writable(item.plan.path)
    for item in changed:
        write_atomic(item.plan.path, item.style.encode(item.plan.after))


def _recorded_bundle(root: Path) -> str | None:
    """The bundle a previous init recorded, so that re-running init keeps it."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        table = ml_policy_table(read_toml(pyproject)[1])
    except ConfigError:
        return None  # plan_pyproject reports the malformed file with its line
    bundle = (table or {}).get("bundle")
    return bundle if isinstance(bundle, str) else None
