"""The MLG checker: what `ml-policy init` would change in a repository, as findings.

init already knows, key by key and in the files each tool really reads, where a
repository departs from its bundle: a bundle entry missing from a list, a value
that checks less, a hook that is not there. A departure recorded in
`[tool.ml-policy.overrides]` with a reason is accepted; a stricter value is kept. So
the drift check plans init against the recorded bundle, writes nothing, and reports
each departure init would make, at the key's line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ml_policy import bundles, registry
from ml_policy.apply.keyrules import strict_value
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.checkers import RunOptions
from ml_policy.config import SettingsResolver, build_settings, read_toml, settings_table
from ml_policy.diagnostics import Diagnostic
from ml_policy.drift import traps
from ml_policy.drift.departure import Departure
from ml_policy.drift.ml_policy_table import weakenings
from ml_policy.drift.ml_policy_weaker_than_bundle import MlPolicyWeakerThanBundle
from ml_policy.drift.rule import DriftRule
from ml_policy.drift.stale import stale_overrides
from ml_policy.drift.stale_override import StaleOverride
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
    roots = {resolver.for_path(path / PYPROJECT if path.is_dir() else path).root for path in files}
    found: list[Diagnostic] = []
    for root in sorted(roots):
        settings = resolver.for_path(root / PYPROJECT)
        if settings.bundle is None:
            resolver.warnings[_NO_BUNDLE.format(root=root)] = None
        elif _drift_codes() <= settings.held_back:
            resolver.warnings[_BEFORE_DRIFT.format(root=root, bundle=settings.bundle)] = None
        elif not any(settings.is_enabled(code) for code in _drift_codes()):
            resolver.warnings[_DRIFT_OFF.format(root=root, bundle=settings.bundle)] = None
        else:
            found += drift(root, settings.bundle) + traps.check(settings)
            found += own_table_drift(root, bundles.get(settings.bundle), resolver.notes)
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


def drift(root: Path, bundle_ref: str) -> list[Diagnostic]:
    """The departures from `bundle_ref` that init would change, as MLG findings."""
    from ml_policy.apply.init import plan_init

    _, planned = plan_init(root, bundle_ref, force=False)
    rules = [rule for rule in registry.rules("check-config") if issubclass(rule, DriftRule)]
    found = []
    for planned_file in planned:
        plan = planned_file.plan
        for change in plan.changes:
            rule = _claimant(rules, plan.path.name, change)
            if rule is not None:
                line = _line(plan, change.key)
                found.append(rule.at(_message(change, bundle_ref), plan.path, line))
    return found


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
    if plan.before is None or not plan.path.name.endswith(".toml"):
        return 1
    return TomlPositions(plan.before).key_line(key.split(".")) or 1


def own_table_drift(root: Path, bundle: bundles.Bundle, notes: dict[str, None]) -> list[Diagnostic]:
    """MLG005 for [tool.ml-policy] itself and MLG006 for stale overrides, as the file says
    (the command line's --select does not count as a departure); each live override, with
    its reason, goes to `notes`."""
    pyproject = root / PYPROJECT
    text, document = read_toml(pyproject)
    table = settings_table(pyproject, text, document) or {}
    positions = TomlPositions(text)
    bundle_layer = bundle.ml_policy_settings()
    theirs = build_settings(root, None, [bundle_layer], bundle.release)
    ours = build_settings(root, pyproject, [bundle_layer, table], bundle.release)
    found = [
        MlPolicyWeakerThanBundle.at(
            _own_message(departure, bundle.ref),
            pyproject,
            _own_line(positions, departure.key, departure.entries),
        )
        for departure in weakenings(theirs, ours)
        if not departure.accepted(ours.overrides)
    ]
    stale = {s.key: s for s in stale_overrides(root, bundle, ours.overrides)}
    for key, override in ours.overrides.items():
        line = positions.key_line([*_OVERRIDES, key]) or 1
        if key in stale and not stale[key].entries:
            message = f'override "{key}" ({override.reason}): {stale[key].why}; remove it'
            found.append(StaleOverride.at(message, pyproject, line))
            continue
        if key in stale:
            message = f'override "{key}" ({override.reason}): {stale[key].why}; remove them'
            found.append(StaleOverride.at(message, pyproject, line))
        notes[f"{pyproject}:{line}: override {key!r} accepted: {override.reason}"] = None
    return found


_OVERRIDES = ("tool", "ml-policy", "overrides")


def _own_message(departure: Departure, bundle_ref: str) -> str:
    table = departure.key.rsplit(".", 1)[0]
    return (
        f"[tool.{table}] {departure.message}: weaker than {bundle_ref}; take the bundle's "
        "value or record why in [tool.ml-policy.overrides]"
    )


def _own_line(positions: TomlPositions, key: str, entries: tuple[object, ...]) -> int:
    path = ["tool", *key.split(".")]
    if key.endswith("per-file-ignores") and entries:
        path.append(str(entries[0]))
    return positions.key_line(path) or positions.key_line(path[:2]) or 1
