"""Settings are layered: the recorded bundle's ml-policy.toml (ml-strict's latest version when
no bundle is recorded), then the user's table key by key (sub-tables merge key by key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ml_policy import bundles
from ml_policy.settings.declare import from_table
from ml_policy.settings.errors import ConfigError
from ml_policy.settings.model import Settings
from ml_policy.settings.pyproject import TABLE
from ml_policy.settings.tomlfile import key_line


def build_settings(
    root: Path,
    source: Path | None,
    layers: Sequence[Mapping[str, Any]],
    release: str | None = None,
) -> Settings:
    """Fold validated tables (bundle defaults first, user last) into Settings; `release`:
    the ml-policy release of the bundle, whose rules are the ones it can turn on."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return from_table(Settings, merged, root=root, source=source, release=release)


def recorded_bundle(ref: str | None, pyproject: Path | None) -> bundles.Bundle:
    """The bundle `ref` names (ml-strict's latest when none is recorded); an unknown one
    is a ConfigError at pyproject.toml's `bundle` line."""
    try:
        return bundles.get(ref) if ref else bundles.latest(bundles.DEFAULT_BUNDLE)
    except bundles.BundleError as error:
        where = pyproject or Path("pyproject.toml")
        line = key_line(where.read_text("utf-8-sig"), TABLE, ["bundle"]) if pyproject else None
        raise ConfigError(where, f"[{TABLE}] bundle: {error}", line) from None
