"""Crash-safe writes that change only the files they name, and only inside the repository.

How `write_all` goes:

1. Every target is checked before any is written, so one read-only file, a
   symbolic link leading outside the repository or a hard-linked file stops
   the run with nothing written, and the error names each such file.
2. Each new content goes to a temporary file beside its target
   (`.NAME.XXXXXXXX.tmp`, locked while in use), is synced, and takes the
   target's mode; a new file gets the mode the umask gives (0644 under 022).
3. Only when every temporary file is complete are they renamed over their
   targets, one after the other. A kill between two renames leaves the
   remaining temporary files behind: they are how the next run knows that an
   update was cut short (`leftovers`); it removes them and completes it.
4. Files planned for removal (settings moved into another file by
   `init --migrate`) are deleted last, once every new content is in place: a
   run killed before then leaves the old file beside the new settings, never
   the settings nowhere, and running init again completes the move.

Links are never broken. A symbolic link is written through to the file it
leads to when that file is inside the repository (the link stays a link);
one leading outside is refused, naming the link, since no path from input or
configuration may make ml-policy write outside the repository. A file with
several hard links is refused: rewriting it in place would change its other
names too, which may be anywhere (a package cache, another checkout) and
which nothing here can see, and an in-place rewrite cannot be crash-safe;
replacing it would silently split the link.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ml_policy.confine import work_tree
from ml_policy.errors import PolicyError

# tempfile's alphabet and length: temporary files left by ml-policy 0.1.0 (mkstemp) match too.
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
_RANDOM_LENGTH = 8
_BATCH = 256  # temporary files held open (and locked) at once: well below any descriptor limit


class WriteError(PolicyError):
    """A file that cannot be written, with the reason, naming the file."""


@dataclass(frozen=True)
class Written:
    """What a write changed: the files written (as named), and leftovers of a killed run removed."""

    paths: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)  # files planned for removal, removed


@dataclass
class _Staged:
    path: Path  # as the caller named it: messages use it
    file: Path  # what is replaced: `path`, or the file its symbolic link leads to
    temporary: Path
    descriptor: int  # open, and locked, until the rename is done


def write_atomic(path: Path, data: bytes, root: Path | None = None) -> None:
    """Write one file as `write_all` does."""
    write_all([(path, data)], root)


def write_all(
    files: Sequence[tuple[Path, bytes]], root: Path | None = None, delete: Sequence[Path] = ()
) -> Written:
    """Write every `(path, data)` and then delete every path of `delete`, checking
    all before changing any.

    Writes stay in the repository (the git work tree, else the folder) holding
    `root`, or by default each file's own. Files are staged and renamed in
    batches of _BATCH (open descriptors are limited); when a file system fails
    half-way (a full disk), WriteError says which files were written and which
    were not, so nothing is ever written without being reported.
    """
    writes, aliases = _check_all(files, root)
    _check_deletions(delete, root)
    done = Written()
    items = [(path, file) for path, file, _ in writes]
    by_folder: dict[Path, set[str]] = {}
    for _, file, _ in writes:
        by_folder.setdefault(file.parent, set()).add(file.name)
    for folder, names in by_folder.items():
        done.removed.extend(remove(_leftovers_in(folder, names)))
    for start in range(0, len(writes), _BATCH):
        batch = writes[start : start + _BATCH]
        _commit_all(_stage_all(batch, done, items), done, items)
    done.paths.extend(aliases)
    _delete_all(delete, done)
    return done


def _check_deletions(paths: Sequence[Path], root: Path | None) -> None:
    """WriteError naming every path of `paths` that cannot be deleted: outside the
    repository, a symbolic link (its target would stay), not a regular file, or in
    a folder that is not writable."""
    problems = []
    for path in paths:
        where = _locate(path, root)
        if isinstance(where, str):
            problems.append(where)
        elif path.is_symlink():
            problems.append(f"{path}: a symbolic link; remove it by hand once its settings moved")
        elif not path.is_file():
            problems.append(f"{path}: not a regular file")
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            problems.append(f"{path.parent}: directory is not writable")
    if problems:
        raise WriteError("; ".join(problems) + "; nothing was written")


def _delete_all(paths: Sequence[Path], done: Written) -> None:
    """Delete `paths` after every write; WriteError saying what was done if one fails."""
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass  # gone already: the outcome wanted
        except OSError as error:
            written = ", ".join(map(str, done.paths)) or "nothing"
            raise WriteError(
                f"{path}: cannot be removed ({error.strerror or error}); written: {written}; "
                "running init again completes the move"
            ) from None
        done.deleted.append(path)
    _sync_folders({path.parent for path in done.deleted})


def locate(path: Path, root: Path | None = None) -> Path:
    """The file a write to `path` replaces: `path`, or where its symbolic link leads.

    WriteError for a link (or a linked folder) that leads outside the repository
    or to no file.
    """
    found = _locate(path, root)
    if isinstance(found, str):
        raise WriteError(f"{found}; nothing was written")
    return found


def _locate(path: Path, root: Path | None) -> Path | str:
    """`locate`'s answer, or why there is none (naming `path`, never where it leads)."""
    boundary = repository_root(path if root is None else root)
    real = Path(os.path.realpath(path))
    link = path.is_symlink()
    if not real.is_relative_to(os.path.realpath(boundary)):
        if link:
            where = "a symbolic link to a file outside the repository"
        elif Path(os.path.abspath(path)).is_relative_to(boundary):
            where = "in a linked folder that leads outside the repository"
        else:
            where = "outside the repository"
        return f"{path}: {where}, which ml-policy does not write to"
    if link and not real.is_file():
        return f"{path}: a symbolic link to a missing file"
    return real if link else path


def repository_root(start: Path) -> Path:
    """The git work tree holding `start` (a folder, or a file's folder): the nearest
    folder up with a `.git` file or folder; outside git, that folder itself."""
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    return work_tree(folder) or folder


def leftovers(path: Path, root: Path | None = None) -> list[Path]:
    """Our temporary files beside the file a write to `path` replaces that no running
    write holds: left by a killed run. None for a path that `locate` refuses.

    Only names of exactly our pattern, regular files of this user, count.
    """
    file = _locate(path, root)
    return [] if isinstance(file, str) else _leftovers_in(file.parent, {file.name})


_TEMPORARY = re.compile(rf"\.(.+)\.[{_ALPHABET}]{{{_RANDOM_LENGTH}}}\.tmp")


def _leftovers_in(folder: Path, names: set[str]) -> list[Path]:
    """`leftovers` of the files `names` in `folder`, the folder listed once."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return []
    return [
        folder / entry
        for entry in entries
        if (match := _TEMPORARY.fullmatch(entry)) and match[1] in names
        if _abandoned(folder / entry)
    ]


def remove(paths: Sequence[Path]) -> list[Path]:
    """Delete `paths` (leftovers); the ones actually removed."""
    removed = []
    for path in paths:
        try:
            path.unlink()
        except OSError:
            continue  # gone already, or not ours to delete after all: left alone
        removed.append(path)
    return removed


def _check_all(
    files: Sequence[tuple[Path, bytes]], root: Path | None
) -> tuple[list[tuple[Path, Path, bytes]], list[Path]]:
    """The writes to do as (path, target file, data), and the paths that need none:
    links to a file another write gives the same data. WriteError naming every
    path that cannot be written."""
    problems: list[str] = []
    writes: list[tuple[Path, Path, bytes]] = []
    aliases: list[Path] = []
    first: dict[Path, tuple[Path, bytes]] = {}
    for path, data in files:
        file = _locate(path, root)
        if isinstance(file, str):
            problems.append(file)
            continue
        problem = _problem(path, file)
        if problem is not None:
            problems.append(problem)
            continue
        real = Path(os.path.realpath(file))
        if real not in first:
            first[real] = (path, data)
            writes.append((path, file, data))
        elif first[real][1] == data:
            aliases.append(path)  # a link to a file written anyway, with the same text
        else:
            problems.append(f"{path}: the same file as {first[real][0]}, with other changes")
    if problems:
        raise WriteError("; ".join(problems) + "; nothing was written")
    return writes, aliases


def _problem(path: Path, file: Path) -> str | None:
    """Why `file` (the target of `path`) cannot be replaced, or None.

    os.replace would happily swap out a read-only file in a writable folder (and
    root may write anything), so the mode bits are honoured explicitly: a user
    who made a file read-only meant it.
    """
    folder = file.parent
    if not folder.is_dir():
        return f"{folder}: not a directory"
    try:
        info = os.lstat(file)
    except FileNotFoundError:
        info = None
    except OSError as error:
        return f"{path}: cannot be examined ({error.strerror})"
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            return f"{path}: not a regular file"
        if info.st_nlink > 1:
            return (
                f"{path}: has {info.st_nlink} hard links; ml-policy rewrites no hard-linked file "
                "(the other names, perhaps outside the repository, would change too): "
                "make it a file of its own first"
            )
        if not info.st_mode & stat.S_IWUSR or not os.access(file, os.W_OK):
            return f"{path}: file is read-only"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder}: directory is not writable"
    return _name_problem(path, file)


def _name_problem(path: Path, file: Path) -> str | None:
    """Whether the temporary file's name fits the file system (it is 14 bytes longer)."""
    try:
        limit = os.pathconf(file.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255  # what nearly every file system allows
    if len(os.fsencode(file.name)) + len(".." + "x" * _RANDOM_LENGTH + ".tmp") <= limit:
        return None
    return f"{path}: name too long to write safely (a temporary file beside it needs 14 more bytes)"


def _stage_all(
    batch: Sequence[tuple[Path, Path, bytes]], done: Written, items: Sequence[tuple[Path, Path]]
) -> list[_Staged]:
    """Every temporary file of `batch`, complete and synced; on failure none is left."""
    staged: list[_Staged] = []
    path = batch[0][0] if batch else Path()
    try:
        for path, file, data in batch:
            staged.append(_stage(path, file, data))
    except OSError as error:
        _discard(staged)
        raise _failure(path, error, done, items) from None
    except BaseException:
        _discard(staged)  # interrupted before any rename: nothing changed, nothing left
        raise
    return staged


def _stage(path: Path, file: Path, data: bytes) -> _Staged:
    mode = stat.S_IMODE(os.stat(file).st_mode) if file.exists() else None
    descriptor, temporary = _create_temporary(file)
    try:
        _lock(descriptor)
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        if mode is not None:
            os.fchmod(descriptor, mode)  # a rewritten file keeps its mode
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        temporary.unlink(missing_ok=True)
        raise
    return _Staged(path, file, temporary, descriptor)


def _create_temporary(file: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside `file`, opened for writing.

    Created with mode 0o666 like any editor's file, so the kernel applies the
    umask (and a folder's default ACL): a new file gets the mode the user expects.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        suffix = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
        temporary = file.parent / f".{file.name}.{suffix}.tmp"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue  # 37**8 names: a clash is rare, and a retry settles it


def _commit_all(staged: list[_Staged], done: Written, items: Sequence[tuple[Path, Path]]) -> None:
    for index, item in enumerate(staged):
        try:
            os.replace(item.temporary, item.file)
        except OSError as error:
            _discard(staged[index:])
            raise _failure(item.path, error, done, items) from None
        os.close(item.descriptor)  # the lock goes with it, once the temporary name is gone
        done.paths.append(item.path)
        # Interrupted (^C) after this point: the remaining temporary files stay, and
        # mark the update as cut short for the next run, as a kill does.
    _sync_folders({item.file.parent for item in staged})


def _discard(staged: Sequence[_Staged]) -> None:
    for item in staged:
        with contextlib.suppress(OSError):  # a descriptor that cannot close is closed
            os.close(item.descriptor)
        item.temporary.unlink(missing_ok=True)


def _failure(
    path: Path, error: OSError, done: Written, items: Sequence[tuple[Path, Path]]
) -> WriteError:
    """The error after a failed write, saying exactly what was and was not written."""
    reason = f"{path}: cannot be written ({error.strerror or error})"
    if not done.paths:
        return WriteError(f"{reason}; nothing was written")
    unwritten = [str(p) for p, _ in items if p not in done.paths]
    return WriteError(
        f"{reason}; written before the failure: {', '.join(map(str, done.paths))}; "
        f"not written: {', '.join(unwritten)}"
    )


def _sync_folders(folders: set[Path]) -> None:
    """Make the renames themselves durable (a crash soon after must not undo them)."""
    for folder in folders:
        try:
            descriptor = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(descriptor)
        except OSError:
            pass  # some file systems cannot sync a folder; the rename is still atomic
        finally:
            os.close(descriptor)


if sys.platform == "win32":  # pragma: no cover - no flock; ml-policy's CI is POSIX

    def _lock(descriptor: int) -> None:
        del descriptor

    def _abandoned(path: Path) -> bool:
        return path.is_file() and not path.is_symlink()

else:
    import fcntl

    def _lock(descriptor: int) -> None:
        """Hold a lock for as long as the temporary file is in use: a killed process drops it."""
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _abandoned(path: Path) -> bool:
        """A regular file of ours whose lock no process holds (its writer is gone)."""
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                return False
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a running write holds it
        finally:
            os.close(descriptor)
        return True
