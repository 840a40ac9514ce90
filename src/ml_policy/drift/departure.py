"""A departure from the bundle, and whether an override in [tool.ml-policy.overrides] covers it.

An override names a key as `<tool>.<key path>` ("mypy.warn_return_any",
"ml-policy.artifacts.max-kb"); without `add`/`remove` it covers the whole key, with
them only the list entries it names (an entry added, or a bundle entry removed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ml_policy.config import Override


@dataclass(frozen=True)
class Departure:
    """A key (as an override names it) that checks less than the bundle, and what it lacks."""

    key: str
    message: str
    entries: tuple[Any, ...] = ()  # the list entries at fault; () for a value

    def accepted(self, overrides: Mapping[str, Override]) -> bool:
        override = overrides.get(self.key)
        if override is None:
            return False
        named = (*override.add, *override.remove)
        return not named or all(entry in named for entry in self.entries)
