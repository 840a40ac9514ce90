"""The mechanism that declares each `[tool.ml-policy]` key once, as a field of a settings
dataclass: the field gives its Python type and default, `toml_key` its TOML name, kind (how a
value is checked and read) and doc. The schema, the reader and the did-you-mean of an unknown
key are all derived from these fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Check = Callable[[Any], str | None]  # returns an error message or None
Schema = Mapping[str, "Check | Schema"]

SettingsT = TypeVar("SettingsT", bound="DataclassInstance")


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Kind:
    """The kind of value a key takes: how a TOML value is checked, and then read."""

    check: Check
    read: Callable[[Any], Any] = _as_is


@dataclass(frozen=True)
class Key:
    """A key of a settings table: a value of one kind, or a sub-table read into a dataclass."""

    name: str  # as written in TOML
    kind: Kind | type[DataclassInstance]
    doc: str


_KEY = "ml_policy.key"  # where a field's metadata holds its Key


def toml_key(name: str, kind: Kind | type[DataclassInstance], doc: str) -> dict[str, Key]:
    """The metadata that declares a dataclass field as read from the TOML key `name`:
    `field(default=..., metadata=toml_key(...))`."""
    return {_KEY: Key(name, kind, doc)}


def keys(settings: type[DataclassInstance]) -> Iterator[tuple[str, Key]]:
    """(field name, Key) of each declared field of `settings`, in order."""
    return ((f.name, f.metadata[_KEY]) for f in fields(settings) if _KEY in f.metadata)


def schema_of(settings: type[DataclassInstance]) -> Schema:
    """Each key's check by its TOML name; a sub-table's keys nested under its name."""
    return {
        key.name: schema_of(key.kind) if isinstance(key.kind, type) else key.kind.check
        for _, key in keys(settings)
    }


def from_table(settings: type[SettingsT], values: Mapping[str, Any], **given: Any) -> SettingsT:
    """`settings` read from a validated table; a key not in it keeps its default."""
    read = {
        name: _read(key, values[key.name]) for name, key in keys(settings) if key.name in values
    }
    return settings(**given, **read)


def _read(key: Key, value: Any) -> Any:
    return from_table(key.kind, value) if isinstance(key.kind, type) else key.kind.read(value)
