"""A folder's torch requirements, read with the deps readers, as the releases each admits.

Imported only when torch_pin has no kept verdict for a folder: the readers and
`packaging` are most of a warm one-file lint run's time otherwise.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.version import InvalidVersion, Version

from ml_policy.deps.errors import ManifestError
from ml_policy.deps.manifests import manifest_reader
from ml_policy.deps.model import Pin, Requirement
from ml_policy.deps.torch_family import load_table
from ml_policy.rules.supply_chain.torch_pin import Range, Ranges

# Releases far below and above every known one: ranges are judged on the releases
# the family table knows plus these two (a bound beyond the table still counts).
_EDGES = (Version("0.1"), Version("99.0"))


def folder_ranges(manifests: list[Path]) -> tuple[Ranges | None, bool]:
    """The torch releases each of a folder's deciding torch requirements admits (None: they
    declare no torch), and whether every manifest could be read. What is always installed
    decides: an extra or a dependency group is an alternative."""
    requirements, complete = _torch_requirements(manifests)
    if not requirements:
        return None, complete
    base = [r for r in requirements if r.base] or requirements
    return tuple(_admitted(r) for r in base), complete


def _torch_requirements(manifests: list[Path]) -> tuple[list[Requirement], bool]:
    """The torch requirements of `manifests`, and whether every one of them could be read."""
    found: list[Requirement] = []
    complete = True
    for path in manifests:
        reader = manifest_reader(path)
        if reader is None:
            continue  # named like no manifest
        try:
            manifest = reader(path)
        except ManifestError:
            complete = False
            continue  # the deps checker reports it
        found.extend(r for r in manifest.requirements if r.name == "torch")
    return found, complete


def _admitted(requirement: Requirement) -> Range | None:
    """The oldest and newest release a requirement admits (None: it cannot be compared)."""
    if requirement.pin is Pin.EXACT and requirement.version:
        versions: set[Version | None] = {_version(requirement.version)}
    else:
        try:
            specifier = Pep508(requirement.text).specifier
        except InvalidRequirement:
            return None  # Poetry, conda: not compared here
        if not specifier:
            return None
        versions = set(specifier.filter(_releases(), prereleases=False))
    known = sorted(v for v in versions if v is not None)
    return (known[0].release, known[-1].release) if known else None


@cache
def _releases() -> tuple[Version, ...]:
    table = load_table()
    known = {torch for releases in table.built_for.values() for torch in releases.values()}
    return tuple(sorted(known | set(_EDGES)))


def _version(text: str) -> Version | None:
    try:
        return Version(Version(text).public)
    except InvalidVersion:
        return None
