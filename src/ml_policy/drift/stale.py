"""Overrides that no longer override anything.

An entry of [tool.ml-policy.overrides] is stale when the configuration it excuses
is gone: the key is no longer set where the tool reads it, its value is the
bundle's again, an entry it `add`s is no longer in the list (or the bundle now has
it too), an entry it `remove`s is back (or the bundle dropped it). A stale override
is an exception that excuses nothing today and would silently excuse the same
departure tomorrow. Keys whose configuration ml-policy cannot read as TOML (a mypy
INI file) are not judged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_policy import toolconfig
from ml_policy.apply.tomlmerge import module_key
from ml_policy.bundles import Bundle
from ml_policy.config import ConfigError, Override, read_toml
from ml_policy.drift.trap import Trap
from ml_policy.toolconfig import PYPROJECT

_MISSING = object()
_CONFIG_FILES = (".toml", ".ini", ".cfg", ".bandit")
_ENTRY = re.compile(r"(?P<table>[^\[]+)\[(?P<module>.*)\]")  # overrides[torch.*]


@dataclass(frozen=True)
class Stale:
    """A recorded override, and why it excuses nothing (`entries`: the ones that do not)."""

    key: str
    reason: str
    why: str
    entries: tuple[Any, ...] = ()


def stale_overrides(
    root: Path, bundle: Bundle, overrides: Mapping[str, Override], trapped: Sequence[Trap]
) -> list[Stale]:
    """The overrides that excuse nothing: judged by value where ml-policy reads the tool's
    settings, by the traps for hooks and configuration files (drift.traps)."""
    tables = _tables(root, bundle)
    found = []
    for key, override in overrides.items():
        tool, _, path = key.partition(".")
        if tool in tables and path:
            ours, theirs = (_lookup(table, path) for table in tables[tool])
            stale = _judge(override, ours, theirs)
        elif _trap_key(key):
            stale = _judge_by_traps(override, [t for t in trapped if t.key == key])
        else:
            continue  # configuration ml-policy does not read (a mypy INI file): not judged
        if stale is not None:
            found.append(stale)
    return found


def _trap_key(key: str) -> bool:
    """A key that names a hook or a configuration file (drift.trap.Trap.key)."""
    return key.startswith("pre-commit.") or key.split(" ", maxsplit=1)[0].endswith(_CONFIG_FILES)


def _judge_by_traps(override: Override, live: Sequence[Trap]) -> Stale | None:
    if not live:
        return Stale(override.key, override.reason, "what it excuses is not there any more")
    gone = [e for e in override.add if e not in {t.entry for t in live}]
    if not gone:
        return None
    why = f"add {_shown(gone)}: not a departure any more"
    return Stale(override.key, override.reason, why, tuple(gone))


def _judge(override: Override, ours: Any, theirs: Any) -> Stale | None:
    key, reason = override.key, override.reason
    if ours is _MISSING:
        return Stale(key, reason, "the key is not set any more")
    if not override.add and not override.remove:
        return Stale(key, reason, "the value is the bundle's") if ours == theirs else None
    mine, bundle = _entries(ours), _entries(theirs)
    gone = [e for e in override.add if e not in mine or e in bundle]
    back = [e for e in override.remove if e in mine or e not in bundle]
    if not gone and not back:
        return None
    why = "; ".join(
        part
        for part in (
            gone and f"add {_shown(gone)}: not a departure any more",
            back and f"remove {_shown(back)}: not a departure any more",
        )
        if part
    )
    return Stale(key, reason, why, (*gone, *back))


Tables = dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]


def _tables(root: Path, bundle: Bundle) -> Tables:
    """(the repository's table, the bundle's) of each tool, where the tool reads it."""
    pyproject = _read(root / PYPROJECT)
    tool = pyproject.get("tool", {})
    tables: Tables = {
        "ml-policy": (tool.get("ml-policy", {}), bundle.ml_policy_settings()),
        "bandit": (tool.get("bandit", {}), bundle.bandit()),
    }
    ruff = toolconfig.ruff(root).reads
    if ruff is not None:
        table = tool.get("ruff", {}) if ruff.path.name == PYPROJECT else _read(ruff.path)
        tables["ruff"] = (table, bundle.ruff())
    mypy = toolconfig.mypy(root).reads
    if mypy is None or mypy.path.name == PYPROJECT:
        tables["mypy"] = (tool.get("mypy", {}), bundle.mypy())
    return tables


def _read(path: Path) -> Mapping[str, Any]:
    try:
        return read_toml(path)[1] if path.is_file() else {}
    except ConfigError:
        return {}  # the malformed file is reported by whoever reads it (init, the tool)


def _lookup(table: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted key path; a part may hold dots ("per-file-ignores.*.py") or
    name a [[overrides]] entry by its module ("overrides[torch.*]")."""
    parts = path.split(".")
    node: Any = table
    start = 0
    while start < len(parts):
        if not isinstance(node, Mapping):
            return _MISSING
        for end in range(len(parts), start, -1):
            found = _child(node, ".".join(parts[start:end]))
            if found is not _MISSING:
                node, start = found, end
                break
        else:
            return _MISSING
    return node


def _child(node: Mapping[str, Any], name: str) -> Any:
    if name in node:
        return node[name]
    match = _ENTRY.fullmatch(name)
    entries = node.get(match["table"]) if match else None
    if match and isinstance(entries, list):
        return next(
            (e for e in entries if isinstance(e, Mapping) and module_key(e) == match["module"]),
            _MISSING,
        )
    return _MISSING


def _entries(value: Any) -> list[Any]:
    if value is _MISSING:
        return []
    if isinstance(value, Mapping):
        return list(value)
    return list(value) if isinstance(value, list) else [value]


def _shown(entries: list[Any]) -> str:
    return ", ".join(map(str, entries))
