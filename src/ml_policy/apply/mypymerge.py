"""Merge a bundle's mypy settings into [tool.mypy], keeping what switches strictness off visible.

A flag the bundle sets is merged by tomlmerge (a user's weaker value is kept
and recorded as an override). With `strict = true` the bundle also sets every
--strict flag without naming them, so a user's `disallow_untyped_defs = false`
(or `allow_untyped_defs = true`) beside it switches a bundle rule off just
the same: it is recorded too, or removed with --force. Per-module sections
([[tool.mypy.overrides]]) are scoped exceptions and are left as written.
"""

from __future__ import annotations

from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Item, Table

from ml_policy.apply import tomlmerge
from ml_policy.apply.keyrules import MYPY_STRICT_FLAGS, mypy_flag
from ml_policy.apply.plan import Action, Change
from ml_policy.apply.tomlmerge import Merger, Slot
from ml_policy.bundles import Bundle


def bundle_table(bundle: Bundle) -> Item:
    item: Item = tomlkit.parse(bundle.text("mypy.toml"))["tool"]["mypy"]
    return item


def merge_mypy(merger: Merger, tool: Slot, bundle: Bundle) -> None:
    """Merge the bundle's [tool.mypy] into `tool` (pyproject's [tool] table)."""
    merger.merge(tool, "mypy", bundle_table(bundle))
    if bundle.mypy().get("strict") is True:
        _adopt_strict_flags(merger, tool.child("mypy"), set(bundle.mypy()))


def _adopt_strict_flags(merger: Merger, mypy: Slot, named: set[str]) -> None:
    strict = dict(MYPY_STRICT_FLAGS)
    for key, value in list(mypy.plain.items()):
        flag = mypy_flag(key, value)
        if key in named or flag is None or flag[1] == strict[flag[0]]:
            continue  # the bundle's own keys were merged; this one keeps --strict's value
        logical, name = mypy.key(key), mypy.name(key)
        if logical in merger.overrides:
            reason = merger.overrides[logical].reason
            merger.changes.append(Change(name, Action.ACCEPTED, f"kept yours ({reason})"))
        elif merger.force:
            mypy.drop(key)
            detail = f"removed (it turned off {flag[0]}, which the bundle's strict = true sets)"
            merger.changes.append(Change(name, Action.FORCED, detail))
        else:
            merger.adopt(logical, [])
            detail = (
                f"yours {tomlmerge.show(value)} turns off {flag[0]}, which the bundle's "
                f"strict = true sets; {tomlmerge.KEPT_WEAKER}"
            )
            merger.changes.append(Change(name, Action.OVERRIDE, detail))


def fold_migrated(merger: Merger, path: Path, tool: Slot, table: Table, origin: str) -> None:
    """Write the settings mypy read from an INI file into [tool.mypy] of `path`, before
    the bundle.

    They are what mypy really used, so they replace a value a shadowed
    [tool.mypy] held (mypy never read it); the bundle is merged on top after.
    """
    if "mypy" not in tool.table:
        tool.put("mypy", table)
        detail = f"{tomlmerge.keys(table)} from {origin}"
        merger.changes.append(Change(tool.name("mypy"), Action.ADD, detail))
        return
    _fold(merger, tomlmerge.child_table(path, tool, "mypy", ("mypy",)), table, origin)


def _fold(merger: Merger, slot: Slot, table: Table, origin: str) -> None:
    for key, item in table.items():
        if key == "overrides":
            _fold_entries(merger, slot, item, origin)
        elif key not in slot.table:
            slot.put(key, item)
            merger.changes.append(Change(slot.name(key), Action.ADD, f"from {origin}"))
        elif tomlmerge.plain(slot.table[key]) != tomlmerge.plain(item):
            before = tomlmerge.show(slot.table[key])
            slot.put(key, item)
            detail = f"{before} (which mypy ignored) -> {tomlmerge.show(item)} from {origin}"
            merger.changes.append(Change(slot.name(key), Action.FORCED, detail))


def _fold_entries(merger: Merger, slot: Slot, entries: AoT, origin: str) -> None:
    if "overrides" not in slot.table:
        slot.put("overrides", entries)
        merger.changes.append(Change(slot.name("overrides"), Action.ADD, f"from {origin}"))
        return
    existing = slot.table["overrides"]
    by_module = {tomlmerge.module_key(e): i for i, e in enumerate(existing)}
    for entry in entries:
        module = tomlmerge.module_key(entry)
        index = by_module.get(module)
        label = f"overrides[{module}]"
        if index is None:
            existing.append(tomlmerge.fresh(entry))
            slot.plain["overrides"].append(tomlmerge.plain(entry))
            merger.changes.append(Change(slot.name(label), Action.ADD, f"from {origin}"))
            continue
        child = Slot(
            existing[index],
            slot.plain["overrides"][index],
            (*slot.label, label),
            (*slot.logical, label),
        )
        _fold(merger, child, entry, origin)
