"""Merge a bundle's Ruff, mypy, bandit and ml-policy settings into pyproject.toml, per key.

tomlkit keeps every comment, blank line and key order of the user's file; a
key the bundle sets and the user does not is added (with the bundle's
comments, which explain it); a key the user set differently is a conflict,
left alone unless --force or a recorded override says otherwise.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import AoT, Comment, InlineTable, Item, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.textfile import InputError, TextStyle, read_text
from ml_policy.bundles import Bundle

# OutOfOrderTableProxy: a table whose parts are split across the file
# ([tool.ruff] ... [tool.black] ... [tool.ruff.format]).
TableLike = Table | InlineTable | Container | OutOfOrderTableProxy


def plan_pyproject(path: Path, bundle: Bundle, *, force: bool) -> tuple[FilePlan, TextStyle]:
    """The merged pyproject.toml and the key-level changes, without writing anything."""
    before, style = read_text(path)
    document = _parse(path, before or "")
    expected = document.unwrap()
    merger = _Merger(force=force, overrides=_recorded_overrides(document))
    tool = _child_table(path, document, "tool")
    for name, source in _sections(bundle):
        merger.merge(tool, name, source, ("tool", name))
        merger.merge_plain(expected.setdefault("tool", {}), name, source.unwrap(), ("tool", name))
    after = _tidy_end(tomlkit.dumps(document))
    if tomlkit.parse(after).unwrap() != expected:
        raise InputError(
            path,
            "its layout does not let ml-policy add the bundle's keys without changing their "
            "meaning; `ml-policy init --diff` on a copy shows what it would add",
        )
    return FilePlan(path, before, after, merger.changes), style


def _sections(bundle: Bundle) -> list[tuple[str, Table]]:
    ruff = _as_table(_bundle_document(bundle, "ruff.toml"))
    mypy = _bundle_document(bundle, "mypy.toml")["tool"]["mypy"]
    bandit = _bundle_document(bundle, "bandit.toml")["tool"]["bandit"]
    ml_policy = tomlkit.table()
    ml_policy["bundle"] = bundle.ref
    return [("ruff", ruff), ("mypy", mypy), ("bandit", bandit), ("ml-policy", ml_policy)]


def _bundle_document(bundle: Bundle, filename: str) -> TOMLDocument:
    return tomlkit.parse(bundle.text(filename))


def _parse(path: Path, text: str) -> TOMLDocument:
    try:
        document = tomlkit.parse(text)
    except ParseError as error:
        raise InputError(path, f"invalid TOML: {_reason(error)}", error.line) from None
    except TOMLKitError as error:
        raise InputError(path, f"invalid TOML: {error}") from None
    if tomlkit.dumps(document) != text:
        raise InputError(
            path, "tomlkit cannot reproduce this file exactly, so ml-policy will not edit it"
        )
    return document


def _reason(error: ParseError) -> str:
    return str(error).rsplit(" at line ", 1)[0]


def _recorded_overrides(document: TOMLDocument) -> dict[str, str]:
    """`[tool.ml-policy.overrides]`: key -> reason, for keys the user departs from on purpose."""
    table = document.get("tool", {}).get("ml-policy", {}).get("overrides", {})
    if not isinstance(table, Mapping):
        return {}
    return {str(k): str(v.get("reason", "")) for k, v in table.items() if isinstance(v, Mapping)}


def _as_table(document: TOMLDocument) -> Table:
    """A whole bundle file as one table, keeping its comments."""
    table = tomlkit.table()
    for key, item in document.body:
        if isinstance(item, Comment | Whitespace):  # keyless: kept, they explain the keys
            table.add(item)
        elif key is not None:
            table.append(key, item)
    return table


def _child_table(path: Path, parent: TOMLDocument, key: str) -> TableLike:
    if key not in parent:
        parent[key] = tomlkit.table(is_super_table=True)
    child: TableLike = parent[key]
    if not _is_table(child):
        raise InputError(path, f"'{key}' must be a table")
    return child


def _is_table(item: object) -> bool:
    return isinstance(item, Table | InlineTable | OutOfOrderTableProxy)


def _holds_inline(parent: TableLike, key: str) -> bool:
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


def _inline(item: Item) -> Item:
    """A table as an inline table (dropping comments, which inline tables cannot hold)."""
    if not isinstance(item, Table):
        return item
    inline = tomlkit.inline_table()
    for key, value in item.items():
        inline.append(key, _inline(value))
    return inline


def _tidy_end(text: str) -> str:
    """Inserted tables end with a blank line; the file ends with exactly one newline."""
    return text.rstrip("\n") + "\n" if text.strip() else text


@dataclass
class _Merger:
    force: bool
    overrides: dict[str, str]
    changes: list[Change] = field(default_factory=list)

    def merge(
        self,
        target: TableLike,
        key: str,
        source: Item,
        path: tuple[str, ...],
        *,
        inline: bool = False,
    ) -> None:
        label = ".".join(path)
        if key not in target:
            target[key] = _inline(source) if inline else _fresh(source)
            detail = _keys(source) if isinstance(source, Table) else _show(source)
            self.changes.append(Change(label, Action.ADD, detail))
            return
        existing = target[key]
        if isinstance(source, Table) and _is_table(existing):
            nested_inline = inline or _holds_inline(target, key)
            for child_key, child in source.items():
                self.merge(existing, child_key, child, (*path, child_key), inline=nested_inline)
        elif isinstance(source, AoT) and isinstance(existing, AoT):
            self._merge_overrides(existing, source, path)
        else:
            self._merge_value(target, key, source, label)

    def _merge_value(self, target: TableLike, key: str, source: Item, label: str) -> None:
        ours, theirs = _plain(target[key]), _plain(source)
        if ours == theirs:
            self.changes.append(Change(label, Action.UNCHANGED))
            return
        reason = self.overrides.get(label.removeprefix("tool."))
        if reason is not None:
            self.changes.append(Change(label, Action.OVERRIDE, f"kept yours ({reason})"))
        elif self.force:
            target[key] = _fresh(source)
            self.changes.append(Change(label, Action.FORCED, f"{_show(ours)} -> {_show(theirs)}"))
        else:
            detail = (
                f"yours {_show(ours)}, bundle {_show(theirs)}; kept yours "
                "(--force takes the bundle's; or record it in [tool.ml-policy.overrides] "
                "with a reason)"
            )
            self.changes.append(Change(label, Action.CONFLICT, detail))

    def merge_plain(
        self, target: dict[str, Any], key: str, source: Any, path: tuple[str, ...]
    ) -> None:
        """The same merge on plain data: what the merged file must parse to."""
        existing = target.get(key)
        if key not in target:
            target[key] = copy.deepcopy(source)
        elif isinstance(source, dict) and isinstance(existing, dict):
            for child_key, child in source.items():
                self.merge_plain(existing, child_key, child, (*path, child_key))
        elif _is_table_list(source) and _is_table_list(existing):
            for entry in source:
                match = next((e for e in existing if _module_key(e) == _module_key(entry)), None)
                if match is None:
                    existing.append(copy.deepcopy(entry))
                else:
                    for child_key, child in entry.items():
                        self.merge_plain(match, child_key, child, (*path, child_key))
        elif (
            existing != source
            and self.force
            and ".".join(path).removeprefix("tool.") not in self.overrides
        ):
            target[key] = copy.deepcopy(source)

    def _merge_overrides(self, existing: AoT, source: AoT, path: tuple[str, ...]) -> None:
        """[[tool.mypy.overrides]]: entries are matched by their `module` value."""
        by_module = {_module_key(entry): entry for entry in existing}
        for entry in source:
            module = _module_key(entry)
            entry_path = (*path[:-1], f"{path[-1]}[{module}]")
            match = by_module.get(module)
            if match is None:
                existing.append(_fresh(entry))
                self.changes.append(Change(".".join(entry_path), Action.ADD, _keys(entry)))
                continue
            for child_key, child in entry.items():
                self.merge(match, child_key, child, (*entry_path, child_key))


def _is_table_list(value: Any) -> TypeGuard[list[dict[str, Any]]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _module_key(entry: Mapping[str, Any]) -> str:
    module = _plain(entry.get("module", ""))
    return ",".join(module) if isinstance(module, list) else str(module)


def _fresh(item: Item) -> Item:
    copied = copy.deepcopy(item)
    if isinstance(copied, Table) and not copied.is_super_table():
        copied.add(tomlkit.nl())
    return copied


def _plain(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _count_keys(item: Any) -> int:
    value = _plain(item)
    if isinstance(value, dict):
        return sum(_count_keys(v) if isinstance(v, dict) else 1 for v in value.values())
    return 1


def _show(value: Any) -> str:
    text = tomlkit.item(_plain(value)).as_string() if value is not None else "nothing"
    return text if len(text) <= 60 else text[:57] + "..."


def _keys(item: Any) -> str:
    count = _count_keys(item)
    return f"{count} key" if count == 1 else f"{count} keys"
