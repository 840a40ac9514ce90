"""A folder's torch requirements, read with the deps readers, as a TorchDefault.

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
from ml_policy.rules.supply_chain.torch_pin import TorchDefault

SAFE_SINCE = Version("2.6")
# Releases far below and above every known one: ranges are judged on the releases
# the family table knows plus these two (a bound beyond the table still counts).
_EDGES = (Version("0.1"), Version("99.0"))


def folder_verdict(manifests: list[Path]) -> tuple[TorchDefault | None, bool]:
    """The verdict of a folder's `manifests` (None: they declare no torch), and whether
    every one of them could be read."""
    requirements, complete = _torch_requirements(manifests)
    return _verdict(requirements), complete


def _verdict(requirements: list[Requirement]) -> TorchDefault | None:
    if not requirements:
        return None
    # An extra or a dependency group is an alternative: what is always installed decides.
    base = [r for r in requirements if r.base] or requirements
    verdicts = {_requirement_default(r) for r in base}
    decided = verdicts - {TorchDefault.UNKNOWN}
    return decided.pop() if len(decided) == 1 else TorchDefault.UNKNOWN


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


def _requirement_default(requirement: Requirement) -> TorchDefault:
    if requirement.pin is Pin.EXACT and requirement.version:
        return _admits({_version(requirement.version)} - {None})
    try:
        specifier = Pep508(requirement.text).specifier
    except InvalidRequirement:
        return TorchDefault.UNKNOWN  # Poetry, conda: not compared here
    if not specifier:
        return TorchDefault.UNKNOWN
    return _admits(set(specifier.filter(_releases(), prereleases=False)))


def _admits(versions: set[Version | None]) -> TorchDefault:
    known = {v for v in versions if v is not None}
    if known and all(v < SAFE_SINCE for v in known):
        return TorchDefault.UNPICKLES
    if known and all(v >= SAFE_SINCE for v in known):
        return TorchDefault.WEIGHTS_ONLY
    return TorchDefault.UNKNOWN


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
