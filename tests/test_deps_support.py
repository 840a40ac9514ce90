"""Shared helpers of the deps tests (no tests here): write manifests, run the MLD checker."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conftest import write_files

from ml_policy.checkers import RunOptions
from ml_policy.config import SettingsResolver
from ml_policy.deps.checker import check
from ml_policy.diagnostics import Diagnostic

Finding = tuple[str, int, str]  # (path relative to the root, line, code)


def diagnostics(root: Path, files: Mapping[str, str | bytes]) -> list[Diagnostic]:
    """Write `files` under `root` and check them all (settings resolved from `root`)."""
    paths = write_files(root, files)
    return check(paths, SettingsResolver(cwd=root), RunOptions())


def findings(root: Path, files: Mapping[str, str | bytes]) -> list[Finding]:
    """(file, line, code) of every finding, sorted."""
    return sorted(
        (d.path.relative_to(root).as_posix(), d.line, d.code) for d in diagnostics(root, files)
    )
