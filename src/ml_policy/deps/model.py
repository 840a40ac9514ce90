"""What the manifest readers return: requirements and index settings, each at its position."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from ml_policy.deps.errors import ManifestError
from ml_policy.suppress import Noqa
from ml_policy.textpos import Span


class Pin(enum.Enum):
    """How tightly a requirement fixes the version that gets installed."""

    EXACT = "exact"  # ==V (local label allowed), ===V, a hashed file URL, a VCS commit
    BOUNDED = "bounded"  # a range with an upper bound: <3, ~=2.1, ==2.*, ^2.1
    LOWER = "lower-only"  # >=2.1 or >2.1 and nothing above
    UNPINNED = "unpinned"  # no version, *, a branch or tag, != only, a URL without a hash
    UNKNOWN = "unknown"  # cannot tell (not a version we understand): the rules stay silent


class Kind(enum.Enum):
    """The kind of file a requirement was declared in."""

    REQUIREMENTS = "requirements file"
    PYPROJECT = "pyproject.toml"
    SETUP_CFG = "setup.cfg"
    SETUP_PY = "setup.py"
    CONDA = "conda environment"
    COMMAND = "install command"


@dataclass(frozen=True, kw_only=True)
class Position(Span):
    """A span in a named file: where a manifest or command wrote a requirement or setting."""

    path: Path

    @classmethod
    def on_line(
        cls, path: Path, line: int, column: int, end_column: int, cell: int | None = None
    ) -> Position:
        """A span within one line: what the deps readers report."""
        return cls(line, column, line, end_column, cell, path=path)


@dataclass(frozen=True)
class Requirement:
    """One declared dependency, classified."""

    name: str  # PEP 503 normalised; conda aliases resolved (pytorch -> torch)
    text: str  # as written, e.g. "torch>=2.1" or "pytorch=2.1"
    pin: Pin
    position: Position
    kind: Kind
    section: str  # where in the file, for messages: "[project] dependencies", "pip install"
    version: str | None = None  # the pinned version (with any local label) when pin is EXACT
    detail: str = ""  # why it is unpinned when that needs saying (a branch, a URL without hash)
    published: bool = False  # part of a package's published metadata ([project], install_requires)
    lockable: bool = False  # a tracked lock file next to it or above covers its ranges
    constraint: bool = False  # only constrains versions (-c files, uv constraint/override lists)
    # Installed whenever the manifest is (a requirements file, [project] dependencies,
    # install_requires), so its version bounds every other mention of the package.
    base: bool = False
    installer: str = ""  # in an install command: "pip", "uv-pip", "uv-add" or "conda"


@dataclass(frozen=True)
class IndexSetting:
    """An index option that makes an installer mix indexes (--extra-index-url, ...)."""

    option: str  # "--extra-index-url", "extra-index-url", "index-strategy"
    value: str
    position: Position


@dataclass(frozen=True)
class Manifest:
    """Everything read from one manifest (with the files it includes)."""

    path: Path
    kind: Kind
    requirements: tuple[Requirement, ...] = ()
    index_settings: tuple[IndexSetting, ...] = ()
    # Lines that could not be read (a malformed requirement, a missing include):
    # reported as MLE001 while the rest of the file is still checked.
    errors: tuple[ManifestError, ...] = field(default=())
    # Suppression comments of the manifest and its includes, read with their syntax.
    noqa: tuple[Noqa, ...] = ()
