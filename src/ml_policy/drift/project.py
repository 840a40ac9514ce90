"""A project's own code, for the drift traps: which setting covers "the whole project".

A pattern or module glob covers the whole project when it matches every source
file there is, and every file that could be added beside them (a probe in each
source folder), so naming one file, one legacy folder or the tests is not it.
Source files are the Python files git shows below the root, without tests,
scripts, examples, docs, benchmarks and vendored code (a setting scoped to those
is fine), in the src or the flat layout. A folder below the root with its own
LICENSE or COPYING file holds vendored code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

PYTHON_SUFFIXES = (".py", ".pyi")
# Folders and files a project-wide exception may leave out: the code that ships is elsewhere.
_NOT_SOURCE_FOLDERS = frozenset(
    {
        *("tests", "test", "testing", "scripts", "examples", "docs", "doc", "benchmarks"),
        *("vendor", "vendored", "_vendor", "third_party", "third-party", "external"),
    }
)
_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest|setup|noxfile|tasks)\.pyi?$")
_LICENCE = re.compile(r"^(LICEN[CS]E|COPYING)([._-].*)?$", re.IGNORECASE)
PROBE = "ml_policy_probe"  # the name of a module nobody wrote


@dataclass(frozen=True)
class Project:
    """The root of a project and the files git shows below it (relative, POSIX)."""

    root: Path
    files: tuple[str, ...]

    @classmethod
    def of(cls, root: Path, paths: Sequence[Path]) -> Project:
        # The folder resolved as the root is (a real path), the file's own name kept.
        real = [Path(os.path.realpath(Path(p).absolute().parent)) / Path(p).name for p in paths]
        found = [p.relative_to(root).as_posix() for p in real if p.is_relative_to(root)]
        return cls(root, tuple(sorted(found)))

    @cached_property
    def owned(self) -> tuple[str, ...]:
        """The files outside tests, scripts, docs and vendored code."""
        vendored = self._licensed_folders
        return tuple(
            name
            for name in self.files
            if _owned(PurePosixPath(name))
            and not any(str(p) in vendored for p in PurePosixPath(name).parents)
        )

    @cached_property
    def _licensed_folders(self) -> frozenset[str]:
        """Folders below the root with their own licence: code copied from elsewhere."""
        return frozenset(
            str(PurePosixPath(name).parent)
            for name in self.files
            if "/" in name and _LICENCE.match(PurePosixPath(name).name)
        )

    @cached_property
    def sources(self) -> tuple[str, ...]:
        """The project's own Python files."""
        return tuple(name for name in self.owned if is_source(name))

    @cached_property
    def probes(self) -> tuple[str, ...]:
        """The .py source files, and a new module in each of their folders."""
        found = [name for name in self.sources if name.endswith(".py")]
        folders = {str(PurePosixPath(name).parent) for name in found}
        new = sorted(f"{PROBE}.py" if f == "." else f"{f}/{PROBE}.py" for f in folders)
        return (*found, *new)

    @cached_property
    def top_modules(self) -> tuple[str, ...]:
        """The top-level packages and modules of the source files, as mypy names them."""
        names = set()
        for name in self.sources:
            parts = PurePosixPath(name).parts
            if parts[0] == "src" and len(parts) > 1:
                parts = parts[1:]
            first = parts[0].rsplit(".", 1)[0] if len(parts) == 1 else parts[0]
            if first.isidentifier():
                names.add(first)
        return tuple(sorted(names))


def is_source(name: str) -> bool:
    """Whether a relative POSIX path is a Python file of the project's own code."""
    path = PurePosixPath(name)
    if path.suffix not in PYTHON_SUFFIXES or _TEST_FILE.match(path.name):
        return False
    return _owned(path)


def _owned(path: PurePosixPath) -> bool:
    return _NOT_SOURCE_FOLDERS.isdisjoint(path.parts[:-1])
