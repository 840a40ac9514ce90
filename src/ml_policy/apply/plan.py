"""What `init` will do to each file, key by key: the plan shown by --dry-run."""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass, field
from pathlib import Path


class Action(enum.Enum):
    """What happens to one managed key."""

    ADD = "add"  # the key was absent: the bundle's value is written
    UNCHANGED = "unchanged"  # the repository already has the bundle's value
    CONFLICT = "conflict"  # the repository has another value: left alone
    FORCED = "forced"  # another value, replaced because of --force
    OVERRIDE = "override"  # another value, recorded in [tool.ml-policy.overrides]
    ACCEPTED = "accepted"  # another value, already recorded there with a reason
    MANUAL = "manual"  # needed, but ml-policy cannot write it: the user pastes `paste`
    NOTE = "note"  # left as the user has it, worth knowing (not a failure)
    MERGED = "merged"  # a list: the bundle's entries added after yours
    KEPT = "kept"  # another value that is stricter than the bundle's: kept, nothing to record
    REMOVED = "removed"  # taken out: moved elsewhere (init --migrate), or dropped by the bundle
    UPDATED = "updated"  # the bundle's new value replaces its old one (upgrade)


@dataclass(frozen=True)
class Change:
    """One managed key and what happens to it."""

    key: str
    action: Action
    detail: str = ""
    paste: str = ""  # MANUAL: the exact text for the user to paste


@dataclass
class FilePlan:
    """The planned new content of one file and the key-level changes behind it."""

    path: Path
    before: str | None  # None: the file does not exist yet
    after: str
    changes: list[Change] = field(default_factory=list)
    remove: bool = False  # the file is deleted (its settings moved: init --migrate)

    @property
    def writes(self) -> bool:
        return self.remove or self.after != self.before

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action is Action.CONFLICT]

    @property
    def manual(self) -> list[Change]:
        return [c for c in self.changes if c.action is Action.MANUAL]

    def verb(self) -> str:
        if self.remove:
            return "remove"
        if self.before is None:
            return "create"
        if self.writes:
            return "merge"
        return "not edited" if self.manual else "unchanged"

    def diff(self, label: str) -> str:
        before = (self.before or "").splitlines(keepends=True)
        after = [] if self.remove else self.after.splitlines(keepends=True)
        old = f"a/{label}" if self.before is not None else "/dev/null"
        new = "/dev/null" if self.remove else f"b/{label}"
        return "".join(difflib.unified_diff(before, after, old, new))

    def describe(self, label: str) -> list[str]:
        lines = [f"{label}: {self.verb()}"]
        unchanged = sum(c.action is Action.UNCHANGED for c in self.changes)
        lines += [
            f"  {_SYMBOL[c.action]} {_short(c.key)}{': ' + c.detail if c.detail else ''}"
            for c in self.changes
            if c.action is not Action.UNCHANGED
        ]
        if unchanged:
            lines.append(f"  = {unchanged} key(s) already as the bundle sets them")
        return lines


def _short(key: str) -> str:
    """A key as shown: a long list of modules in a label ("overrides[a.*,b.*,...]") cut
    to its first module and a count."""
    return re.sub(r"\[([^],\[]+),([^]\[]{40,})\]", _count, key)


def _count(match: re.Match[str]) -> str:
    return f"[{match[1]}, ... {match[2].count(',') + 2} modules]"


_SYMBOL = {
    Action.ADD: "+",
    Action.CONFLICT: "!",
    Action.FORCED: "~",
    Action.OVERRIDE: "o",
    Action.ACCEPTED: "o",
    Action.UNCHANGED: "=",
    Action.MANUAL: "?",
    Action.MERGED: "+",
    Action.KEPT: "=",
    Action.REMOVED: "-",
    Action.UPDATED: "~",
    Action.NOTE: "i",
}
