"""Reading a file named by the repository or its configuration, without trusting the name.

A name in a repository may be a symlink to anywhere (`/dev/zero`,
`~/.netrc`), a FIFO that blocks the reader forever, or gigabytes. Every file
the secrets checker reads goes through here: opened without blocking and
without following a symlink at its last component, accepted only as a
regular file, and read up to a size cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from ml_policy.files import MAX_BYTES, open_regular


class RefusedError(Exception):
    """Why a file was not read; the message is the reason, without the file's name."""


def open_regular_file(path: Path) -> tuple[BinaryIO, int]:
    """The regular file `path` opened for reading, and its size.

    FileNotFoundError when there is none; RefusedError for a symlink (the
    caller resolves and confines links first), a FIFO, a device, a folder or
    any other reason the file cannot be opened.
    """
    try:
        handle = open_regular(path, follow_symlinks=False)
    except FileNotFoundError:
        raise
    except OSError as error:  # "not a regular file" for a FIFO, a device or a folder
        raise RefusedError(f"cannot read: {error.strerror or error}") from None
    return handle, os.fstat(handle.fileno()).st_size


def read_capped(handle: BinaryIO, size: int, limit: int, already: bytes = b"") -> bytes:
    """The rest of `handle` after `already`; RefusedError past `limit` bytes, even if it grows."""
    if size > limit:
        raise RefusedError(f"larger than {limit >> 20} MB")
    data = already + handle.read(limit + 1 - len(already))
    if len(data) > limit:
        raise RefusedError(f"larger than {limit >> 20} MB")
    return data


def read_regular(path: Path, limit: int) -> bytes:
    """Every byte of the regular file `path` (at most `limit`); see open_regular_file."""
    handle, size = open_regular_file(path)
    with handle:
        return read_capped(handle, size, limit)


def is_lexically_inside(path: Path, root: Path) -> bool:
    """Whether `path` stays below `root` as written (`..` and absolute paths count, links not)."""
    return Path(os.path.abspath(root / path)).is_relative_to(os.path.abspath(root))


class NotScannedError(Exception):
    """A file that could not be scanned, with the reason (it becomes an MLE001 finding)."""


_BINARY_SNIFF = 8192


def read_content(path: Path) -> bytes | None:
    """What git stores for `path`; None for what is not text (a NUL byte near the start)
    and for a file that is gone (deleted in the commit being checked).

    A symlink is judged as git stores it: the name of its target, which is
    never read through the link, whether in the repository (it is scanned
    under its own name) or outside it. Anything else must be a regular file
    under MAX_BYTES; NotScannedError says why not.
    """
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            return os.fsencode(os.readlink(path))
        if stat.S_ISDIR(mode):
            return None  # a folder given to the checker: its files are listed on their own
        handle, size = open_regular_file(path)  # no symlink (a race), no FIFO, no device
    except FileNotFoundError:
        return None
    except (OSError, RefusedError) as error:
        raise NotScannedError(_reason(error)) from None
    with handle:
        try:
            head = handle.read(_BINARY_SNIFF)
            if b"\0" in head:
                return None  # weights, archives, images: the artifact rules look at those
            return read_capped(handle, size, MAX_BYTES, head)
        except RefusedError as error:
            raise NotScannedError(f"not scanned for secrets: {error}") from None
        except OSError as error:
            raise NotScannedError(_reason(error)) from None


def _reason(error: OSError | RefusedError) -> str:
    if isinstance(error, RefusedError):
        return str(error)
    return f"cannot read: {error.strerror or error}"
