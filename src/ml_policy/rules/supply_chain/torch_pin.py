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

For the lint cache key (`cache_context`), each folder's verdict is also kept in
the cache with the digest of every manifest it read, and used while the
folder's manifests are those, byte for byte: a warm run then imports neither
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


class TorchDefault(enum.Enum):
    """What `torch.load` does without `weights_only=` under the declared torch."""

    UNPICKLES = "torch older than 2.6"
    WEIGHTS_ONLY = "torch 2.6 or later"
    UNKNOWN = "unknown"


def cache_context(path: Path, settings: Settings, kept: Cache) -> str:
    """MLS001's verdict on `torch.load` without `weights_only` follows the declared torch:
    part of the cache key (registry.CACHE_CONTEXTS), so a changed pin is checked again.

    Each folder's verdict is kept in the cache beside the digests of the manifests it was
    read from, so that a warm one-file run neither imports the readers nor parses a
    manifest; it is kept only when those are all it read (no include, no error)."""
    return f"torch:{torch_load_default(path, settings.root, kept).name}"


def torch_load_default(path: Path, root: Path, kept: Cache | None = None) -> TorchDefault:
    """The declared torch of the nearest folder (from `path`'s up to `root`) that declares one."""
    if os.path.islink(path):
        return _nearest_default(Path(os.path.realpath(path)).parent, root, kept)
    return _nearest_default(path.parent, root, kept)  # asked for every file of a folder: once


@cache
def _nearest_default(parent: Path, root: Path, kept: Cache | None) -> TorchDefault:
    folder, top = Path(os.path.realpath(parent)), Path(os.path.realpath(root))
    return _declared_from(folder if folder.is_relative_to(top) else top, top, kept)


@cache
def _declared_from(folder: Path, top: Path, kept: Cache | None) -> TorchDefault:
    """The verdict of `folder` or, if it declares no torch, of the nearest folder above
    it up to `top` that does (each folder worked out once: files share their parents)."""
    found = folder_default(folder) if kept is None else _kept_default(folder, kept)
    if found is not None:
        return found
    if folder in (top, folder.parent):
        return TorchDefault.UNKNOWN
    return _declared_from(folder.parent, top, kept)


def folder_default(directory: Path) -> TorchDefault | None:
    """The verdict of a folder's torch requirements (None: it declares no torch)."""
    return _read_folder(directory).verdict


def _kept_default(directory: Path, kept: Cache) -> TorchDefault | None:
    """folder_default, from the cache when the folder's manifests are the ones it was
    worked out from, byte for byte."""
    name = f"torch-default:{directory}"
    record = kept.recall(name)
    if isinstance(record, dict) and _still_holds(record, directory):
        verdict = record.get("verdict")
        return None if verdict is None else TorchDefault[verdict]
    reading = _read_folder(directory)
    if reading.read is not None:
        verdict_name = None if reading.verdict is None else reading.verdict.name
        kept.keep(name, {"verdict": verdict_name, "read": reading.read})
    return reading.verdict


def _still_holds(record: dict[str, Any], directory: Path) -> bool:
    read, verdict = record.get("read"), record.get("verdict")
    if not isinstance(read, dict) or not (verdict is None or verdict in _VERDICT_NAMES):
        return False
    listed = sorted(map(os.fspath, _manifests(directory)))
    return sorted(read) == listed and all(digest_of(path) == read[path] for path in listed)


_VERDICT_NAMES = tuple(verdict.name for verdict in TorchDefault)  # compared with ==: never hashed


class _Reading(NamedTuple):
    verdict: TorchDefault | None
    # The digest of each manifest read, by path; None when the verdict read anything else
    # (an include) or met an error: then it is worked out again on every run.
    read: dict[str, str | None] | None


@cache
def _read_folder(directory: Path) -> _Reading:
    from ml_policy.rules.supply_chain.torch_requirements import folder_verdict

    manifests = _manifests(directory)
    with recording() as read:
        verdict, complete = folder_verdict(manifests)
    only_manifests = complete and sorted(read) == sorted(map(os.fspath, manifests))
    return _Reading(verdict, read if only_manifests else None)


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
