"""MLG005 and MLG006: `[tool.ml-policy]` against its bundle, and the overrides themselves.

Read as the file says: the command line's `--select` is not a departure. Each override
still in use is noted with its reason, so `check-config` shows the exceptions it accepts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ml_policy.bundles import Bundle
from ml_policy.config import build_settings, read_toml, settings_table
from ml_policy.diagnostics import Diagnostic
from ml_policy.drift.departure import Departure
from ml_policy.drift.ml_policy_table import weakenings
from ml_policy.drift.ml_policy_weaker_than_bundle import MlPolicyWeakerThanBundle
from ml_policy.drift.stale import stale_overrides
from ml_policy.drift.stale_override import StaleOverride
from ml_policy.drift.trap import Trap
from ml_policy.tomlpos import TomlPositions
from ml_policy.toolconfig import PYPROJECT


def own_table_drift(
    root: Path, bundle: Bundle, trapped: Sequence[Trap], notes: dict[str, None]
) -> list[Diagnostic]:
    """MLG005 and MLG006 for the project at `root`; each live override goes to `notes`."""
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
    stale = {s.key: s for s in stale_overrides(root, bundle, ours.overrides, trapped)}
    for key, override in ours.overrides.items():
        line = positions.key_line([*_OVERRIDES, key]) or 1
        if key in stale and not stale[key].entries:
            message = f'override "{key}" ({override.reason}): {stale[key].why}; remove it'
            found.append(StaleOverride.at(message, pyproject, line))
            continue
        if key in stale:
            message = f'override "{key}" ({override.reason}): {stale[key].why}; remove them'
            found.append(StaleOverride.at(message, pyproject, line))
        where = os.path.relpath(pyproject)
        notes[f"{where}:{line}: override {key!r} accepted: {override.reason}"] = None
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
