"""Load, list and validate the versioned policy bundles shipped in policies/.

A bundle version is a folder `policies/<name>/<version>/` holding
bundle.toml (metadata), ruff.toml, mypy.toml, bandit.toml, ml-policy.toml,
pre-commit.yaml and NOTES.md. Released versions never change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ml_policy.errors import PolicyError
from ml_policy.registry import FIRST_RELEASE
from ml_policy.settings.errors import ConfigError
from ml_policy.settings.tomlfile import read_toml
from ml_policy.settings.validation import checked_table

FILES = (
    "bundle.toml",
    "ruff.toml",
    "mypy.toml",
    "bandit.toml",
    "ml-policy.toml",
    "pre-commit.yaml",
    "NOTES.md",
)
DEFAULT_BUNDLE = "ml-strict"
REF = re.compile(r"(?P<name>[a-z0-9][a-z0-9-]*)(?:@(?P<version>[0-9]+))?")


class BundleError(PolicyError):
    """An unknown bundle, or a bundle whose files are broken."""


def policies_root() -> Path:
    """policies/ inside the installed wheel, or at the root of a source checkout."""
    installed = Path(__file__).parent / "policies"
    return installed if installed.is_dir() else Path(__file__).parents[2] / "policies"


@dataclass(frozen=True)
class Bundle:
    """One released version of one bundle."""

    name: str
    version: int
    summary: str
    tools: dict[str, str]
    changes: tuple[str, ...]
    path: Path
    release: str  # the ml-policy release that shipped it: the rules it can turn on

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def text(self, filename: str) -> str:
        return (self.path / filename).read_text("utf-8")

    def toml(self, filename: str) -> dict[str, Any]:
        try:
            return read_toml(self.path / filename)[1]
        except ConfigError as error:
            raise BundleError(f"{self.ref}: {error}") from None

    def ruff(self) -> dict[str, Any]:
        """ruff.toml: what goes under [tool.ruff]."""
        return self.toml("ruff.toml")

    def mypy(self) -> dict[str, Any]:
        """mypy.toml's [tool.mypy] table (with its `overrides` array)."""
        return dict(self.toml("mypy.toml")["tool"]["mypy"])

    def bandit(self) -> dict[str, Any]:
        """bandit.toml's [tool.bandit] table."""
        return dict(self.toml("bandit.toml")["tool"]["bandit"])

    def ml_policy_settings(self) -> dict[str, Any]:
        """ml-policy.toml, validated against the [tool.ml-policy] schema."""
        path = self.path / "ml-policy.toml"
        try:
            text, table = read_toml(path)
            checked_table(path, text, table, "")
        except ConfigError as error:
            raise BundleError(str(error)) from None
        return table

    def hook_ids(self) -> list[str]:
        """The hooks a repository on this bundle runs (pre-commit.yaml)."""
        return list(_hook_ids(self.path))


@cache
def _hook_ids(path: Path) -> tuple[str, ...]:
    """A shipped bundle's hooks, read once per process (init asks every bundle's)."""
    # ruamel.yaml is slow to import and few commands need it.
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load((path / "pre-commit.yaml").read_text("utf-8"))
    return tuple(str(hook["id"]) for hook in data["hooks"])


def _load(path: Path) -> Bundle:
    try:
        meta = read_toml(path / "bundle.toml")[1]
        return Bundle(
            name=meta["name"],
            version=int(meta["version"]),
            summary=meta["summary"],
            tools=dict(meta.get("tools", {})),
            changes=tuple(meta.get("changes", ())),
            path=path,
            # Version 1 of each bundle came with the first release and does not say so.
            release=str(meta.get("ml-policy", FIRST_RELEASE)),
        )
    except (ConfigError, KeyError, TypeError, ValueError) as error:
        raise BundleError(f"broken bundle at {path}: {error}") from None


@cache
def all_bundles() -> tuple[Bundle, ...]:
    """Every version of every bundle, sorted by name then version."""
    root = policies_root()
    folders = [
        v
        for n in root.iterdir()
        if n.is_dir()
        for v in n.iterdir()
        if (v / "bundle.toml").is_file()
    ]
    return tuple(sorted((_load(f) for f in folders), key=lambda b: (b.name, b.version)))


def names() -> list[str]:
    return sorted({b.name for b in all_bundles()})


def latest(name: str) -> Bundle:
    versions = [b for b in all_bundles() if b.name == name]
    if not versions:
        raise BundleError(f"no bundle named {name!r} (available: {', '.join(names())})")
    return versions[-1]


def get(ref: str) -> Bundle:
    """A bundle by "NAME@VERSION", or the latest version for a bare "NAME"."""
    match = REF.fullmatch(ref.strip())
    if not match:
        raise BundleError(f'{ref!r} is not a bundle reference like "ml-strict@1"')
    bundle = latest(match["name"])
    if match["version"] is None:
        return bundle
    version = int(match["version"])
    for candidate in all_bundles():
        if candidate.name == bundle.name and candidate.version == version:
            return candidate
    known = ", ".join(b.ref for b in all_bundles() if b.name == bundle.name)
    raise BundleError(f"{bundle.name} has no version {version} (released: {known})")
