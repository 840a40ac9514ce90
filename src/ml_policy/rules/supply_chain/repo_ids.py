"""Whether a literal names a remote repository (a Hub id) or a local path.

A Hugging Face id is `name` or `owner/name` of letters, digits, `-`, `_` and `.`;
anything else a loader is given as a string (`./x`, `/x`, `~/x`, `a/b/c`, `C:\\x`,
`model.bin`) is a path on disk. A bare `name` may also be a local folder, but
the loaders look on the Hub when no such folder exists, so it counts as remote.
"""

from __future__ import annotations

import re

_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")
# File names a loader may be given directly: weights, configs, archives.
_FILE_SUFFIXES = (
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".safetensors",
    ".json",
    ".yaml",
    ".yml",
    ".h5",
    ".msgpack",
    ".onnx",
    ".gguf",
    ".model",
    ".txt",
    ".zip",
    ".tar",
    ".gz",
    ".npz",
    ".pkl",
)


def is_hub_id(text: str) -> bool:
    """Whether `text` reads as a repository id rather than a path on disk."""
    return bool(_HUB_ID.fullmatch(text)) and not text.lower().endswith(_FILE_SUFFIXES)
