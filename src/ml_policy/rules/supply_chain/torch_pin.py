"""Which torch a repository declares: whether its releases are older than a given one.

torch 2.6 turned `weights_only` on by default (before it, `torch.load(path)` runs any
pickle: MLS001), and 2.4 deprecated the `torch.<device>.amp` names (before it they are
the API: MLT004). The torch requirements are read with the deps checker's readers from
the manifests (`pyproject.toml`, `setup.cfg`, `setup.py`, conda environment files,
requirements files and a `requirements/` folder) of the checked file's folder, or of
the nearest folder above it, up to the settings root, that declares torch. Each folder
is read once per process.

Each requirement admits a range of releases (`==2.1.0`, `<2.6`, `~=2.4.0`, `>=2.6`);
it says "before R" when every release it admits is older than R, "since R" when every
one is R or newer, and nothing for a range across R or a constraint the readers cannot
compare (Poetry, conda prefixes). Only the requirements that are always installed (a
requirements file, `[project] dependencies`, `install_requires`) count when there are
any, not extras or dependency groups; several decide when some say the same and none
says the opposite.

For the lint cache key (`cache_context`, `amp_cache_context`), each folder's ranges are
also kept in the cache with the digest of every manifest they were read from, and used
while the folder's manifests are those, byte for byte: a warm run then imports neither
the readers nor `packaging` (torch_requirements.py).
"""

from __future__ import annotations

import enum
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ml_policy.deps.manifests import is_requirements_file, manifest_kind
from ml_policy.deps.source import digest_of, recording

if TYPE_CHECKING:
    from ml_policy.cache import Cache
    from ml_policy.config import Settings

Release = tuple[int, ...]
Range = tuple[Release, Release]  # the oldest and the newest release a requirement admits
Ranges = tuple[Range | None, ...]  # one per deciding requirement; None: not comparable

SAFE_LOAD_SINCE: Release = (2, 6)  # `weights_only=True` by default


class Declared(enum.Enum):
    """How the declared torch compares with a release."""

    BEFORE = "every declared torch is older"
    SINCE = "every declared torch is that release or newer"
    UNKNOWN = "unknown"


class TorchDefault(enum.Enum):
    """What `torch.load` does without `weights_only=` under the declared torch."""

    UNPICKLES = "torch older than 2.6"
    WEIGHTS_ONLY = "torch 2.6 or later"
    UNKNOWN = "unknown"


def cache_context(path: Path, settings: Settings, kept: Cache) -> str:
    """MLS001's verdict on `torch.load` without `weights_only` follows the declared torch:
    part of the cache key (registry.CACHE_CONTEXTS), so a changed pin is checked again."""
    return f"torch:{torch_load_default(path, settings.root, kept).name}"


def amp_cache_context(path: Path, settings: Settings, kept: Cache) -> str:
    """MLT004's verdict on the `torch.<device>.amp` names follows the declared torch too."""
    from ml_policy.rules.torchfix.deprecations import AMP_DEPRECATED_IN

    return f"torch-amp:{declared(path, settings.root, AMP_DEPRECATED_IN, kept).name}"


def torch_load_default(path: Path, root: Path, kept: Cache | None = None) -> TorchDefault:
    found = declared(path, root, SAFE_LOAD_SINCE, kept)
    if found is Declared.BEFORE:
        return TorchDefault.UNPICKLES
    return TorchDefault.WEIGHTS_ONLY if found is Declared.SINCE else TorchDefault.UNKNOWN


def declared(path: Path, root: Path, release: Release, kept: Cache | None = None) -> Declared:
    """How the torch of the nearest folder (from `path`'s up to `root`) that declares one
    compares with `release`."""
    if os.path.islink(path):
        ranges = _nearest_ranges(Path(os.path.realpath(path)).parent, root, kept)
    else:
        ranges = _nearest_ranges(path.parent, root, kept)  # once per folder: files share it
    return Declared.UNKNOWN if ranges is None else judge(ranges, release)


def judge(ranges: Ranges, release: Release) -> Declared:
    verdicts = {_judge_one(admitted, release) for admitted in ranges}
    decided = verdicts - {Declared.UNKNOWN}
    return decided.pop() if len(decided) == 1 else Declared.UNKNOWN


def _judge_one(admitted: Range | None, release: Release) -> Declared:
    if admitted is None:
        return Declared.UNKNOWN
    oldest, newest = admitted
    if newest < release:
        return Declared.BEFORE
    return Declared.SINCE if oldest >= release else Declared.UNKNOWN


@cache
def _nearest_ranges(parent: Path, root: Path, kept: Cache | None) -> Ranges | None:
    folder, top = Path(os.path.realpath(parent)), Path(os.path.realpath(root))
    return _declared_from(folder if folder.is_relative_to(top) else top, top, kept)


@cache
def _declared_from(folder: Path, top: Path, kept: Cache | None) -> Ranges | None:
    """The ranges of `folder` or, if it declares no torch, of the nearest folder above it
    up to `top` that does (each folder worked out once: files share their parents)."""
    found = folder_ranges(folder) if kept is None else _kept_ranges(folder, kept)
    if found is not None:
        return found
    if folder in (top, folder.parent):
        return None
    return _declared_from(folder.parent, top, kept)


def folder_ranges(directory: Path) -> Ranges | None:
    """The ranges of a folder's torch requirements (None: it declares no torch)."""
    return _read_folder(directory).ranges


def _kept_ranges(directory: Path, kept: Cache) -> Ranges | None:
    """folder_ranges, from the cache when the folder's manifests are the ones they were
    worked out from, byte for byte."""
    name = f"torch-declared:{directory}"
    record = kept.recall(name)
    if isinstance(record, dict) and _still_holds(record, directory):
        return _decoded(record.get("ranges"))
    reading = _read_folder(directory)
    if reading.read is not None:
        kept.keep(name, {"ranges": reading.ranges, "read": reading.read})
    return reading.ranges


def _decoded(value: object) -> Ranges | None:
    """Ranges as the cache keeps them (JSON lists), checked by `_still_holds`."""
    if not isinstance(value, list):
        return None
    return tuple(None if item is None else (tuple(item[0]), tuple(item[1])) for item in value)


def _well_formed(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, list) and all(item is None or _is_range(item) for item in value)


def _is_range(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and all(
            isinstance(release, list) and all(type(n) is int for n in release) for release in item
        )
    )


def _still_holds(record: dict[str, Any], directory: Path) -> bool:
    read = record.get("read")
    if not isinstance(read, dict) or not _well_formed(record.get("ranges", False)):
        return False
    listed = sorted(map(os.fspath, _manifests(directory)))
    return sorted(read) == listed and all(digest_of(path) == read[path] for path in listed)


class _Reading(NamedTuple):
    ranges: Ranges | None
    # The digest of each manifest read, by path; None when the verdict read anything else
    # (an include) or met an error: then it is worked out again on every run.
    read: dict[str, str | None] | None


@cache
def _read_folder(directory: Path) -> _Reading:
    from ml_policy.rules.supply_chain import torch_requirements

    manifests = _manifests(directory)
    with recording() as read:
        ranges, complete = torch_requirements.folder_ranges(manifests)
    only_manifests = complete and sorted(read) == sorted(map(os.fspath, manifests))
    return _Reading(ranges, read if only_manifests else None)


def _manifests(directory: Path) -> list[Path]:
    paths = [path for path in _files(directory) if manifest_kind(path) is not None]
    folder = directory / "requirements"
    if folder.is_dir():
        paths.extend(p for p in _files(folder) if is_requirements_file(p))
    return paths


# The endings of every name a manifest reader takes (manifest_kind decides): a folder
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
