"""A repository initialised with ml-strict@2, changed, and checked for the drift traps."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import tomlkit
from conftest import write_files

from ml_policy import checkers, files
from ml_policy.config import CliOverrides, SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.drift.rule import _merge, initialised

BUNDLE = "ml-strict@2"
SOURCE = {
    "src/demo/__init__.py": "",
    "src/demo/train.py": "def train() -> None: ...\n",
    "tests/test_train.py": "def test_train() -> None: ...\n",
}


def pyproject(fragment: str = "", tail: str = "") -> str:
    """The initialised pyproject.toml with `fragment` merged key by key and `tail` appended."""
    document = tomlkit.parse(str(initialised(BUNDLE)["pyproject.toml"]))
    _merge(document, tomlkit.parse(fragment))
    return tomlkit.dumps(document) + tail


def findings(root: Path, changed: Mapping[str, str], codes: tuple[str, ...]) -> list[str]:
    """`path:line code` of each finding of `codes` in a repository with `changed` files."""
    write_files(root, {**initialised(BUNDLE), **SOURCE, **changed})
    resolver = SettingsResolver(CliOverrides(select=codes), cwd=root)
    found = files.discover([root], resolver)
    diagnostics: list[Diagnostic] = checkers.run_all(found, resolver, ("MLG",))
    return [
        f"{d.path.relative_to(root).as_posix()}:{d.line} {d.code}"
        for d in diagnostics
        if d.code in codes
    ]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)
