"""`ml-policy upgrade`: move a repository from its recorded bundle version to another.

Every file init writes is merged three ways (apply.threeway): base is the
recorded version, theirs the target, ours the repository, each tool's settings
where that tool reads them (toolconfig), as init merges them. The ml-policy hook
entry's `rev:` moves to the installed release, which pins the tools; the hooks the
new version adds are added, those it drops removed unless the user configured them.
Nothing is written here: the caller shows the plan and writes it (init.write).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from ml_policy import bundles, toolconfig
from ml_policy.apply import banditmerge, mypymerge, precommit, ruffmerge, tomlmerge
from ml_policy.apply.choose import recorded_bundle
from ml_policy.apply.init import PlannedFile, check_root
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.precommit_intent import KEY, REV, Intent, find_entry, hook_ids, is_canonical
from ml_policy.apply.pyproject import Document, record_overrides
from ml_policy.apply.textfile import InputError, read_text
from ml_policy.apply.threeway import MISSING, ThreeWay
from ml_policy.apply.tomlmerge import Slot
from ml_policy.bandit_twins import skips_for
from ml_policy.bundles import Bundle
from ml_policy.config import ConfigError
from ml_policy.errors import PolicyError
from ml_policy.ruffselect import RuffSelection, extend_chain, of_tables
from ml_policy.toolconfig import PRECOMMIT, PYPROJECT


class UpgradeError(PolicyError):
    """No bundle to upgrade from, or a target that is not an upgrade."""


@dataclass(frozen=True)
class Upgrade:
    """The move from `base` to `target`, and what it does to each file."""

    base: Bundle
    target: Bundle
    planned: list[PlannedFile]

    def changelog(self) -> list[str]:
        """Each version's `changes`, from the one after `base` up to `target`."""
        if self.base.name != self.target.name:
            lines = [f"switching bundles: {self.base.ref} -> {self.target.ref}"]
            versions = [self.target]
        else:
            lines = []
            versions = [
                b
                for b in bundles.all_bundles()
                if b.name == self.target.name and self.base.version < b.version
                if b.version <= self.target.version
            ]
        for bundle in versions:
            lines += [f"{bundle.ref}: {bundle.summary}", *(f"  - {c}" for c in bundle.changes)]
        return lines


def plan_upgrade(root: Path, to: str | None, *, reason: str | None = None) -> Upgrade:
    """What upgrading the repository at `root` to `to` (default: the latest version of the
    recorded bundle) changes; writes nothing. `reason`: record conflicts as overrides."""
    check_root(root)
    pyproject = Document.read(root / PYPROJECT)
    base = _recorded(pyproject)
    target = target_of(base, to)
    if target == base:
        return Upgrade(base, target, [])
    try:
        planned = _Planner(root, pyproject, base, target, reason).plan()
    except ConfigError as error:
        raise InputError(error.path, error.detail, error.line) from None
    return Upgrade(base, target, planned)


def _recorded(pyproject: Document) -> Bundle:
    ref = recorded_bundle(pyproject.root.plain)
    if ref is None:
        raise UpgradeError(
            f"{pyproject.path}: no bundle is recorded in [tool.ml-policy], so there is nothing "
            "to upgrade from; run `ml-policy init` first"
        )
    try:
        return bundles.get(ref)
    except bundles.BundleError as error:
        raise UpgradeError(f"{pyproject.path}: [tool.ml-policy] bundle: {error}") from None


def target_of(base: Bundle, to: str | None) -> Bundle:
    """`to` (NAME@VERSION, or NAME for its latest), else the latest version of `base`'s bundle."""
    target = bundles.get(to) if to else bundles.latest(base.name)
    if target.name == base.name and target.version < base.version:
        raise UpgradeError(
            f"{target.ref} is older than the recorded {base.ref}: upgrade only moves forward"
        )
    return target


class _Planner:
    def __init__(
        self, root: Path, pyproject: Document, base: Bundle, target: Bundle, reason: str | None
    ) -> None:
        self.root, self.pyproject, self.base, self.target = root, pyproject, base, target
        self.reason = reason
        self.overrides = tomlmerge.recorded_overrides(pyproject.document)
        self.merge = self._three_way()
        self.tool = tomlmerge.child_table(pyproject.path, pyproject.root, "tool", ())
        self.others: list[PlannedFile] = []
        self.recorded: dict[str, list[Any]] = {}  # conflicts to record as overrides

    def _three_way(self) -> ThreeWay:
        return ThreeWay(self.overrides, self.reason)

    def plan(self) -> list[PlannedFile]:
        effective = self._ruff()
        self._mypy()
        self._bandit(effective)
        ml_policy = tomlmerge.child_table(
            self.pyproject.path, self.tool, "ml-policy", ("ml-policy",), holder=False
        )
        self.merge.merge(ml_policy, "bundle", self.base.ref, tomlkit.item(self.target.ref))
        self.recorded.update(self.merge.recorded)
        self.merge.changes += record_overrides(
            self.pyproject.path, self.tool, self.recorded, reason=self.reason or ""
        )
        return [
            PlannedFile(*self.pyproject.plan(self.merge.changes)),
            *self.others,
            _plan_precommit(self.root / PRECOMMIT, self.base, self.target),
        ]

    def _ruff(self) -> RuffSelection:
        """Merge Ruff's settings where Ruff reads them; the selection it then runs."""
        found = toolconfig.ruff(self.root)
        if found.reads is None or found.reads.path.name == PYPROJECT:
            if "ruff" in self.tool.plain:
                merge_ruff(self.merge, self.tool.child("ruff"), self.base, self.target)
            else:
                target = ruffmerge.bundle_table(self.target)
                self.merge.merge(self.tool, "ruff", self.base.ruff(), target)
            config = self.tool.plain.get("ruff", {})
        else:
            file = Document.read(found.reads.path)
            file.root.logical = ("ruff",)
            merge = self._three_way()
            merge_ruff(merge, file.root, self.base, self.target)
            self.recorded.update(merge.recorded)
            self.others.append(PlannedFile(*file.plan(merge.changes)))
            config = file.root.plain
        return of_tables(extend_chain(config, self.root))

    def _mypy(self) -> None:
        reads = toolconfig.mypy(self.root).reads
        if reads is None or reads.path.name == PYPROJECT:
            target = mypymerge.bundle_table(self.target)
            self.merge.merge(self.tool, "mypy", self.base.mypy(), target)
            return
        changed = _changed_keys(self.base.mypy(), self.target.mypy())
        if changed:
            detail = (
                f"mypy reads {reads.describe(self.root)}, which ml-policy does not edit; the "
                f"new bundle changes {', '.join(changed)}: set them there by hand, or "
                "`ml-policy init --migrate` moves mypy's settings into pyproject.toml first"
            )
            self.merge.changes.append(Change("tool.mypy", Action.CONFLICT, detail))

    def _bandit(self, effective: RuffSelection) -> None:
        """[tool.bandit], with the skips each version writes for the Ruff the repository runs."""

        def table(bundle: Bundle) -> Table:
            choice = skips_for(
                bundle.bandit()["skips"], ruffmerge.bundle_selection(bundle), effective
            )
            return banditmerge.bundle_table(bundle, choice)

        old = tomlmerge.plain(table(self.base))
        self.merge.merge(self.tool, "bandit", old, table(self.target))


def merge_ruff(merge: ThreeWay, slot: Slot, base: Bundle, target: Bundle) -> None:
    """Ruff's settings, with each lint key merged where the user writes it: under `lint`,
    or at the top level (the deprecated spelling Ruff still reads when `lint.` lacks it)."""
    old, new = base.ruff(), ruffmerge.bundle_table(target)
    for key in [*new.keys(), *(k for k in old if k not in new)]:
        if key != "lint":
            merge.merge(slot, key, old.get(key, MISSING), new.get(key))
    old_lint = dict(old.get("lint", {}))
    new_lint = copy.deepcopy(new["lint"]) if "lint" in new else tomlkit.table()
    user_lint = slot.plain.get("lint")
    user_lint = user_lint if isinstance(user_lint, dict) else {}
    top = Slot(slot.table, slot.plain, slot.label, (*slot.logical, "lint"), slot.inline)
    for key in [*new_lint.keys(), *old_lint]:
        if key in slot.plain and key not in user_lint and key not in ruffmerge.TOP_LEVEL_ONLY:
            item = new_lint.get(key)
            merge.merge(top, key, old_lint.pop(key, MISSING), item)
            if item is not None:
                del new_lint[key]
    merge.merge(slot, "lint", old_lint, new_lint)


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [k for k in dict.fromkeys([*new, *old]) if old.get(k, MISSING) != new.get(k, MISSING)]


def _plan_precommit(path: Path, base: Bundle, target: Bundle) -> PlannedFile:
    """The ml-policy entry: `rev:` at the installed release, the hooks the new version
    adds added, those it drops removed (a hook the user configured stays)."""
    before, style = read_text(path)
    if before is None:
        note = Change(KEY, Action.NOTE, f"no {PRECOMMIT}: `ml-policy init` writes one")
        return PlannedFile(FilePlan(path, "", "", [note]), style)
    data = precommit.load(path, before)
    repos = data.get("repos")
    ours = precommit.our_hook_ids(target.hook_ids())
    index = find_entry(repos, ours) if isinstance(repos, list) else None
    if index is None or not isinstance(repos, list):
        note = Change(KEY, Action.NOTE, "no ml-policy entry: `ml-policy init` adds one")
        return PlannedFile(FilePlan(path, before, before, [note]), style)
    intent = _intent(path, repos[index], index, base.hook_ids(), target.hook_ids())
    return PlannedFile(precommit.plan_intent(path, before, data, intent), style)


def _intent(
    path: Path, entry: dict[Any, Any], index: int, old: list[str], new: list[str]
) -> Intent:
    present = hook_ids(path, entry)
    items = {h.get("id"): h for h in entry.get("hooks") or [] if isinstance(h, dict)}
    missing = [h for h in new if h not in old and h not in present]
    gone = [h for h in old if h not in new and h in present]
    drop = [h for h in gone if items.get(h) == {"id": h}]
    if not is_canonical(entry.get("repo")):
        detail = (
            f"the ml-policy hooks run from {entry.get('repo')}, which upgrade leaves as it is"
            + (f"; add {', '.join(missing)}" if missing else "")
            + (f"; remove {', '.join(gone)}" if gone else "")
        )
        return Intent(new, [Change(KEY, Action.NOTE, detail)], entry=index)
    changes = [_rev_change(entry.get("rev"))]
    changes += [Change(f"{KEY}.hooks[{h}]", Action.ADD, "the new bundle runs it") for h in missing]
    changes += [
        Change(f"{KEY}.hooks[{h}]", Action.REMOVED, "the new bundle drops it") for h in drop
    ]
    changes += [
        Change(
            f"{KEY}.hooks[{h}]", Action.CONFLICT, "the new bundle drops it; kept: you configured it"
        )
        for h in gone
        if h not in drop
    ]
    set_rev = changes[0].action is Action.UPDATED
    return Intent(new, changes, entry=index, set_rev=set_rev, missing=missing, drop=drop)


def _rev_change(rev: object) -> Change:
    if rev is None:
        return Change(f"{KEY}.rev", Action.CONFLICT, f"your entry has no rev: add `rev: {REV}`")
    if str(rev) == REV:
        return Change(f"{KEY}.rev", Action.UNCHANGED)
    return Change(f"{KEY}.rev", Action.UPDATED, f"{rev} -> {REV} (the installed ml-policy)")
