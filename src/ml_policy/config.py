"""`[tool.ml-policy]` in pyproject.toml -> a typed, validated Settings object.

Settings are layered: the recorded bundle's ml-policy.toml (ml-strict's latest
version when no bundle is recorded), then the user's table key by key, then
the command line. Unknown keys are errors that name the file, line and key:
a typo must never silently switch policy off.

This module is the public face; the pieces live in ml_policy.settings, one concern each.
"""

from __future__ import annotations

from ml_policy.settings.cli_overrides import CliOverrides
from ml_policy.settings.codes import CODE_PATTERN, code_problem, selects_nothing
from ml_policy.settings.declare import Check, Schema
from ml_policy.settings.errors import (
    CODE_EXCERPT,
    EXCERPT,
    KEY_EXCERPT,
    ConfigError,
    excerpt,
    quoted,
)
from ml_policy.settings.kinds import Override
from ml_policy.settings.layers import build_settings, recorded_bundle
from ml_policy.settings.model import ArtifactSettings, DepsSettings, SecretSettings, Settings
from ml_policy.settings.patterns import PLAIN_PATTERN, pattern_problem
from ml_policy.settings.pyproject import TABLE, ml_policy_table, settings_table
from ml_policy.settings.resolver import BrokenSettings, SettingsResolver
from ml_policy.settings.tomlfile import MAX_CONFIG_BYTES, key_line, read_toml, toml_error_position
from ml_policy.settings.validation import SCHEMA, InvalidSettingError, checked_table, validate

__all__ = [
    "CODE_EXCERPT",
    "CODE_PATTERN",
    "EXCERPT",
    "KEY_EXCERPT",
    "MAX_CONFIG_BYTES",
    "PLAIN_PATTERN",
    "SCHEMA",
    "TABLE",
    "ArtifactSettings",
    "BrokenSettings",
    "Check",
    "CliOverrides",
    "ConfigError",
    "DepsSettings",
    "InvalidSettingError",
    "Override",
    "Schema",
    "SecretSettings",
    "Settings",
    "SettingsResolver",
    "build_settings",
    "checked_table",
    "code_problem",
    "excerpt",
    "key_line",
    "ml_policy_table",
    "pattern_problem",
    "quoted",
    "read_toml",
    "recorded_bundle",
    "selects_nothing",
    "settings_table",
    "toml_error_position",
    "validate",
]
