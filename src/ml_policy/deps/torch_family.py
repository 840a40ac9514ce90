"""Which torchvision and torchaudio releases belong to which torch release (MLD005).

The table is data (torch_family.toml beside this module), read once with
importlib.resources so that it ships in the wheel and can be extended
without touching code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

from packaging.version import InvalidVersion, Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

COMPANIONS = ("torchvision", "torchaudio")


@dataclass(frozen=True)
class FamilyTable:
    """For each companion package, its release -> the torch release it was built for."""

    built_for: dict[str, dict[Version, Version]]

    def torch_for(self, package: str, version: str) -> Version | None:
        """The torch release a companion release was built for, if the table knows it."""
        public = _public(version)
        return None if public is None else self.built_for.get(package, {}).get(public)

    def knows_torch(self, version: str) -> bool:
        public = _public(version)
        return any(public in releases.values() for releases in self.built_for.values())

    def releases_for(self, package: str, torch_version: str) -> list[str]:
        """The companion releases built for a torch release (the fix MLD005 suggests)."""
        public = _public(torch_version)
        return [str(v) for v, t in self.built_for.get(package, {}).items() if t == public]


@cache
def load_table() -> FamilyTable:
    """The shipped table (read once per process)."""
    text = resources.files("ml_policy.deps").joinpath("torch_family.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return FamilyTable(
        {
            name: {Version(v): Version(t) for v, t in data.get(name, {}).items()}
            for name in COMPANIONS
        }
    )


def local_label(version: str) -> str | None:
    """The local version label (`cu121` of `2.1.0+cu121`), if any."""
    try:
        return Version(version).local
    except InvalidVersion:
        return None


def _public(version: str) -> Version | None:
    """`2.1.0+cu121` -> `2.1.0`: the table lists public versions."""
    try:
        return Version(Version(version).public)
    except InvalidVersion:
        return None
