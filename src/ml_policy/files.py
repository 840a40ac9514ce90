"""Which files a run looks at: the paths given, folders expanded the way git sees them.

Inside a git work tree a folder expands to `git ls-files --cached --others
--exclude-standard` (tracked plus untracked-but-not-ignored: exactly what
.gitignore allows); elsewhere to a walk that skips the usual tool and
environment folders. `exclude` from the settings applies to every file,
named or found, so a pre-commit hook honours it too.

Nothing is skipped in silence: a folder that cannot be listed or entered,
and a named file that cannot be reached, is reported (MLE001, "not
checked"). What is skipped on purpose is a cache: a folder holding a
CACHEDIR.TAG (https://bford.info/cachedir/), as ml-policy's own cache does,
unless git tracks that tag (committed files are always checked).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ml_policy.errors import PolicyError
from ml_policy.settings.errors import excerpt

if TYPE_CHECKING:
    from ml_policy.config import SettingsResolver

# Folders no policy check should descend into (Ruff skips the same kind).
SKIPPED_FOLDERS = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pytest_cache",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        "__pycache__",
        "__pypackages__",
        "_build",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)


# The Cache Directory Tagging Specification: a cache folder holds a file of this
# name that starts with this signature.
CACHEDIR_TAG = "CACHEDIR.TAG"
CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"


class PathError(PolicyError):
    """A path given on the command line that does not exist."""


@dataclass(frozen=True)
class Unchecked:
    """A folder or file that discovery could not look into: MLE001 "not checked"."""

    path: Path
    reason: str
    folder: bool = False


@dataclass
class Discovery:
    """The files to check, and what could not be looked at."""

    files: list[Path] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)


def discover(paths: Sequence[Path], resolver: SettingsResolver) -> list[Path]:
    """Every file to check under `paths`, each once, in a stable order."""
    return find(paths, resolver).files


def find(paths: Sequence[Path], resolver: SettingsResolver) -> Discovery:
    """The files to check under `paths` (each once, in a stable order), and what could not
    be read; PathError for a path that does not exist."""
    found: dict[Path, None] = {}
    unchecked: list[Unchecked] = []
    for path in paths:
        for candidate in _candidates(path, unchecked):
            if not resolver.for_path(candidate).is_excluded(candidate):
                found.setdefault(candidate, None)
    kept = [u for u in unchecked if not resolver.for_path(u.path).is_excluded(u.path, u.folder)]
    return Discovery(list(found), list(dict.fromkeys(kept)))


def _candidates(path: Path, unchecked: list[Unchecked]) -> Iterator[Path]:
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            raise PathError(f"{excerpt(str(path))}: file name too long") from None
        if error.errno in (errno.ENOENT, errno.ENOTDIR) and not os.path.lexists(path):
            raise PathError(f"{excerpt(str(path))}: no such file or directory") from None
        if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return iter([path])  # a broken link or a loop: the checkers say so
        unchecked.append(Unchecked(path, f"not checked: cannot read ({_reason(error)})"))
        return iter([])
    except ValueError:  # a NUL byte in the name
        raise PathError(f"{excerpt(str(path))!r}: not a valid file name") from None
    if stat.S_ISDIR(mode):
        return _expand(path, unchecked)
    # Not only regular files: each checker says why it cannot read a FIFO or a device.
    return iter([path])


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_regular(path: StrPath, follow_symlinks: bool = True) -> BinaryIO:
    """A regular file opened for reading; OSError for anything else.

    Opened without blocking, so a FIFO named like a source file fails at once
    ("not a regular file") instead of waiting for a writer forever. Without
    `follow_symlinks`, a symlink as the last component is refused too.
    """
    descriptor = os.open(path, _OPEN_FLAGS | (0 if follow_symlinks else _NO_FOLLOW))
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)  # before fdopen, which refuses a folder with its own error
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return os.fdopen(descriptor, "rb")


StrPath = str | os.PathLike[str]
# Larger "source", "config" or "text" is generated or data: reported as not checked instead.
MAX_BYTES = 20 * 1024 * 1024


def read_regular(path: StrPath, limit: int = MAX_BYTES, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file `path`; OSError for anything else or past `limit` bytes.

    For files read by a name from the repository or its configuration (a
    pyproject, a notebook, a file to fix, a cache entry): a FIFO, a device or a
    symlink to one is refused at once, and no more than `limit` bytes are ever read.
    """
    with open_regular(path, follow_symlinks) as handle:
        too_large = os.fstat(handle.fileno()).st_size > limit
        data = b"" if too_large else handle.read(limit + 1)  # a file may grow meanwhile
    if too_large or len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit >> 20} MB", str(path))
    return data


def real_path(path: Path) -> Path:
    """The absolute path with every symlink resolved, as far as it resolves.

    Path.resolve() raises RuntimeError on a symlink loop before Python 3.13;
    os.path.realpath stops at the loop instead.
    """
    return Path(os.path.realpath(path))


def _expand(folder: Path, unchecked: list[Unchecked]) -> Iterator[Path]:
    listed = _git_files(folder)
    if listed is None:
        yield from _walk(folder, unchecked, top=True)
        return
    unchecked.extend(
        Unchecked(folder / name, f"not checked: cannot list this folder ({reason})", True)
        for name, reason in listed.unreadable.items()
    )
    caches = _untracked_caches(folder, listed)
    for name in listed.names:  # git lists what it tracks even inside tool folders
        folders = name.split("/")[:-1]
        if not SKIPPED_FOLDERS.isdisjoint(folders) or _inside(folders, caches):
            continue
        if _inside(folders, listed.unreadable):
            continue  # said once, for the folder
        try:
            mode = os.lstat(os.path.join(folder, name)).st_mode
        except (FileNotFoundError, NotADirectoryError, ValueError):
            continue  # deleted but still tracked
        except OSError as error:
            unchecked.append(
                Unchecked(folder / name, f"not checked: cannot read ({_reason(error)})")
            )
            continue
        if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
            yield folder / name


def _inside(folders: list[str], prefixes: Collection[str]) -> bool:
    """Whether the folder path `folders` is one of `prefixes` or below one."""
    return bool(prefixes) and any(
        "/".join(folders[:n]) in prefixes for n in range(1, len(folders) + 1)
    )


@dataclass(frozen=True)
class _GitListing:
    names: list[str]  # relative to the folder, sorted
    tracked: frozenset[str]
    unreadable: dict[str, str]  # folders git could not open (relative to the folder): why


def _git_files(folder: Path) -> _GitListing | None:
    """The files git would show under `folder`, or None outside a work tree."""
    import subprocess  # only runs given a folder need it: not a hook call with file names

    try:
        result = subprocess.run(
            # -t tags each name: "H" tracked, "?" untracked (and others for tracked states).
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-t", "-z"],
            cwd=folder,
            capture_output=True,
            check=False,
            timeout=60,
            env={**os.environ, "LC_ALL": "C"},  # warnings parsed below are in English
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    records = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    tagged = {record[2:]: record[0] for record in records if len(record) > 2}
    # In the order of sorted Paths, which compare part by part ("a/b" before "a-b").
    names = sorted(tagged, key=lambda name: name.split("/"))
    tracked = frozenset(name for name, tag in tagged.items() if tag != "?")
    return _GitListing(names, tracked, _unopened_folders(folder, result.stderr))


# git ls-files --others warns about each folder it cannot open, relative to the work tree.
UNOPENED = re.compile(rb"^warning: could not open directory '(.*)': (.*)$", re.MULTILINE)


def _unopened_folders(folder: Path, stderr: bytes) -> dict[str, str]:
    """{folder relative to `folder`: reason} for each folder git could not open below it."""
    warned = UNOPENED.findall(stderr)
    if not warned:
        return {}
    parents = (folder, *folder.absolute().parents)
    top = next((f for f in parents if os.path.lexists(f / ".git")), folder)
    found = {}
    for name, reason in warned:
        relative = os.path.relpath(top / os.fsdecode(name).rstrip("/"), folder)
        if not relative.startswith(".."):
            found[Path(relative).as_posix()] = reason.decode("utf-8", "replace").strip()
    return found


def _untracked_caches(folder: Path, listed: _GitListing) -> frozenset[str]:
    """Folders (relative) holding a cache tag git does not track; not the folder itself."""
    return frozenset(
        name.rpartition("/")[0]
        for name in listed.names
        if name.endswith(f"/{CACHEDIR_TAG}")
        and name not in listed.tracked
        and _is_cache_tag(folder / name)
    )


def _is_cache_tag(path: Path) -> bool:
    """Whether `path` is a regular file starting with the cache tag signature."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except (OSError, ValueError):
        return False
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        return os.read(descriptor, len(CACHEDIR_SIGNATURE)) == CACHEDIR_SIGNATURE
    except OSError:
        return False
    finally:
        os.close(descriptor)


def _walk(folder: Path, unchecked: list[Unchecked], top: bool = False) -> Iterator[Path]:
    """Regular files and symlinks below `folder`, without the skipped folders, sorted per folder.

    os.scandir's entries know their type without a stat call (except for symlinks).
    A folder below `top` that holds a cache tag is a cache: not walked.
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return  # gone since its parent was listed
    except OSError as error:
        unchecked.append(
            Unchecked(folder, f"not checked: cannot list this folder ({_reason(error)})", True)
        )
        return
    if not top and any(e.name == CACHEDIR_TAG and _is_cache_tag(Path(e.path)) for e in entries):
        return
    subfolders = []
    for entry in entries:
        if entry.is_symlink():
            if not _is_folder(entry):  # a link to a folder is neither walked nor listed
                yield folder / entry.name
        elif entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIPPED_FOLDERS:
                subfolders.append(entry.name)
        elif entry.is_file(follow_symlinks=False):
            yield folder / entry.name
    for name in subfolders:
        yield from _walk(folder / name, unchecked)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether a symlink points to a folder; not for a loop, listed and then reported unreadable."""
    try:
        return entry.is_dir()
    except OSError:
        return False
