"""Merge a bundle's Ruff, mypy, bandit and ml-policy settings into the files each tool reads.

pyproject.toml is the hub: [tool.ml-policy] and its overrides live there, and
so do [tool.mypy] and [tool.bandit]. Ruff's settings go where Ruff reads them
(a .ruff.toml or ruff.toml beats [tool.ruff]: toolconfig). An INI file that
mypy reads instead of [tool.mypy] is never left hiding the bundle: without
--migrate the mypy settings are not written and the shadowing is reported;
with it the INI settings move into [tool.mypy] first (apply.migrate).

The order matters once: bandit's skips depend on the Ruff rules the
repository really runs after the merge (bandit_twins), so Ruff goes first.
Every user setting kept against the bundle is recorded in
[tool.ml-policy.overrides] with the reason "kept at adoption by ml-policy init".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.toml_document import TOMLDocument

from ml_policy import toolconfig
from ml_policy.apply import banditmerge, migrate, mypymerge, ruffmerge, tomlmerge
from ml_policy.apply.keyrules import RULES
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.textfile import InputError, TextStyle, read_text
from ml_policy.apply.tomlmerge import Merger, Slot
from ml_policy.bandit_twins import SkipChoice, skips_for
from ml_policy.bundles import Bundle
from ml_policy.config import ConfigError
from ml_policy.files import read_regular
from ml_policy.ruffselect import extend_chain, of_tables
from ml_policy.toolconfig import BANDIT_INI, PYPROJECT, BanditSettings

Planned = tuple[FilePlan, TextStyle]


@dataclass
class Document:
    """A TOML file being merged: its text, style, tomlkit document and plain data."""

    path: Path
    before: str | None
    style: TextStyle
    document: TOMLDocument
    root: Slot

    @classmethod
    def read(cls, path: Path, label: tuple[str, ...] = ()) -> Document:
        before, style = read_text(path)
        document = tomlmerge.parse(path, before or "")
        return cls(path, before, style, document, tomlmerge.root_slot(document, label))

    def plan(self, changes: list[Change]) -> Planned:
        after = tomlmerge.render(self.path, self.document, self.root.plain)
        return FilePlan(self.path, self.before, after, changes), self.style


def plan_pyproject(
    root: Path,
    bundle: Bundle,
    *,
    force: bool,
    migrate: bool = False,
    kept: Callable[[], Mapping[str, list[Any]]] | None = None,
) -> list[Planned]:
    """pyproject.toml merged, and every other file the merge changes; writes nothing.
    `kept`: departures found elsewhere (.pre-commit-config.yaml), recorded as overrides
    at adoption like the merged files' own (asked only when adopting)."""
    try:
        planner = _Planner(root, bundle, force=force, migrate=migrate)
        if planner.adopting and kept is not None:  # init leaves those settings, even --force
            planner.adopted.update(
                (key, list(entries))
                for key, entries in kept().items()
                if key not in planner.recorded
            )
        return planner.plan()
    except ConfigError as error:
        raise InputError(error.path, error.detail, error.line) from None


class _Planner:
    def __init__(self, root: Path, bundle: Bundle, *, force: bool, migrate: bool) -> None:
        self.root, self.bundle, self.force, self.migrate = root, bundle, force, migrate
        self.pyproject = Document.read(root / PYPROJECT)
        self.recorded = tomlmerge.recorded_overrides(self.pyproject.document)
        self.adopting = _recorded_bundle(self.pyproject.document) is None
        self.merger = Merger(RULES, force, self.recorded, adopting=self.adopting)
        self.tool = tomlmerge.child_table(self.pyproject.path, self.pyproject.root, "tool", ())
        self.others: list[Planned] = []
        self.adopted: dict[str, list[Any]] = {}

    def plan(self) -> list[Planned]:
        ruff_config = self._ruff()
        self.merger.changes += _target_version_note(self.root, self.pyproject.document, ruff_config)
        effective = of_tables(extend_chain(ruff_config, self.root))
        choice = skips_for(
            self.bundle.bandit()["skips"], ruffmerge.bundle_selection(self.bundle), effective
        )
        self._mypy()
        self._bandit(choice)
        ml_policy = tomlkit.table()
        ml_policy["bundle"] = self.bundle.ref
        self.merger.merge(self.tool, "ml-policy", ml_policy)
        self._gather(self.merger)
        self.merger.changes += record_overrides(self.pyproject.path, self.tool, self.adopted)
        return [self.pyproject.plan(self.merger.changes), *self.others]

    def _gather(self, merger: Merger) -> None:
        for key, entries in merger.adopted.items():
            recorded = self.adopted.setdefault(key, [])
            recorded.extend(e for e in entries if e not in recorded)

    def _ruff(self) -> Mapping[str, Any]:
        """Merge Ruff's settings where Ruff reads them; the merged table."""
        found = toolconfig.ruff(self.root)
        if found.reads is None or found.reads.path.name == PYPROJECT:
            if "ruff" not in self.tool.table:
                self.merger.merge(self.tool, "ruff", ruffmerge.bundle_table(self.bundle))
            else:
                ruffmerge.merge_ruff(self.merger, self.tool.child("ruff"), self.bundle)
            config: Mapping[str, Any] = self.tool.plain["ruff"]
            return config
        target = Document.read(found.reads.path)
        target.root.logical = ("ruff",)
        merger = Merger(RULES, self.force, self.recorded, adopting=self.adopting)
        merger.changes += _notes(found, self.root, "the bundle's Ruff settings are merged there")
        ruffmerge.merge_ruff(merger, target.root, self.bundle)
        self._gather(merger)
        self.others.append(target.plan(merger.changes))
        return target.root.plain

    def _mypy(self) -> None:
        found = toolconfig.mypy(self.root)
        reads = found.reads
        if reads is None or reads.path.name == PYPROJECT:
            mypymerge.merge_mypy(self.merger, self.tool, self.bundle)
            self.merger.changes += _notes(found, self.root, "nothing is written to them")
            return
        if not self.migrate:
            self.merger.changes.append(_shadowed_mypy(found, reads, self.root))
            return
        _refuse_second_ini(found, reads, self.root)
        moved = migrate.mypy_migration(reads.path)
        mypymerge.fold_migrated(
            self.merger, self.pyproject.path, self.tool, moved.table, reads.path.name
        )
        self.others.append((moved.source, moved.style))
        mypymerge.merge_mypy(self.merger, self.tool, self.bundle)

    def _bandit(self, choice: SkipChoice) -> None:
        found = toolconfig.bandit(self.root)
        own = [s for hook in found.hooks for s in toolconfig.hook_settings(self.root, hook)]
        ini = found.ini_settings
        kept_ini = False
        if ini is not None and found.ini is not None:
            kept_ini = not self._move_ini(found.ini, ini, own)
        if ini is not None and ini.configfile and Path(ini.configfile).name != PYPROJECT:
            self.merger.changes.append(_bandit_elsewhere(ini.configfile))
            return
        source = banditmerge.bundle_table(self.bundle, choice)
        banditmerge.merge_bandit(self.merger, self.pyproject.path, self.tool, source, own, choice)
        tests = ini.tests if kept_ini and ini is not None else ()
        banditmerge.adopt_tests(self.merger, self.tool, tests, BANDIT_INI)

    def _move_ini(self, path: Path, settings: BanditSettings, own: list[BanditSettings]) -> bool:
        """With --migrate, plan .bandit's move into [tool.bandit] (its settings go first in
        `own`); whether it moves. A .bandit that stays is noted: the hook reads it too."""
        moved = migrate.bandit_removal(path, settings) if self.migrate else None
        if moved is None or isinstance(moved, str):
            detail = moved or "ml-policy-bandit reads it (--ini) besides [tool.bandit]"
            self.merger.changes.append(Change(BANDIT_INI, Action.NOTE, detail))
            return False
        own.insert(0, settings)
        self.others.append(moved)
        return True


def _bandit_elsewhere(configfile: str) -> Change:
    """The conflict reported instead of a [tool.bandit] that bandit would not read."""
    detail = (
        f".bandit names {configfile} as bandit's configuration, so [tool.bandit] would be "
        f"ignored and the bundle's bandit settings were not written; merge them into "
        f"{configfile}, or drop `configfile` from .bandit and run init again"
    )
    return Change("tool.bandit", Action.CONFLICT, detail)


_PYTHON_REQUIRES = re.compile(r"""python_requires\s*=\s*["']?\s*>=?\s*(3)\.(\d+)""")


def _target_version_note(
    root: Path, document: TOMLDocument, ruff: Mapping[str, Any]
) -> list[Change]:
    """Ruff infers its target Python from `[project] requires-python` alone: without it and
    without `target-version`, say so (with setup.py's or setup.cfg's `python_requires`)."""
    project = document.get("project")
    if "target-version" in ruff or (isinstance(project, Mapping) and "requires-python" in project):
        return []
    advice = "set target-version to the oldest Python you support"
    for name in ("setup.py", "setup.cfg"):
        try:
            text = read_regular(root / name).decode("utf-8", "replace")
        except OSError:
            continue  # absent, or not a regular file
        if match := _PYTHON_REQUIRES.search(text):
            advice = f'set target-version = "py{match[1]}{match[2]}" ({name}\'s python_requires)'
            break
    return [
        Change(
            "tool.ruff.target-version",
            Action.NOTE,
            f"Ruff infers the target Python from [project] requires-python, which is absent: "
            f"{advice}",
        )
    ]


def _notes(found: toolconfig.Found, root: Path, what: str) -> list[Change]:
    """A note for every file the tool ignores because it reads another one."""
    if found.reads is None:
        return []
    reads = found.reads.describe(root)
    return [
        Change(ignored.describe(root), Action.NOTE, f"{found.tool} reads {reads} instead: {what}")
        for ignored in found.shadows
    ]


def _shadowed_mypy(found: toolconfig.Found, reads: toolconfig.Source, root: Path) -> Change:
    """The conflict reported instead of writing [tool.mypy] that mypy would not read."""
    where = reads.describe(root)
    if any(s.path.name == PYPROJECT for s in found.shadows):
        why = f"mypy reads {where} and ignores [tool.mypy] of pyproject.toml"
    else:
        why = f"mypy reads {where}; a [tool.mypy] in pyproject.toml would take its place"
    detail = (
        f"{why}, so the bundle's mypy settings were not written; "
        f"`ml-policy init --migrate` moves {reads.path.name}'s mypy settings into "
        "pyproject.toml and merges the bundle there"
    )
    return Change("tool.mypy", Action.CONFLICT, detail)


def _refuse_second_ini(found: toolconfig.Found, reads: toolconfig.Source, root: Path) -> None:
    """Once the INI file mypy reads moves, a second one (mypy.ini and .mypy.ini) would
    take its place and hide [tool.mypy] again."""
    for ignored in found.shadows:
        if ignored.path.name in ("mypy.ini", ".mypy.ini"):
            raise InputError(
                ignored.path,
                f"mypy reads {reads.describe(root)} and ignores this file, which would "
                "hide [tool.mypy] once that one moves: delete it (or merge it by hand) first",
            )


def record_overrides(
    path: Path, tool: Slot, adopted: Mapping[str, list[Any]], reason: str = tomlmerge.ADOPTED
) -> list[Change]:
    """Write each kept departure into [tool.ml-policy.overrides] with `reason`; what was
    written."""
    if not adopted:
        return []
    ml_policy = tomlmerge.child_table(path, tool, "ml-policy", ("ml-policy",), holder=False)
    table = tomlmerge.child_table(path, ml_policy, "overrides", ("overrides",), holder=False)
    changes = []
    for key, entries in adopted.items():
        name = table.name(f'"{key}"')
        if key in table.table:  # recorded with an `add` list that misses some entries
            entry = table.child(key)
            ours = list(entry.plain.get("add", []))
            additions = [e for e in entries if e not in ours]
            tomlmerge.extend_array(entry, "add", ours, additions, {})
            changes.append(Change(name, Action.MERGED, f"add {', '.join(map(str, additions))}"))
            continue
        value = tomlkit.inline_table()
        value.update({"add": list(entries)} if entries else {})
        value.update({"reason": reason})
        table.put(key, value)
        changes.append(Change(name, Action.ADD, reason))
    return changes


def _recorded_bundle(document: TOMLDocument) -> str | None:
    """The bundle an earlier init recorded in [tool.ml-policy], if any."""
    table = document.get("tool", {}).get("ml-policy", {})
    bundle = table.get("bundle") if isinstance(table, Mapping) else None
    return str(bundle) if bundle is not None else None
