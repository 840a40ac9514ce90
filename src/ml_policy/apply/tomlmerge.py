"""Merge a bundle's table into a user's TOML table key by key, keeping the user's file.

tomlkit keeps every comment, blank line and key order. Every change is made
twice, to the tomlkit document and to the plain data it must parse to, so the
caller can check that the rendered file means exactly what was intended
(tomlkit can render an insertion at a place that changes its meaning).

What happens to one key:

- absent in the user's table: the bundle's value is added, with its comments;
- a table on both sides: merged key by key; an array of tables
  ([[tool.mypy.overrides]]) entry by entry, matched by `module`;
- a list the policy adds to (`KeyRules.kind` says UNION): the bundle's entries
  the user's list lacks are appended, the user's first, no duplicates;
- any other value the user set differently: kept when a recorded override
  says so, or when it is stricter than the bundle's; kept and recorded as an
  override when it is weaker (a bundle rule switched off), so the exception is
  visible; with --force the bundle's value replaces it; a value that is
  neither stricter nor weaker (line-length) is a conflict, reported and left.
"""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import AoT, Array, Comment, InlineTable, Item, String, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from ml_policy.apply.plan import Action, Change
from ml_policy.apply.textfile import InputError

# OutOfOrderTableProxy: a table whose parts are split across the file
# ([tool.ruff] ... [tool.black] ... [tool.ruff.format]).
TableLike = Table | InlineTable | Container | OutOfOrderTableProxy
ADOPTED = "kept at adoption by ml-policy init"
_LINE = 100  # a one-line list that would grow past this is rewritten one entry per line


class Kind(enum.Enum):
    SCALAR = "scalar"  # one value: equal, or a conflict
    UNION = "union"  # a list the bundle's entries are added to


@dataclass(frozen=True)
class KeyRules:
    """How the keys of one tool merge, by logical key ("ruff.lint.ignore")."""

    kind: Callable[[str], Kind] = lambda key: Kind.SCALAR
    # Whether the user's value is stricter (True), weaker (False) or neither (None).
    stricter: Callable[[str, Any, Any], bool | None] = lambda key, ours, theirs: None


@dataclass
class Slot:
    """A table being merged: the tomlkit table, its plain data, and its names."""

    table: TableLike
    plain: dict[str, Any]
    label: tuple[str, ...]  # the path in the file, shown to the user
    logical: tuple[str, ...]  # the path in [tool.ml-policy.overrides] keys
    inline: bool = False  # new sub-tables must be written inline (see _holds_inline)

    def child(self, key: str) -> Slot:
        return Slot(
            self.table[key],
            self.plain[key],
            (*self.label, key),
            (*self.logical, key),
            self.inline or holds_inline(self.table, key),
        )

    def name(self, key: str) -> str:
        return ".".join((*self.label, key))

    def key(self, key: str) -> str:
        return ".".join((*self.logical, key))

    def put(self, key: str, item: Item) -> None:
        """Set `key` in both the document and the plain data."""
        self.table[key] = inline(item) if self.inline else fresh(item)
        self.plain[key] = copy.deepcopy(plain(item))

    def drop(self, key: str) -> None:
        del self.table[key]
        del self.plain[key]


@dataclass(frozen=True)
class Recorded:
    """An entry of [tool.ml-policy.overrides]: why, and the list entries it covers."""

    reason: str
    add: tuple[Any, ...] = ()

    def covers(self, entry: Any) -> bool:
        """Whether the override covers `entry`; one without `add` covers the whole key."""
        return not self.add or entry in self.add


def recorded_overrides(document: TOMLDocument) -> dict[str, Recorded]:
    """`[tool.ml-policy.overrides]`: logical key -> the recorded departure."""
    table = document.get("tool", {}).get("ml-policy", {}).get("overrides", {})
    if not isinstance(table, Mapping):
        return {}
    return {
        str(key): Recorded(str(value.get("reason", "")), tuple(plain(value.get("add", ()))))
        for key, value in table.items()
        if isinstance(value, Mapping)
    }


@dataclass
class Merger:
    """One merge of bundle tables into a user's document: its changes and new overrides."""

    rules: KeyRules
    force: bool
    overrides: Mapping[str, Recorded]
    # The first init of a repository (no bundle recorded yet): a value the user chose that
    # is neither weaker nor stricter (line-length, a format option) is kept and recorded,
    # so the repository is green on day one and the exceptions show in review (DESIGN 7).
    adopting: bool = False
    changes: list[Change] = field(default_factory=list)
    adopted: dict[str, list[Any]] = field(default_factory=dict)  # key -> entries to `add`

    def merge_table(self, slot: Slot, source: Table | InlineTable) -> None:
        for key, item in source.items():
            self.merge(slot, key, item)

    def merge(self, slot: Slot, key: str, source: Item) -> None:
        if key not in slot.table:
            slot.put(key, source)
            detail = keys(source) if isinstance(source, Table) else show(source)
            self.changes.append(Change(slot.name(key), Action.ADD, detail))
            return
        existing = slot.table[key]
        if isinstance(source, Table | InlineTable) and is_table(existing):
            self.merge_table(slot.child(key), source)
        elif isinstance(source, AoT) and isinstance(existing, AoT):
            self._merge_entries(slot, key, source)
        elif self.rules.kind(slot.key(key)) is Kind.UNION and _is_list_like(existing):
            self.union(slot, key, source)
        else:
            self._merge_value(slot, key, source)

    def union(self, slot: Slot, key: str, source: Item) -> None:
        """Append the bundle's entries the user's list lacks, the user's first."""
        ours = as_list(slot.key(key), plain(slot.table[key]))
        additions = [v for v in dict.fromkeys(plain(source)) if v not in ours]
        if not additions:
            self.changes.append(Change(slot.name(key), Action.UNCHANGED))
            return
        extend_array(slot, key, ours, additions, item_comments(source))
        shown = ", ".join(map(str, additions[:6])) + (", ..." if len(additions) > 6 else "")
        self.changes.append(Change(slot.name(key), Action.MERGED, f"added {shown} after yours"))

    def _merge_value(self, slot: Slot, key: str, source: Item) -> None:
        ours, theirs = plain(slot.table[key]), plain(source)
        name, logical = slot.name(key), slot.key(key)
        if ours == theirs:
            self.changes.append(Change(name, Action.UNCHANGED))
            return
        recorded = self.overrides.get(logical)
        stricter = self.rules.stricter(logical, ours, theirs)
        if recorded is not None:
            self.changes.append(Change(name, Action.ACCEPTED, f"kept yours ({recorded.reason})"))
        elif stricter:
            self.changes.append(Change(name, Action.KEPT, f"yours {show(ours)} is stricter"))
        elif self.force:
            slot.put(key, source)
            self.changes.append(Change(name, Action.FORCED, f"{show(ours)} -> {show(theirs)}"))
        elif stricter is False or self.adopting:
            self.adopt(logical, [])
            detail = f"yours {show(ours)}, bundle {show(theirs)}; {KEPT_WEAKER}"
            self.changes.append(Change(name, Action.OVERRIDE, detail))
        else:
            detail = (
                f"yours {show(ours)}, bundle {show(theirs)}; kept yours "
                "(--force takes the bundle's; or record it in [tool.ml-policy.overrides] "
                "with a reason)"
            )
            self.changes.append(Change(name, Action.CONFLICT, detail))

    def adopt(self, logical: str, entries: Sequence[Any]) -> None:
        """Record `logical` in [tool.ml-policy.overrides], with `entries` in its `add`."""
        recorded = self.adopted.setdefault(logical, [])
        recorded.extend(e for e in entries if e not in recorded)

    def _merge_entries(self, slot: Slot, key: str, source: AoT) -> None:
        """[[tool.mypy.overrides]]: entries are matched by their `module` value."""
        existing: AoT = slot.table[key]
        entries = slot.plain[key]
        by_module = {module_key(entry): index for index, entry in enumerate(existing)}
        for entry in source:
            module = module_key(entry)
            label = f"{key}[{module}]"
            index = by_module.get(module)
            if index is None:
                existing.append(fresh(entry))
                entries.append(copy.deepcopy(plain(entry)))
                self.changes.append(Change(slot.name(label), Action.ADD, keys(entry)))
                continue
            child = Slot(
                existing[index],
                entries[index],
                (*slot.label, label),
                (*slot.logical, label),
            )
            self.merge_table(child, entry)


KEPT_WEAKER = (
    f'kept yours, recorded in [tool.ml-policy.overrides] ("{ADOPTED}"; --force takes the bundle\'s)'
)


# --- lists ---------------------------------------------------------------------


def _is_list_like(item: Any) -> bool:
    return isinstance(item, Array | String)


def as_list(logical: str, value: Any) -> list[Any]:
    """A list setting as a list. mypy and bandit also take one string: mypy's
    `exclude` is one regular expression, other lists are comma-separated."""
    if isinstance(value, list):
        return list(value)
    if logical.endswith(".exclude"):
        return [value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def extend_array(
    slot: Slot, key: str, ours: list[Any], additions: list[Any], comments: Mapping[str, str]
) -> None:
    """Append `additions` to the user's list `key`, in the user's layout: one entry
    per line (with the bundle's comment on each) in a list written that way, on
    the same line in a short one-line list."""
    current = slot.table[key]
    if isinstance(current, Array) and (slot.inline or isinstance(slot.table, InlineTable)):
        current.extend(additions)  # inside an inline table: one line, no comments
    elif isinstance(current, Array) and _is_multiline(current):
        indent = _indent(current)
        for value in additions:
            current.add_line(value, indent=indent, comment=comments.get(str(value)))
    elif isinstance(current, Array) and _fits(current, additions):
        current.extend(additions)
    else:
        replacement = tomlkit.array()
        for value in ours:
            replacement.add_line(value, indent="  ")
        for value in additions:
            replacement.add_line(value, indent="  ", comment=comments.get(str(value)))
        replacement.add_line(indent="")
        replacement.trivia.comment = current.trivia.comment
        replacement.trivia.comment_ws = current.trivia.comment_ws
        slot.table[key] = replacement
    slot.plain[key] = [*ours, *additions]


def remove_entries(slot: Slot, key: str, entries: Sequence[Any]) -> None:
    """Take `entries` out of the user's list `key` (--force over a weakening entry)."""
    array: Array = slot.table[key]
    for value in entries:
        while value in array:
            array.remove(value)
    slot.plain[key] = [v for v in slot.plain[key] if v not in entries]


def _is_multiline(array: Array) -> bool:
    return "\n" in array.as_string()


def _fits(array: Array, additions: list[Any]) -> bool:
    extra = sum(len(tomlkit.item(v).as_string()) + 2 for v in additions)
    return len(array.as_string()) + extra <= _LINE - 20  # room for the key


def _indent(array: Array) -> str:
    for line in array.as_string().splitlines()[1:]:
        stripped = line.lstrip()
        if stripped and not stripped.startswith("]"):
            return line[: len(line) - len(stripped)]
    return "  "


_COMMENTED = re.compile(r'^\s*"(?P<value>[^"\\]*)",?\s*#\s?(?P<comment>.*)$')


def item_comments(item: Item) -> dict[str, str]:
    """The comment written beside each string of a bundle's list ("B008", # why)."""
    if not isinstance(item, Array):
        return {}
    return {
        match["value"]: match["comment"].rstrip()
        for line in item.as_string().splitlines()
        if (match := _COMMENTED.match(line))
    }


# --- tables --------------------------------------------------------------------


def parse(path: Path, text: str) -> TOMLDocument:
    """A user's TOML file, or InputError (malformed, or not reproducible byte for byte)."""
    try:
        document = tomlkit.parse(text)
    except ParseError as error:
        reason = str(error).rsplit(" at line ", 1)[0]
        raise InputError(path, f"invalid TOML: {reason}", error.line) from None
    except TOMLKitError as error:
        raise InputError(path, f"invalid TOML: {error}") from None
    if tomlkit.dumps(document) != text:
        raise InputError(
            path, "tomlkit cannot reproduce this file exactly, so ml-policy will not edit it"
        )
    return document


def render(path: Path, document: TOMLDocument, expected: dict[str, Any]) -> str:
    """The merged text, checked to parse to `expected`; InputError if it does not."""
    text = tidy_end(tomlkit.dumps(document))
    if tomlkit.parse(text).unwrap() != expected:
        raise InputError(
            path,
            "its layout does not let ml-policy add the bundle's keys without changing their "
            "meaning; `ml-policy init --diff` on a copy shows what it would add",
        )
    return text


def root_slot(document: TOMLDocument, label: tuple[str, ...] = ()) -> Slot:
    return Slot(document, document.unwrap(), label, ())


def child_table(
    path: Path, slot: Slot, key: str, logical: tuple[str, ...], *, holder: bool = True
) -> Slot:
    """`slot[key]` as a table, created when absent: as a super table (no header of
    its own) when it only holds tables (`holder`), like [tool]."""
    if key not in slot.table:
        inline_parent = slot.inline or isinstance(slot.table, InlineTable)
        slot.table[key] = tomlkit.inline_table() if inline_parent else tomlkit.table(holder)
        slot.plain[key] = {}
    if not is_table(slot.table[key]):
        raise InputError(path, f"'{slot.name(key)}' must be a table")
    child = slot.child(key)
    child.logical = logical
    return child


def document_table(document: TOMLDocument) -> Table:
    """A whole bundle file as one table, keeping its comments."""
    table = tomlkit.table()
    for key, item in document.body:
        if isinstance(item, Comment | Whitespace):  # keyless: kept, they explain the keys
            table.add(item)
        elif key is not None:
            table.append(key, item)
    return table


def is_table(item: object) -> bool:
    return isinstance(item, Table | InlineTable | OutOfOrderTableProxy)


def holds_inline(parent: TableLike, key: str) -> bool:
    """Whether `parent[key]` is written inline (`lint.select = ...` or `lint = {...}`).

    A header table (`[tool.ruff.format]`) inserted under such a key would be
    rendered at the wrong place, so new sub-tables there are written inline.
    """
    child = parent[key]
    if isinstance(child, InlineTable):
        return True
    body = (
        parent.value.body
        if isinstance(parent, Table)
        else parent.body
        if isinstance(parent, Container)
        else []
    )
    return any(k is not None and k.key == key and k.is_dotted() for k, _ in body)


def inline(item: Item) -> Item:
    """A table as an inline table (dropping comments, which inline tables cannot hold)."""
    if not isinstance(item, Table | InlineTable):
        return copy.deepcopy(item)
    table = tomlkit.inline_table()
    for key, value in item.items():
        table[key] = inline(value)  # not append: it leaves out the space after each comma
    return table


def fresh(item: Item) -> Item:
    if isinstance(item, InlineTable):
        return inline(item)  # a deep copy of an inline table loses its spacing
    copied = copy.deepcopy(item)
    if isinstance(copied, Table) and not copied.is_super_table():
        copied.add(tomlkit.nl())
    return copied


def tidy_end(text: str) -> str:
    """Inserted tables end with a blank line; the file ends with exactly one newline."""
    return text.rstrip("\n") + "\n" if text.strip() else text


def module_key(entry: Mapping[str, Any]) -> str:
    module = plain(entry.get("module", ""))
    return ",".join(module) if isinstance(module, list) else str(module)


def plain(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _count_keys(item: Any) -> int:
    value = plain(item)
    if isinstance(value, dict):
        return sum(_count_keys(v) if isinstance(v, dict) else 1 for v in value.values())
    return 1


def show(value: Any) -> str:
    text = tomlkit.item(plain(value)).as_string() if value is not None else "nothing"
    return text if len(text) <= 60 else text[:57] + "..."


def keys(item: Any) -> str:
    count = _count_keys(item)
    return f"{count} key" if count == 1 else f"{count} keys"
