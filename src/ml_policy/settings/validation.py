"""Checking a settings table against the schema the declarations give: the first unknown key
(with the closest known one) or bad value, at its line in the file."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ml_policy.settings.declare import Schema, schema_of
from ml_policy.settings.errors import KEY_EXCERPT, ConfigError, excerpt, quoted
from ml_policy.settings.model import Settings
from ml_policy.settings.tomlfile import key_line

SCHEMA: Schema = schema_of(Settings)


def checked_table(path: Path, text: str, table: Mapping[str, Any], prefix: str) -> None:
    """Validate a settings table, reporting problems at their line in `path`."""
    try:
        validate(table, SCHEMA, ())
    except InvalidSettingError as problem:
        line = key_line(text, prefix, problem.key_path)
        raise ConfigError(path, problem.describe(prefix), line) from None


def validate(table: Mapping[str, Any], schema: Schema, where: tuple[str, ...]) -> None:
    """Raise InvalidSettingError for the first unknown key or bad value in `table`."""
    for key, value in table.items():
        rule = schema.get(key)
        path = (*where, key)
        if rule is None:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidSettingError(path, f"unknown key {quoted(key, KEY_EXCERPT)}{hint}")
        if isinstance(rule, Mapping):
            if not isinstance(value, dict):
                raise InvalidSettingError(path, "must be a table")
            validate(value, rule, path)
        elif problem := rule(value):
            raise InvalidSettingError(path, problem)


class InvalidSettingError(Exception):
    """A bad key or value, before it is tied to a file and line."""

    def __init__(self, key_path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.key_path = key_path

    def describe(self, table: str) -> str:
        keys = [excerpt(key, KEY_EXCERPT) for key in self.key_path]
        parent = ".".join((table, *keys[:-1])) if table else ".".join(keys[:-1])
        return f"[{parent}] {keys[-1]}: {self}" if parent else f"{keys[-1]}: {self}"
