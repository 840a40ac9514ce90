"""Which torch a repository declares: whether `torch.load` unpickles by default there.

torch 2.6 turned `weights_only` on by default; before it, `torch.load(path)`
runs any pickle. The torch requirements are read with the deps checker's
readers from the manifests (`pyproject.toml`, `setup.cfg`, `setup.py`, conda
environment files, requirements files and a `requirements/` folder) of the
checked file's folder, or of the nearest folder above it, up to the settings
root, that declares torch. Each folder is read once per process.

A requirement says "before 2.6" when every torch release it admits is older
(`==2.1.0`, `<2.6`, `~=2.4.0`), "2.6 or later" when every one is newer
(`>=2.6`); a range across 2.6, or a constraint the readers cannot compare
(Poetry, conda prefixes), says nothing. Only the requirements that are always
installed (a requirements file, `[project] dependencies`, `install_requires`)
count when there are any, not extras or dependency groups; several decide when
some say the same and none says the opposite.
"""

from __future__ import annotations

import enum
import os
from functools import cache
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.version import InvalidVersion, Version

from ml_policy.config import Settings
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.manifests import is_requirements_file, manifest_reader
from ml_policy.deps.model import Pin, Requirement
from ml_policy.deps.torch_family import load_table

SAFE_SINCE = Version("2.6")
# Releases far below and above every known one: ranges are judged on the releases
# the family table knows plus these two (a bound beyond the table still counts).
_EDGES = (Version("0.1"), Version("99.0"))


class TorchDefault(enum.Enum):
    """What `torch.load` does without `weights_only=` under the declared torch."""

    UNPICKLES = "torch older than 2.6"
    WEIGHTS_ONLY = "torch 2.6 or later"
    UNKNOWN = "unknown"


def cache_context(path: Path, settings: Settings) -> str:
    """MLS001's verdict on `torch.load` without `weights_only` follows the declared torch:
    part of the cache key (registry.CACHE_CONTEXTS), so a changed pin is checked again."""
    return f"torch:{torch_load_default(path, settings.root).name}"


def torch_load_default(path: Path, root: Path) -> TorchDefault:
    """The declared torch of the nearest folder (from `path`'s up to `root`) that declares one."""
    if os.path.islink(path):
        return _nearest_default(Path(os.path.realpath(path)).parent, root)
    return _nearest_default(path.parent, root)  # asked for every file of a folder: once


@cache
def _nearest_default(parent: Path, root: Path) -> TorchDefault:
    folder, top = Path(os.path.realpath(parent)), Path(os.path.realpath(root))
    return _declared_from(folder if folder.is_relative_to(top) else top, top)


@cache
def _declared_from(folder: Path, top: Path) -> TorchDefault:
    """The verdict of `folder` or, if it declares no torch, of the nearest folder above
    it up to `top` that does (each folder worked out once: files share their parents)."""
    found = folder_default(folder)
    if found is not None:
        return found
    if folder in (top, folder.parent):
        return TorchDefault.UNKNOWN
    return _declared_from(folder.parent, top)


@cache
def folder_default(directory: Path) -> TorchDefault | None:
    """The verdict of a folder's torch requirements (None: it declares no torch)."""
    requirements = _torch_requirements(directory)
    if not requirements:
        return None
    # An extra or a dependency group is an alternative: what is always installed decides.
    base = [r for r in requirements if r.base] or requirements
    verdicts = {_requirement_default(r) for r in base}
    decided = verdicts - {TorchDefault.UNKNOWN}
    return decided.pop() if len(decided) == 1 else TorchDefault.UNKNOWN


def _torch_requirements(directory: Path) -> list[Requirement]:
    found: list[Requirement] = []
    for path in _manifests(directory):
        reader = manifest_reader(path)
        if reader is None:
            continue
        try:
            manifest = reader(path)
        except ManifestError:
            continue  # the deps checker reports it
        found.extend(r for r in manifest.requirements if r.name == "torch")
    return found


def _manifests(directory: Path) -> list[Path]:
    paths = _files(directory)
    folder = directory / "requirements"
    if folder.is_dir():
        paths.extend(p for p in _files(folder) if is_requirements_file(p))
    return paths


# The endings of every name a manifest reader takes (manifest_reader decides): a folder
# of sources is listed without a Path for each file.
_MANIFEST_ENDINGS = (".toml", ".cfg", "setup.py", ".txt", ".in", ".yml", ".yaml")


def _files(directory: Path) -> list[Path]:
    try:
        with os.scandir(directory) as entries:
            return sorted(
                Path(e.path)
                for e in entries
                if e.name.lower().endswith(_MANIFEST_ENDINGS) and e.is_file(follow_symlinks=False)
            )
    except OSError:
        return []


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
