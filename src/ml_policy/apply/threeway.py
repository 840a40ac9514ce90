"""The three-way merge of one tool's table for `ml-policy upgrade`, key by key.

base is the recorded bundle version's table, theirs the target version's, ours
the repository's (a tomlmerge.Slot, edited in place, comments and order kept):

- the bundle did not change a key (base == theirs): the user's value stays, whatever it is;
- the user did not (ours == base, absent from both included): the key follows the
  bundle, set to theirs or removed when theirs has none;
- ours == theirs: nothing to do;
- all three differ: a conflict, left as the user has it; a key recorded in
  [tool.ml-policy.overrides] is kept by that override; given a reason, the conflict is
  recorded there with it (`recorded`).

Lists the bundle adds to (keyrules UNION, and Ruff's `select`) merge entry by entry.
An entry is either there or not, so they never conflict: entries the new version
drops go, entries it adds come, the user's own stay.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, Item, Table

from ml_policy.apply import tomlmerge
from ml_policy.apply.keyrules import kind
from ml_policy.apply.plan import Action, Change
from ml_policy.apply.tomlmerge import Kind, Recorded, Slot, TableLike, plain, show
from ml_policy.ruffselect import covers

MISSING: Any = object()  # a key one side does not have
SELECT = "ruff.lint.select"
EXTEND_SELECT = "extend-select"


@dataclass
class ThreeWay:
    """One upgrade's merges: the per-key changes, and the conflicts to record as overrides."""

    overrides: Mapping[str, Recorded]
    reason: str | None  # --reason: record every conflict as an override with it
    changes: list[Change] = field(default_factory=list)
    recorded: dict[str, list[Any]] = field(default_factory=dict)

    def merge_table(self, slot: Slot, base: Mapping[str, Any], theirs: TableLike) -> None:
        """Merge every key either version of the bundle has into `slot`."""
        for key in [*theirs.keys(), *(k for k in base if k not in theirs)]:
            item = theirs.get(key)
            self.merge(slot, key, base.get(key, MISSING), item)

    def merge(self, slot: Slot, key: str, base: Any, item: Item | None) -> None:
        new = MISSING if item is None else plain(item)
        if base == new:
            return  # the bundle did not change it: the user's value stays
        ours = slot.plain.get(key, MISSING)
        if _tables(ours, base, new) and isinstance(ours, dict):
            self._merge_child(slot, key, base, item)
        elif isinstance(item, AoT) and (pairs := _pairing(slot.table.get(key), ours, base)):
            self._merge_entries(slot, key, base, item, pairs)
        elif _per_entry(slot.key(key)) and isinstance(slot.table.get(key), Array | None):
            if slot.key(key) == SELECT:
                self._select(slot, key, base, item)
            else:
                self._entries(slot, key, base, item)
        else:
            self._value(slot, key, base, item)

    def _merge_child(self, slot: Slot, key: str, base: Any, item: Item | None) -> None:
        theirs = item if isinstance(item, Table | tomlkit.items.InlineTable) else tomlkit.table()
        self.merge_table(slot.child(key), {} if base is MISSING else base, theirs)
        if item is None and not slot.plain[key]:
            slot.drop(key)  # the new bundle has no such table, and nothing of the user's is left
            self.changes.append(Change(slot.name(key), Action.REMOVED, "the new bundle has none"))

    def _merge_entries(
        self, slot: Slot, key: str, base: list[Any], item: AoT, pairs: list[int]
    ) -> None:
        """[[tool.mypy.overrides]] that still holds each of the old bundle's entries (at
        `pairs`; values edited, modules or entries of the user's added): entry by entry, in
        place, so that the user's values, entries and comments stay."""
        existing: AoT = slot.table[key]
        entries = slot.plain[key]
        for index, entry in enumerate(item):
            label = f"{key}[{tomlmerge.module_key(entry)}]"
            if index < len(base):
                mine = pairs[index]
                child = Slot(
                    existing[mine], entries[mine], (*slot.label, label), (*slot.logical, label)
                )
                self.merge_table(child, base[index], entry)
                continue
            existing.append(tomlmerge.fresh(entry))
            entries.append(copy.deepcopy(plain(entry)))
            self.changes.append(Change(slot.name(label), Action.ADD, tomlmerge.keys(entry)))
        for mine in sorted((pairs[i] for i in range(len(item), len(base))), reverse=True):
            label = f"{key}[{tomlmerge.module_key(entries[mine])}]"
            del existing[mine]
            del entries[mine]
            self.changes.append(Change(slot.name(label), Action.REMOVED, "the new bundle has none"))

    def _value(self, slot: Slot, key: str, base: Any, item: Item | None) -> None:
        ours, new = slot.plain.get(key, MISSING), MISSING if item is None else plain(item)
        name, logical = slot.name(key), slot.key(key)
        if ours == new:
            self.changes.append(Change(name, Action.UNCHANGED))
        elif ours == base:
            self._follow(slot, key, item)
        elif logical in self.overrides:
            why = self.overrides[logical].reason
            detail = f"kept yours by override ({why}); {_three(ours, base, new)}"
            self.changes.append(Change(name, Action.ACCEPTED, detail))
        elif self.reason:
            self.recorded[logical] = []
            detail = (
                f"{_three(ours, base, new)}; kept yours, recorded in [tool.ml-policy.overrides]"
            )
            self.changes.append(Change(name, Action.OVERRIDE, detail))
        else:
            detail = (
                f"{_three(ours, base, new)}; kept yours (`ml-policy upgrade --reason TEXT` "
                "records it in [tool.ml-policy.overrides])"
            )
            self.changes.append(Change(name, Action.CONFLICT, detail))

    def _follow(self, slot: Slot, key: str, item: Item | None) -> None:
        """The user never changed `key`: it takes the new bundle's value, or goes."""
        name = slot.name(key)
        if item is None:
            before = slot.plain[key]
            slot.drop(key)
            self.changes.append(
                Change(name, Action.REMOVED, f"{show(before)}: the new bundle has none")
            )
        elif key not in slot.plain:
            slot.put(key, item)
            detail = tomlmerge.keys(item) if isinstance(item, Table) else show(item)
            self.changes.append(Change(name, Action.ADD, detail))
        else:
            before = slot.plain[key]
            slot.put(key, item)
            self.changes.append(Change(name, Action.UPDATED, _updated(before, plain(item))))

    def _entries(self, slot: Slot, key: str, base: Any, item: Item | None) -> None:
        logical = slot.key(key)
        old = _entries_of(logical, base)
        new = _entries_of(logical, MISSING if item is None else plain(item))
        ours = _entries_of(logical, slot.plain.get(key, MISSING))
        dropped = [e for e in old if e not in new and e in ours]
        added = [e for e in new if e not in old and e not in ours]
        if key not in slot.plain and base is MISSING and item is not None:
            self._follow(slot, key, item)  # a new list: with the bundle's comments
            return
        if key not in slot.plain:
            if added:
                slot.put(key, tomlkit.item(added))
        else:
            tomlmerge.remove_entries(slot, key, dropped)
            kept = list(slot.plain[key])
            comments = tomlmerge.item_comments(item) if item is not None else {}
            tomlmerge.extend_array(slot, key, kept, added, comments)
            if item is None and not slot.plain[key]:
                slot.drop(key)
        self._report_entries(slot.name(key), added, dropped)

    def _select(self, slot: Slot, key: str, base: Any, item: Item | None) -> None:
        """Ruff's `select`: entry by entry, with the user's `extend-select` counting as
        theirs too. New selectors go into `select` when it still holds every selector of
        the old bundle, else into `extend-select` (as init puts them)."""
        new = MISSING if item is None else plain(item)
        old, wanted = _entries_of(SELECT, base), _entries_of(SELECT, new)
        ours = _entries_of(SELECT, slot.plain.get(key, MISSING))
        extended = _entries_of(SELECT, slot.plain.get(EXTEND_SELECT, MISSING))
        dropped = [e for e in old if e not in wanted and e in [*ours, *extended]]
        named = [e for e in [*ours, *extended] if e not in dropped]
        added = [e for e in wanted if e not in old and not any(covers(mine, e) for mine in named)]
        for where in (key, EXTEND_SELECT):
            if isinstance(slot.table.get(where), Array):
                tomlmerge.remove_entries(slot, where, dropped)
        target = key if all(e in ours for e in old) and key in slot.plain else EXTEND_SELECT
        if added and target in slot.plain:
            comments = tomlmerge.item_comments(item) if item is not None else {}
            tomlmerge.extend_array(slot, target, list(slot.plain[target]), added, comments)
        elif added:
            slot.put(target, tomlkit.item(added))
        self._report_entries(slot.name(target if added else key), added, dropped)

    def _report_entries(self, name: str, added: list[Any], dropped: list[Any]) -> None:
        if not added and not dropped:
            self.changes.append(Change(name, Action.UNCHANGED))
            return
        parts = [f"added {_listed(added)}"] if added else []
        parts += [f"removed {_listed(dropped)}, which the new bundle drops"] if dropped else []
        action = Action.MERGED if added else Action.REMOVED
        self.changes.append(Change(name, action, "; ".join(parts)))


def _tables(*values: Any) -> bool:
    """Whether every value present is a table (one at least)."""
    present = [v for v in values if v is not MISSING]
    return bool(present) and all(isinstance(v, dict) for v in present)


def _per_entry(logical: str) -> bool:
    """Lists merged entry by entry: those the bundle adds to, Ruff's `select`, and the
    modules of a [[tool.mypy.overrides]] entry (the user's own untyped libraries stay)."""
    module_list = logical.startswith("mypy.overrides[") and logical.endswith("].module")
    return logical == SELECT or module_list or kind(logical) is Kind.UNION


def _pairing(written: Any, ours: Any, base: Any) -> list[int]:
    """Where each of the old bundle's [[tool.mypy.overrides]] entries is in the user's
    array: the entry with the same keys that shares the most modules with it (the user may
    have edited values, added modules, added entries of their own before or after). Empty
    when one cannot be found: then the array is compared as a whole."""
    if not isinstance(written, AoT) or not isinstance(base, list) or not isinstance(ours, list):
        return []
    pairs: list[int] = []
    for old in base:
        candidates = [
            (len(_modules(old) & _modules(mine)), index)
            for index, mine in enumerate(ours)
            if index not in pairs and isinstance(mine, dict) and mine.keys() == old.keys()
        ]
        best = max(candidates, default=(0, -1))
        if best[0] == 0:
            return []
        pairs.append(best[1])
    return pairs


def _modules(entry: Any) -> set[str]:
    module = entry.get("module", []) if isinstance(entry, dict) else []
    return set(module) if isinstance(module, list) else {str(module)}


def _entries_of(logical: str, value: Any) -> list[Any]:
    return [] if value is MISSING else tomlmerge.as_list(logical, value)


def _listed(entries: list[Any]) -> str:
    return ", ".join(map(str, entries[:6])) + (", ..." if len(entries) > 6 else "")


def _updated(before: Any, after: Any) -> str:
    """What changed in a value: the entries in and out of a list, else old -> new."""
    if not (isinstance(before, list) and isinstance(after, list)):
        return f"{show(before)} -> {show(after)}"
    added = [e for e in after if e not in before]
    removed = [e for e in before if e not in after]
    parts = [f"added {_listed(added)}"] if added else []
    parts += [f"removed {_listed(removed)}"] if removed else []
    return "; ".join(parts) or "reordered"


def _three(ours: Any, base: Any, new: Any) -> str:
    def shown(value: Any) -> str:
        return "nothing" if value is MISSING else show(value)

    return f"yours {shown(ours)}, old bundle {shown(base)}, new bundle {shown(new)}"
