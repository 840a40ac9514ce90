"""What a manifest is held to, and which packages other requirements already fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ml_policy.config import Settings
from ml_policy.deps.model import Pin, Requirement


@dataclass(frozen=True)
class Policy:
    """What a manifest is held to: its settings, the ML package names, a lock file if tracked."""

    settings: Settings
    ml_packages: frozenset[str]
    lock: Path | None = None

    @property
    def library(self) -> bool:
        return self.settings.deps.mode == "library"

    @property
    def bounded_ok(self) -> bool:
        return self.settings.deps.pin == "bounded"


@dataclass(frozen=True)
class Coverage:
    """Packages whose version another requirement of the same manifest already fixes.

    An exact pin in a constraints file, a uv constraint list, or a part that is
    always installed (a requirements file, `[project] dependencies`) binds every
    other mention of the package: `transformers[vision]` in an extra beside
    `transformers==4.46.3` installs 4.46.3.
    """

    pinned: frozenset[str]
    bounded_published: frozenset[str]
    base: frozenset[str]  # always installed: an unpinned mention elsewhere gets that version

    @classmethod
    def of(cls, requirements: Sequence[Requirement]) -> Coverage:
        pinned = {r.name for r in requirements if r.pin is Pin.EXACT and (r.constraint or r.base)}
        bounded = {
            r.name
            for r in requirements
            if r.base and r.published and r.pin in (Pin.EXACT, Pin.BOUNDED, Pin.LOWER)
        }
        base = {r.name for r in requirements if r.base}
        return cls(frozenset(pinned), frozenset(bounded), frozenset(base))
