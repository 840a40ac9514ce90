"""`init --migrate`: move INI configuration into pyproject.toml, where the bundle is merged.

mypy reads one file; a mypy.ini, .mypy.ini or setup.cfg [mypy] it reads
hides [tool.mypy]. Migration converts that file's mypy sections by mypy's own
INI -> TOML rules (config_file.rst, "Using a pyproject.toml file"):

- `[mypy]` becomes `[tool.mypy]`;
- `[mypy-a.*,b]` becomes `[[tool.mypy.overrides]]` with `module = ["a.*", "b"]`;
- a value takes the type mypy gives the option (mypy.options.Options and the
  INI parsers of mypy.config_parser): booleans (`True`, `yes`, `1`, ...) become
  TOML booleans, numbers numbers, comma-separated lists arrays, and `exclude`
  (one regular expression in INI) a one-element array.

The INI file is then removed, or, for setup.cfg, only its mypy sections,
by a text edit that leaves every other byte as it was (configparser would
lose the comments). A .bandit file moves to [tool.bandit] the same way
(`skips`, `tests`, `exclude` -> `exclude_dirs`), unless it sets run options
(`targets`, `recursive`, `level`, ...) that only a command line has; then it
stays, and ml-policy-bandit keeps reading it with --ini.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.textfile import InputError, TextStyle, read_text
from ml_policy.toolconfig import BanditSettings, read_ini

# mypy options whose INI value is a comma-separated list (mypy.config_parser's
# ini_config_types); mypy_path also splits on ':' and stays a string, which TOML accepts.
_LISTS = {
    "files",
    "plugins",
    "always_true",
    "always_false",
    "untyped_calls_exclude",
    "enable_incomplete_feature",
    "disable_error_code",
    "enable_error_code",
    "package_root",
    "packages",
    "modules",
}
_STRINGS = {
    "python_version",  # "3.10" as a number would be 3.1
    "custom_typing_module",
    "custom_typeshed_dir",
    "mypy_path",
    "quickstart_file",
    "junit_xml",
    "junit_format",
    "follow_imports",
    "cache_dir",
    "python_executable",
}


@dataclass(frozen=True)
class Migration:
    """Settings moved out of an INI file: the TOML table, and the plan for the INI file."""

    table: Table
    source: FilePlan
    style: TextStyle


def is_mypy_section(name: str) -> bool:
    return name == "mypy" or name.startswith("mypy-")


def mypy_migration(path: Path) -> Migration:
    """[tool.mypy] from the mypy sections of `path`, and its removal."""
    parser = read_ini(path)
    table = tomlkit.table()
    table.add(tomlkit.comment(f"Moved from {path.name} by `ml-policy init --migrate`."))
    for key, value in _section(path, parser, "mypy").items():
        table.append(key, value)
    entries = tomlkit.aot()
    for name in parser.sections():
        if name.startswith("mypy-"):
            entries.append(_override(path, parser, name))
    if len(entries):
        table.append("overrides", entries)
    return Migration(table, *_without_mypy(path, parser))


def _override(path: Path, parser: configparser.RawConfigParser, name: str) -> Table:
    modules = [m.strip() for m in name.removeprefix("mypy-").split(",") if m.strip()]
    entry = tomlkit.table()
    entry.append("module", modules[0] if len(modules) == 1 else modules)
    for key, value in _section(path, parser, name).items():
        entry.append(key, value)
    return entry


def _section(path: Path, parser: configparser.RawConfigParser, name: str) -> dict[str, Any]:
    if not parser.has_section(name):
        return {}
    return {key: _value(path, name, key, raw) for key, raw in parser.items(name)}


def _value(path: Path, section: str, key: str, raw: str) -> Any:
    """An INI value as the TOML value mypy reads the same way."""
    if key in _LISTS:
        return [part.strip() for part in raw.split(",") if part.strip()]
    if key == "exclude":
        return [raw.strip()]
    if key in _STRINGS or key.endswith("_report") or key.startswith("x_"):
        return raw
    kind = _option_type(key)
    if kind is bool:
        state = configparser.RawConfigParser.BOOLEAN_STATES.get(raw.strip().lower())
        if state is None:
            raise InputError(path, f"[{section}] {key}: {raw!r} is not a boolean mypy accepts")
        return state
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            raise InputError(path, f"[{section}] {key}: {raw!r} is not a number") from None
    return raw


def _option_type(key: str) -> type | None:
    """The type mypy gives an option, through its spellings (`allow_x` for `disallow_x`,
    `no_x` for `x`, `show_x` for `hide_x`), as mypy.config_parser.parse_section does."""
    from mypy.options import Options

    names = [key]
    if key.startswith("no_"):
        names.append(key[3:])
    if key.startswith("allow"):
        names.append(f"dis{key}")
    if key.startswith("disallow"):
        names.append(key[3:])
    if key.startswith("show_"):
        names.append(f"hide_{key[5:]}")
    template = Options()
    for name in names:
        value = getattr(template, name, None)
        if value is not None:
            return type(value)
    return bool if key == "strict" else None


def _without_mypy(path: Path, parser: configparser.RawConfigParser) -> tuple[FilePlan, TextStyle]:
    """The plan for the INI file once its mypy sections moved: removed, or (setup.cfg)
    rewritten without them."""
    before, style = read_text(path)
    text = before or ""
    others = [s for s in parser.sections() if not is_mypy_section(s)]
    moved = Change(
        path.name, Action.REMOVED, "its mypy settings moved to pyproject.toml [tool.mypy]"
    )
    if path.name != "setup.cfg":
        if others:
            raise InputError(
                path,
                f"it also holds [{others[0]}], which is not mypy's: move it out, then run "
                "`ml-policy init --migrate` again",
            )
        return FilePlan(path, text, "", [moved], remove=True), style
    after = without_sections(path, text, is_mypy_section)
    change = Change("[mypy]", Action.REMOVED, "moved to pyproject.toml [tool.mypy]")
    return FilePlan(path, text, after, [change]), style


def bandit_removal(path: Path, settings: BanditSettings) -> tuple[FilePlan, TextStyle] | str:
    """The removal of a .bandit file whose settings move to [tool.bandit]; or why it stays."""
    if settings.other:
        keys = ", ".join(settings.other)
        return (
            f"{path.name} also sets {keys}, which [tool.bandit] cannot hold: it stays, "
            "and ml-policy-bandit reads it with --ini"
        )
    before, style = read_text(path)
    change = Change(path.name, Action.REMOVED, "its settings moved to pyproject.toml [tool.bandit]")
    return FilePlan(path, before or "", "", [change], remove=True), style


# --- removing INI sections by text ---------------------------------------------------

_HEADER = re.compile(r"\[(?P<name>[^\]]+)\]")
_COMMENT = re.compile(r"\s*[#;]")


def without_sections(path: Path, text: str, drop: Callable[[str], bool]) -> str:
    """`text` without the sections whose name `drop` accepts, every other byte kept.

    A section runs from its header to the next header. The comment lines right
    above a dropped header (no blank line between) describe it and go with it;
    those right above the next header stay with that one. The result is read
    back: every other section must hold exactly what it held.
    """
    lines = text.splitlines(keepends=True)
    # A header starts its line; an indented "[x]" continues a value.
    headers = [(i, m["name"].strip()) for i, line in enumerate(lines) if (m := _HEADER.match(line))]
    starts = [start for start, _ in headers]
    keep = [True] * len(lines)
    for index, (start, name) in enumerate(headers):
        if not drop(name):
            continue
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        end = _before_leading_comments(lines, start, end)
        begin = _before_leading_comments(lines, 0, start)
        for line in range(begin, end):
            keep[line] = False
    after = "".join(line for line, kept in zip(lines, keep, strict=True) if kept)
    _check_removal(path, text, after, drop)
    return after


def _before_leading_comments(lines: list[str], floor: int, header: int) -> int:
    """The first of the comment lines right above `header` (not below `floor`)."""
    line = header
    while line > floor and _COMMENT.match(lines[line - 1]):
        line -= 1
    return line


def _check_removal(path: Path, before: str, after: str, drop: Callable[[str], bool]) -> None:
    old, new = configparser.RawConfigParser(), configparser.RawConfigParser()
    try:
        old.read_string(before)
        new.read_string(after)
    except configparser.Error:
        new = configparser.RawConfigParser()
    wanted = {s: dict(old.items(s)) for s in old.sections() if not drop(s)}
    got = {s: dict(new.items(s)) for s in new.sections()}
    if got != wanted or dict(old.defaults()) != dict(new.defaults()):
        raise InputError(
            path,
            "its mypy sections cannot be removed by a text edit without touching the rest; "
            "remove them by hand after the migration (`ml-policy init --migrate --diff` shows it)",
        )
