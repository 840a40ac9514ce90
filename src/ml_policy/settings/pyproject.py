"""Finding `[tool.ml-policy]` in a parsed pyproject.toml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ml_policy.settings.errors import ConfigError, excerpt
from ml_policy.settings.tomlfile import key_line

TABLE = "tool.ml-policy"


def ml_policy_table(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `[tool.ml-policy]` table of a parsed pyproject, if it has one."""
    tool = document.get("tool")
    table = tool.get("ml-policy") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def settings_table(path: Path, text: str, document: Mapping[str, Any]) -> dict[str, Any] | None:
    """`[tool.ml-policy]` of a pyproject, or None; ConfigError when it is there but not a
    table (`[tool] ml-policy = 5`, `[[tool.ml-policy]]`) or misspelt (`[tool.ml_policy]`):
    a settings table that is silently skipped would switch the user's policy off."""
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    if "ml-policy" not in tool:
        misspelt = next((key for key in tool if _looks_like_our_table(key)), None)
        if misspelt is not None:
            line = key_line(text, "", ["tool", misspelt])
            message = f"[tool.{excerpt(misspelt)}]: unknown table (did you mean [{TABLE}]?)"
            raise ConfigError(path, message, line)
        return None
    table = tool["ml-policy"]
    if isinstance(table, dict):
        return table
    line = key_line(text, TABLE, [])
    shape = "an array of tables ([[tool.ml-policy]])" if isinstance(table, list) else "a value"
    raise ConfigError(path, f"[{TABLE}] must be a table, not {shape}", line)


def _looks_like_our_table(key: str) -> bool:
    """`ml_policy`, `mlpolicy`, `ML-Policy`, `ml.policy`: our table's name, misspelt."""
    return key != "ml-policy" and re.sub(r"[-_. ]", "", key.lower()) == "mlpolicy"
