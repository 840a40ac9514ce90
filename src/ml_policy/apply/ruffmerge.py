"""Merge a bundle's Ruff settings so that its rules really run in the repository.

Three things a plain per-key merge gets wrong with Ruff:

- `select` replaces: keeping the user's `select` and not the bundle's ran
  none of the bundle's rules. The user's `select` stays, and the bundle's
  selectors it does not already cover go into `extend-select`.
- `ignore` is a list both sides add to: the bundle's entries are appended
  (except one the user selects by exactly that code: an ignore of the same
  specificity beats a selection in Ruff, so it would switch the user's rule
  off). A user entry that turns off rules the bundle selects is kept, and
  recorded in [tool.ml-policy.overrides] (or removed with --force).
- The deprecated top-level spellings (`[tool.ruff] select = ...`) are read by
  Ruff only where no `lint.` key of the same name exists, so a bundle key goes
  to wherever the user wrote it; adding `lint.extend-select` beside a
  top-level `extend-select` would silently drop the user's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import tomlkit
from tomlkit.items import Array, Table

from ml_policy.apply import tomlmerge
from ml_policy.apply.plan import Action, Change
from ml_policy.apply.tomlmerge import Merger, Slot
from ml_policy.bundles import Bundle
from ml_policy.ruffselect import RuffSelection, covers, of_tables

IGNORE = "ruff.lint.ignore"
# Genuine top-level options that share a name with a lint option (`exclude`
# excludes files from everything; `lint.exclude` from linting only).
TOP_LEVEL_ONLY = {"exclude"}


def bundle_table(bundle: Bundle) -> Table:
    return tomlmerge.document_table(tomlkit.parse(bundle.text("ruff.toml")))


def bundle_selection(bundle: Bundle) -> RuffSelection:
    return of_tables([bundle.ruff()])


def merge_ruff(merger: Merger, slot: Slot, bundle: Bundle) -> None:
    """Merge the bundle's Ruff settings into `slot`, the table Ruff reads (pyproject's
    [tool.ruff], or the whole of a ruff.toml), with its logical name ("ruff",)."""
    source = bundle_table(bundle)
    lint, moved = _prepare_lint(merger, slot, source)
    for key, item in source.items():
        if key != "lint":
            merger.merge(slot, key, item)
    if len(lint):
        merger.merge(slot, "lint", lint)
    if len(moved):
        top = Slot(slot.table, slot.plain, slot.label, (*slot.logical, "lint"), slot.inline)
        merger.merge_table(top, moved)
    _adopt_ignores(merger, slot, bundle)


def _user_lint(slot: Slot) -> Mapping[str, Any]:
    lint = slot.plain.get("lint")
    return lint if isinstance(lint, dict) else {}


def _user_value(slot: Slot, key: str) -> Any:
    """A lint setting as Ruff reads it: `lint.key`, else the deprecated top-level `key`."""
    return _user_lint(slot).get(key, slot.plain.get(key))


def _prepare_lint(merger: Merger, slot: Slot, source: Table) -> tuple[Table, Table]:
    """The bundle's [lint] to merge, and the keys to merge at the top level instead
    (the user wrote them there)."""
    lint: Table = copy.deepcopy(source["lint"])
    _select_into_extend(merger, slot, lint)
    _drop_ignores_the_user_selects(slot, lint)
    moved = tomlkit.table()
    for key in list(lint.keys()):
        top_level = key in slot.plain and key not in TOP_LEVEL_ONLY
        if top_level and key not in _user_lint(slot):
            moved.append(key, lint[key])
            del lint[key]
    return lint, moved


def _select_into_extend(merger: Merger, slot: Slot, lint: Table) -> None:
    """Keep the user's `select`; the bundle's selectors it does not cover go to `extend-select`."""
    ours = _user_value(slot, "select")
    theirs = tomlmerge.plain(lint["select"])
    if not isinstance(ours, list) or ours == theirs:
        return  # none: the bundle's is added; the same: nothing to do
    select: Array = lint["select"]
    del lint["select"]
    named = [*ours, *(_user_value(slot, "extend-select") or [])]
    extra = [code for code in theirs if not any(covers(mine, code) for mine in named)]
    name = slot.name("lint.select" if "select" in _user_lint(slot) else "select")
    if not extra:
        merger.changes.append(
            Change(name, Action.KEPT, "yours covers every rule the bundle selects")
        )
        return
    comments = tomlmerge.item_comments(select)
    extend = tomlkit.array()
    for code in extra:
        extend.add_line(code, indent="  ", comment=comments.get(code))
    extend.add_line(indent="")
    lint["extend-select"] = extend
    shown = ", ".join(extra[:6]) + (", ..." if len(extra) > 6 else "")
    detail = f"yours kept; the bundle's {shown} go into extend-select, so they still run"
    merger.changes.append(Change(name, Action.KEPT, detail))


def _drop_ignores_the_user_selects(slot: Slot, lint: Table) -> None:
    selected = {*(_user_value(slot, "select") or []), *(_user_value(slot, "extend-select") or [])}
    ignore: Array = lint["ignore"]
    for code in [c for c in tomlmerge.plain(ignore) if c in selected]:
        ignore.remove(code)


def _adopt_ignores(merger: Merger, slot: Slot, bundle: Bundle) -> None:
    """User `ignore` entries that switch off rules the bundle selects: recorded, or
    removed with --force."""
    if isinstance(_user_lint(slot).get("ignore"), list):
        where = slot.child("lint")
    elif isinstance(slot.plain.get("ignore"), list):
        where = slot  # the deprecated top-level spelling
    else:
        return
    target = "ignore"
    bundle_ignore = set(bundle.ruff()["lint"].get("ignore", []))
    selection = bundle_selection(bundle)
    recorded = merger.overrides.get(IGNORE)
    weakening = [
        code
        for code in where.plain[target]
        if isinstance(code, str) and code not in bundle_ignore and selection.enables_any(code)
        if recorded is None or not recorded.covers(code)
    ]
    if not weakening:
        return
    name = where.name(target)
    shown = ", ".join(weakening)
    if merger.force:
        tomlmerge.remove_entries(where, target, weakening)
        detail = f"removed {shown}: they turned off rules the bundle selects"
        merger.changes.append(Change(name, Action.FORCED, detail))
        return
    merger.adopt(IGNORE, weakening)
    detail = f"yours {shown} turn off rules the bundle selects; {tomlmerge.KEPT_WEAKER}"
    merger.changes.append(Change(name, Action.OVERRIDE, detail))
