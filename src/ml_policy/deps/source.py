"""Read a manifest's text: every failure becomes a ManifestError naming the file and line."""

from __future__ import annotations

from pathlib import Path

from ml_policy.deps.errors import ManifestError
from ml_policy.files import MAX_BYTES, open_regular

# Notebooks (scanned for install commands) may be as large as the lint engine reads,
# MAX_BYTES. Manifests, scripts and workflows are parsed at 2-5 s per MB (YAML the
# slowest, benchmarks/large_files.py); none comes close to this.
MANIFEST_MAX_BYTES = 1024 * 1024


def read_text(path: Path) -> str:
    """The file decoded as UTF-8 (a BOM allowed), with line endings as Python reads them."""
    try:
        with open_regular(path) as handle:
            data = handle.read(MAX_BYTES + 1)  # a huge file is never read whole
    except OSError as error:
        raise ManifestError(path, f"cannot read: {error.strerror or error}") from None
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
