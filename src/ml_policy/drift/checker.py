"""The MLG checker: what `ml-policy init` would change in a repository, as findings.

init already knows, key by key and in the files each tool really reads, where a
repository departs from its bundle: a bundle entry missing from a list, a value
that checks less, a hook that is not there. A departure recorded in
`[tool.ml-policy.overrides]` with a reason is accepted; a stricter value is kept. So
the drift check plans init against the recorded bundle, writes nothing, and reports
each departure init would make, at the key's line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from ml_policy import HOOK_REPO_URL, bundles, registry
from ml_policy.apply.keyrules import strict_value
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.checkers import RunOptions
from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.drift import traps
from ml_policy.drift.own_table import own_table_drift
from ml_policy.drift.rule import DriftRule
from ml_policy.drift.trap import Trap
from ml_policy.tomlpos import TomlPositions
from ml_policy.toolconfig import PRECOMMIT, PYPROJECT

# Lists whose bundle entries, when missing, leave something unchecked (a missing `ignore`
# or `exclude` entry checks more: that is fine).
CHECKING_LISTS = frozenset({"select", "extend-select", "enable_error_code"})
INIT_ADVICE = ("; kept yours", "; added after yours", " (--force")


def check(
    files: Sequence[Path], resolver: SettingsResolver, options: RunOptions
) -> list[Diagnostic]:
    """Every MLG finding for the projects the files belong to (each project once)."""
    del options
    roots = {resolver.for_path(path).root for path in files}  # a folder's are its own
    found: list[Diagnostic] = []
    for root in sorted(roots):
        settings = resolver.for_path(root / PYPROJECT)
        # Why nothing is checked goes to the notes, which check-config prints (`check`
        # would repeat it on every run).
        if settings.bundle is None:
            resolver.notes[_NO_BUNDLE.format(root=os.path.relpath(root / PYPROJECT))] = None
        elif _drift_codes() <= settings.held_back:
            where = os.path.relpath(root / PYPROJECT)
            resolver.notes[_BEFORE_DRIFT.format(root=where, bundle=settings.bundle)] = None
        elif not any(settings.is_enabled(code) for code in _drift_codes()):
            where = os.path.relpath(root / PYPROJECT)
            resolver.notes[_DRIFT_OFF.format(root=where, bundle=settings.bundle)] = None
        else:
            findings, hooks = drift(root, settings.bundle)
            trapped = [*hooks, *traps.departures(settings)]
            found += findings + traps.findings(trapped, settings.overrides)
            bundle = bundles.get(settings.bundle)
            found += own_table_drift(root, bundle, trapped, resolver.notes)
    return found


def _drift_codes() -> frozenset[str]:
    return frozenset(registry.family("check-config").rules)


_NO_BUNDLE = (
    "{root}: no bundle is recorded in [tool.ml-policy], so there is nothing to hold the "
    "configuration to; run `ml-policy init` to choose one"
)


_BEFORE_DRIFT = (
    "{root}: {bundle} came before the drift rules (MLG, ml-policy 0.2.0), so the "
    "configuration is not checked against it; `ml-policy upgrade` moves to a version "
    "that has them"
)


_DRIFT_OFF = "{root}: every MLG rule is turned off, so nothing holds the configuration to {bundle}"


def drift(root: Path, bundle_ref: str) -> tuple[list[Diagnostic], list[Trap]]:
    """The departures from `bundle_ref` that init would change: as MLG findings, and for
    the hooks, as traps (a hook left out is accepted by an override "pre-commit.<id>",
    which init's plan does not know about)."""
    from ml_policy.apply.init import plan_init

    _, planned = plan_init(root, bundle_ref, force=False)
    rules = [rule for rule in registry.rules("check-config") if issubclass(rule, DriftRule)]
    found, hooks = [], []
    for planned_file in planned:
        plan = planned_file.plan
        for change in plan.changes:
            rule = _claimant(rules, plan.path.name, change)
            if rule is None or _rev_runs_bundle(plan, change, bundle_ref):
                continue
            message, line = _message(change, bundle_ref), _line(plan, change.key)
            if plan.path.name == PRECOMMIT:
                key = f"pre-commit.{_hook_id(change.key)}"
                if change.action is Action.ADD and key != f"pre-commit.{change.key}":
                    message = _missing_hook(_hook_id(change.key), bundle_ref, key)
                hooks.append(Trap(rule.code, plan.path, line, message, key=key))
            else:
                found.append(rule.at(message, plan.path, line))
    return found, hooks


def _rev_runs_bundle(plan: FilePlan, change: Change, bundle_ref: str) -> bool:
    """Whether `change` is a hook rev of the bundle's release or later: a newer ml-policy
    runs an older bundle's rules as they were (later rules stay off), so it is not weaker.
    A rev that is not a version (a commit, a branch) cannot be compared: reported."""
    if plan.before is None or not change.key.endswith(".rev"):
        return False
    line = plan.before.splitlines()[_hook_repo_line(plan.before, "rev:") - 1]
    rev = line.partition("rev:")[2].partition("#")[0].strip().strip("'\"")
    try:
        return Version(rev.removeprefix("v")) >= Version(bundles.get(bundle_ref).release)
    except InvalidVersion:
        return False


def _missing_hook(hook_id: str, bundle_ref: str, key: str) -> str:
    return (
        f"hook {hook_id} of {bundle_ref} is missing: `ml-policy init` adds it; or record "
        f'why in [tool.ml-policy.overrides] as "{key}"'
    )


def _hook_id(key: str) -> str:
    """ "repos[ml-policy].hooks[ml-policy-mypy]" -> "ml-policy-mypy"; other keys as they are."""
    match = re.fullmatch(r"repos\[[^]]*\]\.hooks\[(?P<id>[^]]+)\]", key)
    return match["id"] if match else key


def _claimant(rules: list[type[DriftRule]], name: str, change: Change) -> type[DriftRule] | None:
    if change.key.startswith("tool.ml-policy.") or not _weakens(name, change):
        return None  # the overrides init would record follow from the departures reported
    return next((rule for rule in rules if rule.claims(name, change.key)), None)


def _weakens(name: str, change: Change) -> bool:
    """Whether init's change restores something the repository does not check.

    A value init would record as an override turns a bundle rule or flag off; a hook it
    would add or fix is missing or changed; a missing entry of a selecting list or a
    missing mypy strict flag leaves rules off. Other differences (a line length, a
    missing `ignore` entry) have no known direction and are left alone.
    """
    if change.action in (Action.OVERRIDE, Action.MANUAL):
        return True
    if name == PRECOMMIT:
        return change.action in (Action.ADD, Action.MERGED, Action.CONFLICT)
    if change.action not in (Action.ADD, Action.MERGED):
        return False
    last = change.key.rsplit(".", 1)[-1]
    return last in CHECKING_LISTS or ("mypy" in change.key and strict_value(last) is not None)


def _message(change: Change, bundle_ref: str) -> str:
    detail = change.detail
    for advice in INIT_ADVICE:
        detail = detail.split(advice, 1)[0]
    what = f"{change.key}: {detail}" if detail else change.key
    return (
        f"{what}: weaker than {bundle_ref}; take the bundle's value (`ml-policy init "
        f"--force`) or record why in [tool.ml-policy.overrides]"
    )


def _line(plan: FilePlan, key: str) -> int:
    if plan.before is None:
        return 1
    if plan.path.name == PRECOMMIT:
        return _hook_repo_line(plan.before, "rev:" if key.endswith(".rev") else "hooks:")
    if not plan.path.name.endswith(".toml"):
        return 1
    return TomlPositions(plan.before).key_line(key.split(".")) or 1


def _hook_repo_line(text: str, key: str) -> int:
    """The line of `key` ("rev:", "hooks:") in the ml-policy entry of the pre-commit
    configuration; 1 when there is no such entry (the whole entry is missing)."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if HOOK_REPO_URL in line), None)
    if start is None:
        return 1
    found = (n for n in range(start, len(lines)) if lines[n].strip().startswith(key))
    return next(found, start) + 1
