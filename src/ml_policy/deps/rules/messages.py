"""Wording the MLD rules share: what is loose about a requirement, and the names in fixes."""

from __future__ import annotations

from ml_policy.deps.conda import parse_match_spec
from ml_policy.deps.model import Pin, Requirement

LOCK_COMMANDS = "uv lock, poetry lock or pdm lock"


def what_is_loose(requirement: Requirement) -> str:
    if requirement.detail and requirement.detail != "no version":
        return f"{requirement.name} comes from {requirement.detail}"
    names = {
        Pin.UNPINNED: "has no version pin",
        Pin.LOWER: "has only a lower bound",
        Pin.BOUNDED: "is a range, not an exact pin",
    }
    return f"{requirement.name} {names.get(requirement.pin, 'is not pinned')}"


def conda_name(spec: str) -> str:
    """The package name as written in a conda spec (`conda-forge::pytorch=2.1` -> `pytorch`)."""
    parsed = parse_match_spec(spec)
    return parsed[0] if parsed is not None else spec
