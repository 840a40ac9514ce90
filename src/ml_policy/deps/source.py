"""Read a manifest's text: every failure becomes a ManifestError naming the file and line."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ml_policy.deps.errors import ManifestError
from ml_policy.files import MAX_BYTES, StrPath, open_regular

# Notebooks (scanned for install commands) may be as large as the lint engine reads,
# MAX_BYTES. Manifests, scripts and workflows are parsed at 2-5 s per MB (YAML the
# slowest, benchmarks/large_files.py); none comes close to this.
MANIFEST_MAX_BYTES = 1024 * 1024


# While set (recording), the digest of every file read_text reads, None when it could not:
# what a verdict kept between runs was worked out from (torch_pin).
_read: dict[str, str | None] | None = None


@contextmanager
def recording() -> Iterator[dict[str, str | None]]:
    """The files read within, by path: their content digest, or None when unreadable."""
    global _read  # noqa: PLW0603 - one reader at a time in a process; restored on the way out
    outer, _read = _read, {}
    try:
        yield _read
    finally:
        if outer is not None:
            outer.update(_read)
        _read = outer


def digest_of(path: StrPath) -> str | None:
    """The content digest of `path` as read_text reads it; None when it cannot be read."""
    try:
        return _digest(_read_bytes(path))
    except OSError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: StrPath) -> bytes:
    with open_regular(path) as handle:
        return handle.read(MAX_BYTES + 1)  # a huge file is never read whole


def read_text(path: Path) -> str:
    """The file decoded as UTF-8 (a BOM allowed), with line endings as Python reads them."""
    try:
        data = _read_bytes(path)
    except OSError as error:
        if _read is not None:
            _read[os.fspath(path)] = None
        raise ManifestError(path, f"cannot read: {error.strerror or error}") from None
    if _read is not None:
        _read[os.fspath(path)] = _digest(data)
    limit = MAX_BYTES if path.suffix.lower() == ".ipynb" else MANIFEST_MAX_BYTES
    if len(data) > limit:
        raise ManifestError(path, f"not checked: larger than {limit >> 20} MB")
    if b"\0" in data:
        raise ManifestError(path, "not checked: a binary file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ManifestError(path, f"not valid UTF-8: {error.reason}", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
