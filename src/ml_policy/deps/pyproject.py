"""pyproject.toml: PEP 621, PEP 735 dependency groups, Poetry and uv dependency tables.

Each requirement is reported at the line of its string (or of its key, for
Poetry tables), where a TOML comment can suppress it (`# noqa: MLD001`).
uv's `extra-index-url` and `index-strategy` are returned as index settings
for MLD004.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from ml_policy.config import toml_error_position
from ml_policy.deps.classify import (
    Classified,
    classify_pep508,
    classify_poetry,
    classify_url,
)
from ml_policy.deps.commits import is_commit
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.model import IndexSetting, Kind, Manifest, Pin, Position, Requirement
from ml_policy.deps.packages import normalize
from ml_policy.deps.source import read_text
from ml_policy.suppress import Noqa, mentions_noqa, noqa
from ml_policy.tomlpos import TomlPositions, comments

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# (key path, section label, published metadata, constraint only)
PEP508_ARRAYS: tuple[tuple[tuple[str, ...], str, bool, bool], ...] = (
    (("project", "dependencies"), "[project] dependencies", True, False),
    (("tool", "uv", "dev-dependencies"), "[tool.uv] dev-dependencies", False, False),
    (("tool", "uv", "constraint-dependencies"), "[tool.uv] constraint-dependencies", False, True),
    (("tool", "uv", "override-dependencies"), "[tool.uv] override-dependencies", False, True),
)
UNSAFE_STRATEGY = "unsafe-best-match"
# Sections installed with every install of the project (extras and groups add to them).
BASE_SECTIONS = frozenset({"[project] dependencies", "[tool.poetry.dependencies]"})


def read_pyproject(path: Path) -> Manifest:
    """Every dependency declared in a pyproject.toml (raises ManifestError if unreadable)."""
    return parse_pyproject(path, read_text(path))


def parse_pyproject(path: Path, text: str) -> Manifest:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise toml_error(path, error) from None
    except RecursionError:
        raise ManifestError(path, "not read: the TOML is nested too deep") from None
    collector = _Collector(path, TomlPositions(text))
    collector.collect(document)
    return Manifest(
        path,
        Kind.PYPROJECT,
        tuple(collector.requirements),
        tuple(collector.index_settings),
        tuple(collector.errors),
        _noqa(path, text),
    )


def _noqa(path: Path, text: str) -> tuple[Noqa, ...]:
    if not mentions_noqa(text):
        return ()
    found = (noqa(path, comment, line) for line, comment in comments(text))
    return tuple(item for item in found if item is not None)


def toml_error(path: Path, error: tomllib.TOMLDecodeError) -> ManifestError:
    """The error at its line (the same reading as the settings loader's, for one report)."""
    reason, line, column = toml_error_position(error)
    return ManifestError(path, f"invalid TOML: {reason}", line or 1, column or 1)


def _get(document: Mapping[str, Any], key_path: Sequence[str]) -> Any:
    value: Any = document
    for key in key_path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


@dataclass
class _Collector:
    path: Path
    positions: TomlPositions
    requirements: list[Requirement] = field(default_factory=list)
    index_settings: list[IndexSetting] = field(default_factory=list)
    errors: list[ManifestError] = field(default_factory=list)

    def collect(self, document: Mapping[str, Any]) -> None:
        for key_path, section, published, constraint in PEP508_ARRAYS:
            self._pep508_array(_get(document, key_path), key_path, section, published, constraint)
        self._tables_of_arrays(document, ("project", "optional-dependencies"), published=True)
        self._tables_of_arrays(document, ("dependency-groups",), published=False)
        self._poetry(document)
        self._uv_index_settings(document)

    # --- PEP 508 strings -----------------------------------------------------------

    def _tables_of_arrays(
        self, document: Mapping[str, Any], key_path: tuple[str, ...], published: bool
    ) -> None:
        table = _get(document, key_path)
        label = "[project.optional-dependencies]" if published else "[dependency-groups]"
        if not isinstance(table, Mapping):
            if table is not None:
                self._not_checked(key_path, f"{label} must be a table, not {_shape(table)}")
            return
        for name, items in table.items():
            section = f"{label} {name}"
            self._pep508_array(items, (*key_path, name), section, published, False)

    def _pep508_array(
        self,
        items: Any,
        key_path: tuple[str, ...],
        section: str,
        published: bool,
        constraint: bool,
    ) -> None:
        if not isinstance(items, list):
            if items is not None:
                what = f"must be a list of requirement strings, not {_shape(items)}"
                self._not_checked(key_path, f"{section} {what}")
            return
        # A dependency group may include another ({include-group = "..."}); nothing else may
        # stand in a list of requirements.
        groups = key_path[0] == "dependency-groups"
        for number, item in enumerate(items, 1):
            if not isinstance(item, str) and not (groups and isinstance(item, dict)):
                what = f"item {number} is {_shape(item)}, not a requirement string"
                self._not_checked(key_path, f"{section}: {what}")
        strings = [item for item in items if isinstance(item, str)]
        for text, span in zip(
            strings, self.positions.locate_strings(key_path, strings), strict=True
        ):
            position = Position.on_line(self.path, *span)
            try:
                parsed = Pep508(text)
            except InvalidRequirement as error:
                message = str(error).splitlines()[0]
                self.errors.append(
                    ManifestError(
                        self.path, f"not a valid requirement {text!r}: {message}", span[0], span[1]
                    )
                )
                continue
            found = classify_pep508(parsed)
            conditional = parsed.marker is not None
            self._add(
                normalize(parsed.name),
                text,
                found,
                position,
                section,
                published,
                constraint,
                conditional,
            )

    def _not_checked(self, key_path: Sequence[str], problem: str) -> None:
        """MLE001 at the key: a value of the wrong shape would otherwise be skipped in silence."""
        line, column, _ = self.positions.locate_key(key_path)
        self.errors.append(ManifestError(self.path, f"{problem}: not checked", line, column))

    def _add(
        self,
        name: str,
        text: str,
        found: Classified,
        position: Position,
        section: str,
        published: bool,
        constraint: bool = False,
        conditional: bool = False,  # under a marker: holds on some platforms only
    ) -> None:
        self.requirements.append(
            Requirement(
                name=name,
                text=text,
                pin=found.pin,
                position=position,
                kind=Kind.PYPROJECT,
                section=section,
                version=found.version if found.pin is Pin.EXACT else None,
                detail=found.detail,
                published=published,
                lockable=True,
                constraint=constraint,
                base=section in BASE_SECTIONS and not conditional,
            )
        )

    # --- Poetry ------------------------------------------------------------------------

    def _poetry(self, document: Mapping[str, Any]) -> None:
        poetry = _get(document, ("tool", "poetry"))
        if not isinstance(poetry, Mapping):
            return
        self._poetry_table(poetry, ("dependencies",), "[tool.poetry.dependencies]", True)
        self._poetry_table(poetry, ("dev-dependencies",), "[tool.poetry.dev-dependencies]", False)
        groups = poetry.get("group")
        if isinstance(groups, Mapping):
            for group in groups:
                key = ("group", group, "dependencies")
                self._poetry_table(poetry, key, f"[tool.poetry.group.{group}.dependencies]", False)

    def _poetry_table(
        self, poetry: Mapping[str, Any], key: tuple[str, ...], section: str, published: bool
    ) -> None:
        table = _get(poetry, key)
        if not isinstance(table, Mapping):
            if table is not None:
                problem = f"{section} must be a table, not {_shape(table)}"
                self._not_checked(("tool", "poetry", *key), problem)
            return
        for name, value in table.items():
            if normalize(name) == "python":
                continue
            span = self.positions.locate_key(("tool", "poetry", *key, name))
            position = Position.on_line(self.path, *span)
            conditional = isinstance(value, list) or (
                isinstance(value, Mapping) and bool({"markers", "platform", "python"} & set(value))
            )
            for found, shown in _poetry_constraints(value):
                text = f"{name} = {shown}"
                self._add(
                    normalize(name), text, found, position, section, published, False, conditional
                )

    # --- uv index settings --------------------------------------------------------------

    def _uv_index_settings(self, document: Mapping[str, Any]) -> None:
        for prefix in (("tool", "uv"), ("tool", "uv", "pip")):
            extra = _get(document, (*prefix, "extra-index-url"))
            urls = [extra] if isinstance(extra, str) else extra if isinstance(extra, list) else []
            for url in urls:
                if isinstance(url, str):
                    self._index_setting((*prefix, "extra-index-url"), "extra-index-url", url)
            strategy = _get(document, (*prefix, "index-strategy"))
            if strategy == UNSAFE_STRATEGY:
                self._index_setting((*prefix, "index-strategy"), "index-strategy", strategy)

    def _index_setting(self, key_path: tuple[str, ...], option: str, value: str) -> None:
        line, column, end = self.positions.locate_key(key_path)
        where = Position.on_line(self.path, line, column, end)
        self.index_settings.append(IndexSetting(option, value, where))


def _shape(value: Any) -> str:
    """What a TOML value is, for a message (never the value: it may hold a credential)."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return "a date or time"


def _poetry_constraints(value: Any) -> list[tuple[Classified, str]]:
    """Classify a Poetry dependency value: a string, a table, or a list of tables."""
    if isinstance(value, str):
        return [(classify_poetry(value), f'"{value}"')]
    if isinstance(value, list):
        return [found for item in value for found in _poetry_constraints(item)]
    if not isinstance(value, Mapping):
        return []
    if isinstance(value.get("version"), str):
        return [(classify_poetry(value["version"]), f'{{ version = "{value["version"]}" }}')]
    if isinstance(value.get("git"), str):
        return [(_poetry_git(value), f'{{ git = "{value["git"]}" }}')]
    if isinstance(value.get("url"), str):
        return [(classify_url(value["url"]), f'{{ url = "{value["url"]}" }}')]
    return []  # a path dependency or a shape we do not know: nothing to pin


def _poetry_git(value: Mapping[str, Any]) -> Classified:
    rev = value.get("rev")
    if isinstance(rev, str) and is_commit(rev):
        return Classified(Pin.EXACT, detail=f"commit {rev}")
    ref = rev or value.get("tag") or value.get("branch")
    what = f"`{ref}`, a branch or tag that can move" if isinstance(ref, str) else "no commit"
    return Classified(Pin.UNPINNED, detail=f"a git dependency at {what}")
