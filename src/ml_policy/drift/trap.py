"""Trap: one way a repository's configuration switches the bundle's checks off unseen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ml_policy.settings.kinds import Override


@dataclass(frozen=True)
class Trap:
    """Where a check goes quiet, and the override that would accept it.

    `key` names the departure in [tool.ml-policy.overrides]; `entry`, when set, is
    what its `add` list must name (a pattern, an argument), so that an override
    accepts this one departure and no other.
    """

    code: str
    path: Path
    line: int
    message: str
    key: str
    entry: str | None = None

    def accepted_by(self, overrides: Mapping[str, Override]) -> Override | None:
        override = overrides.get(self.key)
        if override is None or (
            self.entry is not None and override.add and self.entry not in override.add
        ):
            return None
        return override
