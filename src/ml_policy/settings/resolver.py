"""Per-folder settings: each file gets the nearest pyproject.toml with a `[tool.ml-policy]`
table above it, read once per run; a nested one that cannot be used is MLE001."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Any

from ml_policy.registry import added
from ml_policy.settings.cli_overrides import CliOverrides
from ml_policy.settings.codes import selects_nothing, selects_nothing_yet
from ml_policy.settings.errors import ConfigError
from ml_policy.settings.layers import build_settings, recorded_bundle
from ml_policy.settings.model import Settings
from ml_policy.settings.pyproject import TABLE, settings_table
from ml_policy.settings.tomlfile import key_line, read_toml
from ml_policy.settings.validation import checked_table


@dataclass(frozen=True)
class BrokenSettings:
    """A nested project's pyproject.toml that could not be used: MLE001 for that file."""

    path: Path
    line: int
    message: str


class SettingsResolver:
    """Find the settings for each file: the nearest pyproject.toml with a
    `[tool.ml-policy]` table above it (as Ruff does), each read once per run.

    The pyproject.toml of the working directory and of the folders above it
    are the run's own settings: a problem there stops the run. One below it (a
    vendored package, a test fixture) that cannot be used is reported as MLE001
    for that file, and its folder is checked with the nearest valid settings
    above it. A folder that `exclude` covers is never looked into for settings.
    """

    def __init__(self, cli: CliOverrides | None = None, cwd: Path | None = None) -> None:
        self._cli = cli or CliOverrides()
        self._cwd = Path(os.path.realpath(cwd or Path.cwd()))
        self._by_directory: dict[Path, Settings] = {}
        # Files arrive by the thousand from a few folders: the settings of a regular file
        # (not a symlink, which may point anywhere) are its folder's, so they are kept by
        # the folder as given, and each folder is resolved once.
        self._by_parent: dict[Path, Settings] = {}
        self._by_path: dict[Path, Settings] = {}
        self._defaults_settings: Settings | None = None
        self.broken: dict[Path, BrokenSettings] = {}
        self.warnings: dict[str, None] = {}  # in order, each once
        self.notes: dict[str, None] = {}  # what check-config accepted or could not check, and why

    def for_path(self, path: Path) -> Settings:
        # Every checker asks about every file: the answer for a path is kept.
        known = self._by_path.get(path)
        if known is None:
            known = self._by_path[path] = self._resolve(path)
        return known

    def _resolve(self, path: Path) -> Settings:
        try:
            regular_file = S_ISREG(os.lstat(os.path.join(self._cwd, path)).st_mode)
        except (OSError, ValueError):
            regular_file = False
        if regular_file:
            parent = path.parent
            settings = self._by_parent.get(parent)
            if settings is None:
                settings = self._for_directory(Path(os.path.realpath(self._cwd / parent)))
                self._by_parent[parent] = settings
            return settings
        absolute = Path(os.path.realpath(self._cwd / path))  # no RuntimeError on a symlink loop
        # os.path.isdir: False (not an exception) for a folder that cannot be entered.
        directory = absolute if os.path.isdir(absolute) else absolute.parent
        return self._for_directory(directory)

    def _for_directory(self, directory: Path) -> Settings:
        cached = self._by_directory.get(directory)
        if cached is not None:
            return cached
        pyproject = directory / "pyproject.toml"
        if self._is_own(directory):
            # The run's own settings: nearest first, and every problem is fatal.
            settings = self._read(pyproject) or self._above(directory)
        elif directory.is_relative_to(self._cwd):
            # Below the run: the settings above decide whether this folder is
            # excluded, in which case its pyproject.toml is never read.
            above = self._above(directory)
            excluded = above.is_excluded(pyproject)
            settings = above if excluded else self._read_nested(pyproject, lambda: above)
        else:
            # Beside the run (a path given outside the working directory): nearest first.
            settings = self._read_nested(pyproject, lambda: self._above(directory))
        self._by_directory[directory] = settings
        return settings

    def _is_own(self, directory: Path) -> bool:
        return directory == self._cwd or directory in self._cwd.parents

    def _above(self, directory: Path) -> Settings:
        parent = directory.parent
        return self._for_directory(parent) if parent != directory else self._defaults()

    def _read_nested(self, pyproject: Path, above: Callable[[], Settings]) -> Settings:
        """A nested project's settings; when they cannot be used, MLE001 and those above."""
        try:
            settings = self._read(pyproject)
        except ConfigError as error:
            fallback = above()
            folder, source = self._shown(pyproject.parent), self._describe(fallback)
            message = f"{error.detail}; the files below {folder} are checked with {source}"
            self.broken[pyproject] = BrokenSettings(pyproject, error.line or 1, message)
            return fallback
        return settings or above()

    def _describe(self, settings: Settings) -> str:
        if settings.source is None:
            return "the default settings (ml-strict) instead"
        return f"the settings of {self._shown(settings.source)} instead"

    def _shown(self, path: Path) -> str:
        return Path(os.path.relpath(path, self._cwd)).as_posix()

    def _read(self, pyproject: Path) -> Settings | None:
        try:
            if not S_ISREG(os.stat(pyproject).st_mode):
                return None
        except (OSError, ValueError):
            return None  # none there, or a folder that cannot be entered: nothing to read
        text, document = read_toml(pyproject)
        table = settings_table(pyproject, text, document)
        if table is None:
            return None
        checked_table(pyproject, text, table, TABLE)
        bundle = recorded_bundle(table.get("bundle"), pyproject)
        layers = [bundle.ml_policy_settings(), table]
        settings = build_settings(pyproject.parent, pyproject, layers, bundle.release)
        self._warn_selects_nothing(pyproject, text, table, settings)
        return self._cli.apply(settings)

    def _warn_selects_nothing(
        self, pyproject: Path, text: str, table: Mapping[str, Any], settings: Settings
    ) -> None:
        """A selector of the user's that turns nothing on: a family of a later release, or
        rules newer than the recorded bundle (those only their full code selects)."""
        for key in ("select", "extend-select"):
            for code in table.get(key, ()):
                held = sorted(c for c in settings.held_back if c.startswith(code))
                if selects_nothing(code):
                    problem = selects_nothing_yet(code)
                elif held:
                    problem = (
                        f"{code!r} does not turn on {_codes(held)} under {settings.bundle}: "
                        f"they came with ml-policy {added(held[0])}, after the bundle; "
                        "`ml-policy upgrade` moves to a bundle that has them, or name each "
                        "by its full code"
                    )
                else:
                    continue
                where = f"{pyproject}:{key_line(text, TABLE, [key]) or 1}"
                self.warnings[f"{where}: [{TABLE}] {key}: {problem}"] = None

    def _defaults(self) -> Settings:
        if self._defaults_settings is None:
            bundle = recorded_bundle(None, None)
            layers = [bundle.ml_policy_settings()]
            settings = build_settings(self._cwd, None, layers, bundle.release)
            self._defaults_settings = self._cli.apply(settings)
        return self._defaults_settings


def _codes(codes: list[str]) -> str:
    if len(codes) <= 4:
        return ", ".join(codes)
    return f"{codes[0]} to {codes[-1]} ({len(codes)} rules)"
