"""Merge a bundle's bandit settings into [tool.bandit], with the repository's own skips.

- The bundle's `skips` are the twins of Ruff rules; only those whose twin the
  repository's Ruff really runs are written (bandit_twins), the others run in
  bandit.
- Settings in the `args:` of an existing bandit hook (and in the files those
  name) never reach ml-policy-bandit, which reads [tool.bandit] and .bandit:
  they are written into [tool.bandit] first, as the user's own. So are a
  .bandit file's when `init --migrate` moves it.
- `skips` and `exclude_dirs` take the union of both sides. A `tests` list
  restricts bandit to the tests it names, so it turns off the bundle's
  (B614, B615): it is kept and recorded as an override, or removed with --force.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

import tomlkit
from tomlkit.items import Array, Table

from ml_policy.apply import tomlmerge
from ml_policy.apply.plan import Action, Change
from ml_policy.apply.tomlmerge import Merger, Slot
from ml_policy.bandit_twins import SkipChoice
from ml_policy.bundles import Bundle
from ml_policy.toolconfig import BanditSettings

TESTS = "bandit.tests"


def bundle_table(bundle: Bundle, choice: SkipChoice) -> Table:
    """The bundle's [tool.bandit], with only the skips `choice` keeps (and their comments)."""
    table: Table = copy.deepcopy(tomlkit.parse(bundle.text("bandit.toml"))["tool"]["bandit"])
    skips: Array = table["skips"]
    for test in choice.run_in_bandit:
        skips.remove(test)
    return table


def merge_bandit(
    merger: Merger,
    path: Path,
    tool: Slot,
    source: Table,
    own: Sequence[BanditSettings],
    choice: SkipChoice,
) -> None:
    """Merge into [tool.bandit] of `path`: first the user's settings from elsewhere
    (`own`), then the bundle's `source`."""
    if any(s.skips or s.tests or s.exclude or s.other for s in own):
        slot = tomlmerge.child_table(path, tool, "bandit", ("bandit",), holder=False)
        for settings in own:
            _fold(merger, slot, settings)
    merger.merge(tool, "bandit", source)
    if choice.run_in_bandit:
        tests = ", ".join(choice.run_in_bandit)
        twins = ", ".join(dict.fromkeys(t for ts in choice.run_in_bandit.values() for t in ts))
        detail = (
            f"not skipped, so bandit reports them: {tests}; the bundle leaves them to Ruff, "
            f"but your Ruff configuration does not run their twins ({twins})"
        )
        merger.changes.append(Change(tool.name("bandit.skips"), Action.NOTE, detail))


def _fold(merger: Merger, slot: Slot, settings: BanditSettings) -> None:
    if settings.other and settings.ini is None and settings.configfile is None:
        # A config file a hook names: its plugin settings have no place to go.
        detail = f"not carried into it from {settings.origin}: {', '.join(settings.other)}"
        merger.changes.append(Change(".".join(slot.label), Action.NOTE, detail))
    for key, values in (
        ("skips", settings.skips),
        ("exclude_dirs", settings.exclude),
        ("tests", settings.tests),
    ):
        if not values:
            continue
        ours = list(tomlmerge.plain(slot.table[key])) if key in slot.table else []
        additions = [v for v in dict.fromkeys(values) if v not in ours]
        if not additions:
            continue
        if key in slot.table:
            tomlmerge.extend_array(slot, key, ours, additions, {})
        else:
            slot.put(key, tomlkit.item(additions))
        detail = f"{', '.join(additions)} from {settings.origin}"
        merger.changes.append(Change(slot.name(key), Action.MERGED, detail))


def adopt_tests(merger: Merger, tool: Slot, ini_tests: Sequence[str], ini_name: str) -> None:
    """A `tests` list (in [tool.bandit], or in a .bandit bandit reads) limits bandit to
    those tests: recorded as an override, or removed from [tool.bandit] with --force."""
    bandit = tool.plain.get("bandit", {})
    tests = bandit.get("tests") if isinstance(bandit, dict) else None
    where = tool.name("bandit.tests") if tests else ini_name
    if not tests and not ini_tests:
        return
    recorded = merger.overrides.get(TESTS)
    if recorded is not None:
        merger.changes.append(Change(where, Action.ACCEPTED, f"kept yours ({recorded.reason})"))
    elif merger.force and tests:
        tool.child("bandit").drop("tests")
        detail = (
            "removed: it limited bandit to the tests it names (the bundle's B614, B615 ran not)"
        )
        merger.changes.append(Change(where, Action.FORCED, detail))
    else:
        merger.adopt(TESTS, [])
        shown = ", ".join(tests or ini_tests)
        detail = (
            f"yours limits bandit to {shown} (the bundle's other tests do not run); "
            f"{tomlmerge.KEPT_WEAKER}"
        )
        merger.changes.append(Change(where, Action.OVERRIDE, detail))
