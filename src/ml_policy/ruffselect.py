"""Which Ruff rules a configuration really runs, resolved the way Ruff resolves them.

Ruff builds its rule table layer by layer: the defaults (E4, E7, E9, F),
then each configuration file from the base of an `extend` chain to the file
itself. A layer with `select` starts over from it; a layer without keeps what
the layers before it enabled. Within a layer, selectors are applied from the
least specific (`ALL`) to the most specific (a full code), selections before
ignores, so the most specific selector naming a rule decides, and an ignore
beats a selection of the same specificity (ruff_workspace's
`as_rule_table`; checked against the pinned Ruff in tests/test_toolconfig.py).

Only `select`, `extend-select` and `ignore` count here: per-file ignores are
scoped exceptions, and preview rules are outside every bundle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_SELECT = ("E4", "E7", "E9", "F")
# Pylint is the one linter whose rule codes carry letters after its prefix
# (PLC, PLE, PLR, PLW): "PL" selects them all.
_PYLINT = "PL"
_LETTERS = re.compile(r"[A-Z]+")
_MAX_EXTEND = 16  # an `extend` chain longer than this is a cycle or a mistake


@dataclass(frozen=True)
class Layer:
    """One configuration file's rule selection (None: the file sets no `select`)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def decide(self, code: str, before: bool) -> bool:
        """Whether `code` runs after this layer, given whether it ran before it."""
        chosen = max(
            (
                _specificity(s)
                for s in (*(self.select or ()), *self.extend_select)
                if covers(s, code)
            ),
            default=-1,
        )
        ignored = max((_specificity(s) for s in self.ignore if covers(s, code)), default=-1)
        if chosen < 0 and ignored < 0:
            return before if self.select is None else False
        return chosen > ignored


@dataclass(frozen=True)
class RuffSelection:
    """The rule selection of a configuration and of every file it extends (base first)."""

    layers: tuple[Layer, ...]

    def enabled(self, code: str) -> bool:
        """Whether the rule `code` (or every rule a selector like "E5" names) runs."""
        running = Layer(DEFAULT_SELECT).decide(code, before=False)
        for layer in self.layers:
            running = layer.decide(code, running)
        return running

    def enables_any(self, selector: str) -> bool:
        """Whether some rule under `selector` runs ("S" when only S102 is selected)."""
        if self.enabled(selector):
            return True
        named = (s for layer in self.layers for s in (*(layer.select or ()), *layer.extend_select))
        return any(covers(selector, s) and self.enabled(s) for s in named)


def covers(selector: str, code: str) -> bool:
    """Whether `selector` names `code`: a prefix within the same linter ("S" covers
    S301 but not SIM115, "PL" covers PLE2502), or ALL."""
    if selector == "ALL":
        return True
    if not code.startswith(selector):
        return False
    ours, theirs = _letters(selector), _letters(code)
    return ours == theirs or (ours == _PYLINT and theirs.startswith(_PYLINT))


def _letters(code: str) -> str:
    match = _LETTERS.match(code)
    return match[0] if match else ""


def _specificity(selector: str) -> int:
    # Selectors that can name one code are prefixes of it, so the longer one is
    # the more specific (Ruff's Specificity order); ALL is the least specific.
    return 0 if selector == "ALL" else len(selector)


def layer(config: Mapping[str, Any]) -> Layer:
    """The selection of one Ruff configuration table (ruff.toml's shape, no tool.ruff)."""
    lint = config.get("lint")
    lint = lint if isinstance(lint, Mapping) else {}

    def codes(key: str) -> tuple[str, ...] | None:
        # `lint.select` wins over the deprecated top-level `select`, key by key, as in Ruff.
        value = lint.get(key, config.get(key))
        if not isinstance(value, list):
            return None
        return tuple(str(code) for code in value)

    return Layer(codes("select"), codes("extend-select") or (), codes("ignore") or ())


def of_tables(tables: Sequence[Mapping[str, Any]]) -> RuffSelection:
    """The selection of configuration tables given base first."""
    return RuffSelection(tuple(layer(table) for table in tables))


def extend_chain(config: Mapping[str, Any], folder: Path) -> list[Mapping[str, Any]]:
    """The tables `config` extends (through `extend`), base first, then `config` itself.

    A file that cannot be read or parsed ends the chain: Ruff itself reports it.
    """
    return [table for _, table in reversed(extended(config, folder))] + [config]


def extended(config: Mapping[str, Any], folder: Path) -> list[tuple[Path, Mapping[str, Any]]]:
    """The files `config` extends and their Ruff tables, nearest first."""
    from ml_policy.config import ConfigError, read_toml

    chain: list[tuple[Path, Mapping[str, Any]]] = []
    current, here = config, folder
    while isinstance(current.get("extend"), str) and len(chain) < _MAX_EXTEND - 1:
        path = (here / Path(str(current["extend"])).expanduser()).resolve()
        if any(path == seen for seen, _ in chain):
            break
        try:
            document = read_toml(path)[1]
        except ConfigError:
            break
        base = (
            document.get("tool", {}).get("ruff", {}) if path.name == "pyproject.toml" else document
        )
        if not isinstance(base, Mapping):
            break
        chain.append((path, base))
        current, here = base, path.parent
    return chain
