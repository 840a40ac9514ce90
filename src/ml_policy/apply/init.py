"""`ml-policy init`: merge a bundle into pyproject.toml and .pre-commit-config.yaml.

Every file is planned (read, merged, checked) before any is written, and all
are written together (apply.atomic): a run killed half-way leaves temporary
files behind, which the next run finds (`leftovers`), removes and completes.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_policy import bundles
from ml_policy.apply import atomic
from ml_policy.apply.choose import Choice, choose
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.precommit import plan_precommit
from ml_policy.apply.pyproject import plan_pyproject
from ml_policy.apply.textfile import InputError, TextStyle
from ml_policy.config import ConfigError, read_toml
from ml_policy.toolconfig import PRECOMMIT, PYPROJECT

# Written when Ruff reads one of them. (setup.cfg, rewritten only by --migrate, is not
# listed: a temporary file beside it is removed by the write that rewrites it.)
RUFF_FILES = (".ruff.toml", "ruff.toml")


@dataclass(frozen=True)
class PlannedFile:
    """A file's plan and how to encode it when written."""

    plan: FilePlan
    style: TextStyle


def plan_init(
    root: Path, bundle_ref: str | None, *, force: bool, migrate: bool = False
) -> tuple[bundles.Bundle, list[PlannedFile]]:
    """Everything init would change under `root`; reads only, writes nothing.

    `migrate`: move mypy (and .bandit) settings out of INI files into pyproject.toml.
    """
    check_root(root)
    bundle = _bundle(root, bundle_ref)
    precommit = PlannedFile(*plan_precommit(root / PRECOMMIT, bundle, force=force))
    kept = functools.partial(_precommit_departures, root, bundle)
    configs = plan_pyproject(root, bundle, force=force, migrate=migrate, kept=kept)
    planned = [
        *(PlannedFile(plan, style) for plan, style in configs),
        precommit,
        _plan_secrets_baseline(root, bundle),
    ]
    return bundle, planned


def _precommit_departures(root: Path, bundle: bundles.Bundle) -> dict[str, list[Any]]:
    """The repository's own pre-commit settings that check less than the bundle (a
    top-level `exclude:`): recorded as overrides at adoption, as its other settings are."""
    if not (root / PRECOMMIT).is_file():
        return {}
    from ml_policy.drift.traps import precommit_departures

    found = precommit_departures(Path(os.path.realpath(root)), bundle)
    return {trap.key: [trap.entry] if trap.entry else [] for trap in found}


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


def write(planned: list[PlannedFile], root: Path) -> atomic.Written:
    """Write every changed file and remove those planned for removal (last), after
    checking that all can be; what was written and removed."""
    changed = [p for p in planned if p.plan.writes]
    files = [(p.plan.path, p.style.encode(p.plan.after)) for p in changed if not p.plan.remove]
    delete = [p.plan.path for p in changed if p.plan.remove]
    return atomic.write_all(files, root, delete=delete)


def leftovers(root: Path, bundle_ref: str | None) -> list[Path]:
    """Temporary files that an interrupted init left beside the files init writes.

    Their presence is the mark of a cut-short update: the files are written
    together only once every temporary file is complete (apply.atomic).
    """
    check_root(root)
    bundle = _bundle(root, bundle_ref)
    from ml_policy.secrets import baseline

    settings = baseline.settings_for_init(root, bundle.ml_policy_settings())
    paths = (
        root / PYPROJECT,
        root / PRECOMMIT,
        baseline.location(settings),
        *(root / name for name in RUFF_FILES),
    )
    return [leftover for path in paths for leftover in atomic.leftovers(path, root)]


def clear_leftovers(root: Path, bundle_ref: str | None, *, dry_run: bool) -> str | None:
    """Remove what an interrupted init left (unless `dry_run`); what to tell the user, if any."""
    found = leftovers(root, bundle_ref)
    if not found:
        return None
    names = ", ".join(_label(path, root) for path in found)
    if dry_run:
        return f"an earlier init was interrupted (it left {names}); running init completes it"
    removed = ", ".join(_label(path, root) for path in atomic.remove(found))
    return (
        f"an earlier init was interrupted; removed what it left ({removed}); this run completes it"
    )


def _label(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def check_root(root: Path) -> None:
    """A folder whose files can be read: a link leading out of the repository is not."""
    if not root.exists():
        raise InputError(root, "no such directory")
    if not root.is_dir():
        raise InputError(root, "not a directory")
    for name in (PYPROJECT, PRECOMMIT):
        atomic.locate(root / name, root)  # WriteError naming the link


def choose_bundle(root: Path, bundle_ref: str | None) -> Choice:
    """The bundle init applies to `root`, and why: `bundle_ref` (--bundle), else the
    bundle recorded by an earlier init, else a guess from the repository (apply.choose)."""
    check_root(root)  # before reading: a pyproject.toml linked from outside is not read
    return choose(root, bundle_ref, _pyproject(root))


def _bundle(root: Path, bundle_ref: str | None) -> bundles.Bundle:
    return bundles.get(choose_bundle(root, bundle_ref).ref)


def _pyproject(root: Path) -> dict[str, Any]:
    """pyproject.toml parsed; empty when there is none or it is malformed."""
    pyproject = root / PYPROJECT
    if not pyproject.is_file():
        return {}
    try:
        return read_toml(pyproject)[1]
    except ConfigError:
        return {}  # plan_pyproject reports the malformed file with its line
