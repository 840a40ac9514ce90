"""Reading a file named by the repository or its configuration, without trusting the name.

A name in a repository may be a symlink to anywhere (`/dev/zero`,
`~/.netrc`), a FIFO that blocks the reader forever, or gigabytes. Every file
the secrets checker reads goes through here: opened without blocking and
without following a symlink at its last component, accepted only as a
regular file, and read up to a size cap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from ml_policy.files import open_regular


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
