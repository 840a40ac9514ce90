"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ml_policy.errors import PolicyError


class WriteError(PolicyError):
    """A file that cannot be written, with the reason, naming the file."""


def ensure_writable(path: Path) -> None:
    """Fail before anything is written if `path` could not be replaced.

    os.replace would happily swap out a read-only file in a writable folder
    (and root may write anything), so the mode bits are honoured explicitly:
    a user who made a file read-only meant it.
    """
    folder = path.parent
    if not folder.is_dir():
        raise WriteError(f"{folder}: not a directory")
    if path.exists() and not path.stat().st_mode & stat.S_IWUSR:
        raise WriteError(f"{path}: file is read-only; nothing was written")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WriteError(f"{folder}: directory is not writable; nothing was written")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    ensure_writable(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
