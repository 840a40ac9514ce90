"""MLG008's traps: a setting that switches a check off for the whole project at once.

"The whole project" is every source file there is and every one that could be
added (drift.project): a setting scoped to tests, scripts, vendored code, one
legacy folder or one file is an exception, not this.

- mypy, read by mypy's own option parser from the file mypy reads (so a module
  glob matches exactly as mypy matches it: `*` alone matches nothing, `*.*`
  everything): `ignore_errors = true` or `follow_imports = "skip"` for every
  top-level package of the project, `ignore_missing_imports = true` for any
  module (every missing import becomes Any), an `exclude` that matches every
  source file (ml-policy-mypy drops excluded files, even those pre-commit names).
  `follow_imports = "silent"` is not reported: files named on the command line
  are checked in full, and pre-commit names every file it checks.
- Ruff, in the file Ruff reads at the root: a `per-file-ignores` pattern that
  matches every source file, for rules the bundle selects; an `exclude`,
  `extend-exclude` or `lint.exclude` that covers every source file.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml_policy import toolconfig
from ml_policy.apply.keyrules import MYPY_STRICT_FLAGS
from ml_policy.apply.ruffmerge import bundle_selection
from ml_policy.bundles import Bundle
from ml_policy.config import ConfigError, read_toml
from ml_policy.drift import ruffglob
from ml_policy.drift.project import PROBE, Project
from ml_policy.drift.trap import Trap
from ml_policy.tomlpos import TomlPositions
from ml_policy.toolconfig import PYPROJECT

if TYPE_CHECKING:
    from mypy.options import Options

CODE = "MLG008"
# mypy options that switch checking off, with the value that does it and what it means.
_MYPY_OFF: tuple[tuple[str, object, str], ...] = (
    ("ignore_errors", True, "no error is reported"),
    ("follow_imports", "skip", "imports of the project's modules are Any"),
)
_MISSING = ("ignore_missing_imports", True, "every missing import is silently Any")
_PER_FILE_IGNORES = (
    ("lint", "per-file-ignores"),
    ("lint", "extend-per-file-ignores"),
    ("per-file-ignores",),
    ("extend-per-file-ignores",),
)
_EXCLUDES = (("exclude",), ("extend-exclude",), ("lint", "exclude"))


def traps(project: Project, bundle: Bundle) -> list[Trap]:
    if not project.sources:
        return []
    return [*_mypy(project), *_ruff(project, bundle)]


# --- mypy ---------------------------------------------------------------------


def _mypy(project: Project) -> list[Trap]:
    reads = toolconfig.mypy(project.root).reads
    if reads is None:
        return []
    options = mypy_options(reads.path)
    if options is None:
        return []
    place = _MypyPlace(reads.path)
    found = []
    modules = [m for top in project.top_modules for m in (top, f"{top}.{PROBE}")]
    for flag, value, meaning in (*_MYPY_OFF, _MISSING):
        probes = [PROBE, f"{PROBE}.sub"] if flag == _MISSING[0] else modules
        if probes and all(getattr(options.clone_for_module(m), flag) == value for m in probes):
            found += place.flag_traps(options, flag, value, meaning, probes)
    found += place.exclude_traps(options.exclude, project.probes)
    return found


def mypy_options(path: Path) -> Options | None:
    """The options mypy reads from `path` (None when mypy cannot read it: mypy says so)."""
    from mypy.config_parser import parse_config_file
    from mypy.options import Options

    options = Options()
    quiet = io.StringIO()
    saved = os.environ.get("MYPY_CONFIG_FILE_DIR")
    try:
        parse_config_file(options, lambda: _set_strict(options), str(path), quiet, quiet)
    except (OSError, ValueError, SystemExit):
        return None
    finally:  # mypy records the folder for its own use; this process does not need it
        if saved is None:
            os.environ.pop("MYPY_CONFIG_FILE_DIR", None)
        else:
            os.environ["MYPY_CONFIG_FILE_DIR"] = saved
    return options


def _set_strict(options: Options) -> None:
    """What `strict = True` does where mypy reads it (mypy.main passes the same callback)."""
    for flag, value in MYPY_STRICT_FLAGS:
        setattr(options, flag, value)


class _MypyPlace:
    """Where in mypy's configuration file a setting was written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            self.text = ""
        self.toml = path.suffix == ".toml"

    def flag_traps(
        self, options: Options, flag: str, value: object, meaning: str, probes: list[str]
    ) -> list[Trap]:
        shown = f"{flag} = {_show(value)}"
        if getattr(options, flag) == value:
            message = f"{shown} for the whole project: {meaning}"
            return [Trap(CODE, self.path, self.global_line(flag), message, key=f"mypy.{flag}")]
        found: list[Trap] = []
        for pattern, values in options.per_module_options.items():
            if values.get(flag) != value or not any(_covers(options, pattern, m) for m in probes):
                continue
            message = (
                f"{shown} for module {pattern!r}, which covers the whole project: {meaning}; "
                "name the modules that need it"
            )
            line = self.pattern_line(pattern)
            if any(trap.line == line for trap in found):
                continue  # one entry naming several patterns: reported once
            found.append(
                Trap(CODE, self.path, line, message, key=f"mypy.overrides[{pattern}].{flag}")
            )
        return found

    def exclude_traps(self, excludes: Sequence[str], files: Sequence[str]) -> list[Trap]:
        compiled = _compiled(excludes)
        if not compiled or not all(any(e.search(name) for e in compiled) for name in files):
            return []
        message = (
            f"exclude {', '.join(map(repr, excludes))} matches every source file, so "
            "ml-policy-mypy checks none of them"
        )
        return [Trap(CODE, self.path, self.global_line("exclude"), message, key="mypy.exclude")]

    def global_line(self, flag: str) -> int:
        if self.toml:
            return TomlPositions(self.text).key_line(["tool", "mypy", flag]) or 1
        return ini_line(self.text, lambda header: header == "mypy", flag)

    def pattern_line(self, pattern: str) -> int:
        if not self.toml:
            return ini_line(self.text, lambda h: pattern in _ini_modules(h), None)
        literal = re.compile(rf"""["']{re.escape(pattern)}["']""")
        start = self.text.find("overrides")
        match = literal.search(self.text, max(start, 0))
        return self.text.count("\n", 0, match.start()) + 1 if match else 1


def _covers(options: Options, pattern: str, module: str) -> bool:
    """Whether a per-module section applies to `module`, by mypy's own matching."""
    if "*" in pattern[:-1]:
        return options.compile_glob(pattern).match(module) is not None
    if pattern.endswith(".*"):
        return module == pattern[:-2] or module.startswith(pattern[:-1])
    return module == pattern


def _compiled(excludes: Iterable[str]) -> list[re.Pattern[str]]:
    """mypy's `exclude` regular expressions (an invalid one excludes nothing: mypy says so)."""
    return [compiled for exclude in excludes if (compiled := _regex(exclude)) is not None]


def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _ini_modules(header: str) -> list[str]:
    if not header.startswith("mypy-"):
        return []
    return [m.strip() for m in header.removeprefix("mypy-").split(",")]


def ini_line(text: str, section: Callable[[str], bool], key: str | None) -> int:
    """The line of `key` in the first INI section `section` accepts (of the section
    itself when `key` is None, or when the key is not found)."""
    header_line = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if header_line is not None:
                break
            if section(stripped[1:-1].strip()):
                header_line = number
                if key is None:
                    return number
        elif header_line is not None and key and stripped.partition("=")[0].strip() == key:
            return number
    return header_line or 1


def _show(value: object) -> str:
    return "true" if value is True else f'"{value}"' if isinstance(value, str) else str(value)


# --- Ruff ---------------------------------------------------------------------


def _ruff(project: Project, bundle: Bundle) -> list[Trap]:
    reads = toolconfig.ruff(project.root).reads
    if reads is None:
        return []
    path = reads.path
    try:
        document = read_toml(path)[1]
    except ConfigError:
        return []
    prefix = ("tool", "ruff") if path.name == PYPROJECT else ()
    table = _at(document, prefix)
    if not isinstance(table, Mapping):
        return []
    positions = TomlPositions(path.read_text("utf-8-sig"))
    files = [name for name in project.probes if name.endswith(".py")]
    found = _ignores(path, positions, prefix, table, files, bundle)
    return found + _excludes(path, positions, prefix, table, files)


def _ignores(
    path: Path,
    positions: TomlPositions,
    prefix: tuple[str, ...],
    table: Mapping[str, Any],
    files: list[str],
    bundle: Bundle,
) -> list[Trap]:
    selection = bundle_selection(bundle)
    found = []
    for keys in _PER_FILE_IGNORES:
        patterns = _at(table, keys)
        if not isinstance(patterns, Mapping):
            continue
        for pattern, codes in patterns.items():
            if str(pattern).startswith("!") or not isinstance(codes, list):
                continue
            if not all(ruffglob.matches(str(pattern), name) for name in files):
                continue
            off = [str(c) for c in codes if selection.enables_any(str(c))]
            if not off:
                continue
            message = (
                f"per-file-ignores {pattern!r} matches every source file: {', '.join(off)} "
                "(selected by the bundle) are off for the whole project"
            )
            line = positions.key_line([*prefix, *keys, str(pattern)]) or 1
            key = "ruff." + ".".join(keys)
            found.append(Trap(CODE, path, line, message, key=key, entry=str(pattern)))
    return found


def _excludes(
    path: Path,
    positions: TomlPositions,
    prefix: tuple[str, ...],
    table: Mapping[str, Any],
    files: list[str],
) -> list[Trap]:
    found = []
    for keys in _EXCLUDES:
        patterns = _at(table, keys)
        if not isinstance(patterns, list):
            continue
        patterns = [str(p) for p in patterns]
        if not all(ruffglob.excluded(name, patterns) for name in files):
            continue
        wide = [p for p in patterns if any(ruffglob.excluded(n, [p]) for n in files)]
        message = (
            f"{'.'.join(keys)} {', '.join(map(repr, wide))} covers every source file, "
            "so Ruff checks none of them"
        )
        line = positions.key_line([*prefix, *keys]) or 1
        found.append(Trap(CODE, path, line, message, key="ruff." + ".".join(keys)))
    return found


def _at(table: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        table = table.get(key) if isinstance(table, Mapping) else None
    return table
