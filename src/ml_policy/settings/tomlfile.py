"""Reading a TOML file, with every failure a ConfigError that names the file and line."""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ml_policy.settings.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_CONFIG_BYTES = 16 * 1024 * 1024  # a configuration file is never this large


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """Read a TOML file, turning every failure into a ConfigError naming it."""
    from ml_policy.files import read_regular  # files imports ml_policy.config

    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(path, f"cannot read: {error}") from None
    except OSError as error:
        raise ConfigError(path, f"cannot read: {error.strerror or error}") from None
    try:
        return text, copy.deepcopy(_parsed(text))  # a caller may change what it gets
    except tomllib.TOMLDecodeError as error:
        message, line, _ = toml_error_position(error)
        raise ConfigError(path, f"invalid TOML: {message}", line) from None
    except RecursionError:
        raise ConfigError(path, "invalid TOML: nested too deep") from None


@lru_cache(maxsize=32)
def _parsed(text: str) -> dict[str, Any]:
    """A TOML text parsed once per process: init and the drift check read the same
    pyproject.toml and bundle files many times over (a copy is ten times faster)."""
    return tomllib.loads(text)


def toml_error_position(error: tomllib.TOMLDecodeError) -> tuple[str, int | None, int | None]:
    """(reason, line, column) of a TOML error: Python 3.14 gives lineno/colno; older ones
    say "(at line L, column C)" at the end of the message."""
    message = str(error)
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    if line is None and message.endswith(")") and "(at line " in message:
        message, _, where = message[:-1].rpartition(" (at line ")
        line_text, _, column_text = where.partition(", column ")
        line = int(line_text) if line_text.isdigit() else None
        column = int(column_text) if column_text.isdigit() else None
    return getattr(error, "msg", message), line, column


def key_line(text: str, table: str, key_path: Sequence[str]) -> int | None:
    """Best-effort line of a key in TOML text, for error messages: the key's line, else its
    deepest table header's; None when neither is written."""
    from ml_policy.tomlpos import TomlPositions  # only an error message needs it

    return TomlPositions(text).key_line([*table.split("."), *key_path] if table else key_path)
