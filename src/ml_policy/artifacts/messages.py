"""The words of MLA findings: the size, the limit, the setting, and the fix."""

from __future__ import annotations

import math
from pathlib import PurePosixPath

from ml_policy.artifacts.policy import Limit

SETTINGS_TABLE = "[tool.ml-policy.artifacts]"
CLEAR_OUTPUTS = "nbstripout, or jupyter nbconvert --clear-output --inplace"


def human_size(size: int) -> str:
    """Bytes as the settings count them: kB (1024 bytes, rounded up) below 1 MB, else MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{math.ceil(size / 1024)} kB"
    if size < 1024**3:
        return f"{size / 1024**2:.1f} MB"
    return f"{size / 1024**3:.1f} GB"


def lfs_required(size: int, pattern: str) -> str:
    return (
        f"{human_size(size)} file must be tracked by git-lfs (lfs pattern {_quoted(pattern)} "
        f"in {SETTINGS_TABLE}): git lfs track {_quoted(pattern)}, then git add .gitattributes "
        "and the file again; or move it to object storage or the Hugging Face Hub"
    )


def too_large(size: int, limit: Limit, relative: str) -> str:
    if relative.endswith(".ipynb"):
        return (
            f"notebook is {human_size(size)}, over the {limit.kb} kB limit ({limit.setting}): "
            f"clear its outputs ({CLEAR_OUTPUTS}), split it, or raise the limit in {SETTINGS_TABLE}"
        )
    return (
        f"file is {human_size(size)}, over the {limit.kb} kB limit ({limit.setting}): "
        f"git lfs track {_quoted(_track_pattern(relative))}, move it to object storage or the "
        f"Hugging Face Hub, or raise the limit in {SETTINGS_TABLE}"
    )


def cell_outputs(count: int, kinds: tuple[str, ...]) -> str:
    what = f" ({', '.join(kinds)})" if kinds else ""
    plural = "output" if count == 1 else "outputs"
    return (
        f"code cell committed with {count} {plural}{what}: clear outputs ({CLEAR_OUTPUTS}) "
        f"or set allow-notebook-outputs = true in {SETTINGS_TABLE}"
    )


def not_checked(reason: str) -> str:
    return f"not checked for git-lfs: {reason}"


def notebook_too_big_to_read(limit_bytes: int) -> str:
    return f"outputs not checked: notebook larger than {limit_bytes >> 20} MB"


def _track_pattern(relative: str) -> str:
    """`*.pt` for a file with a suffix (the usual way to track weights), else its path."""
    suffix = PurePosixPath(relative).suffix
    return f"*{suffix}" if suffix else relative


def _quoted(pattern: str) -> str:
    return f'"{pattern}"'
