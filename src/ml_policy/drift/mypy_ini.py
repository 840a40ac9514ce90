"""MLG002 where mypy reads an INI file (`mypy.ini`, `.mypy.ini`, `setup.cfg`).

init writes the bundle's mypy settings into pyproject.toml only, and its plan judges
them there; a repository whose mypy reads an INI file (init reports it, `--migrate`
moves it) is judged here, where mypy reads it, with mypy's own parser: each flag the
bundle turns on (those its `strict = true` implies included) must be on there too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ml_policy import toolconfig
from ml_policy.apply.keyrules import MYPY_STRICT_FLAGS, mypy_flag, strict_value
from ml_policy.bundles import Bundle
from ml_policy.drift.project_wide import ini_line, mypy_options
from ml_policy.drift.trap import Trap
from ml_policy.toolconfig import PYPROJECT

CODE = "MLG002"


def traps(root: Path, bundle: Bundle) -> list[Trap]:
    reads = toolconfig.mypy(root).reads
    if reads is None or reads.path.name == PYPROJECT:
        return []  # no configuration, or pyproject.toml: init's plan judges it
    options = mypy_options(reads.path)
    if options is None:
        return []
    wanted = _bundle_flags(bundle.mypy())
    weak = [flag for flag, on in wanted.items() if _off(options, flag, on)]
    text = reads.path.read_text("utf-8-sig", errors="replace")
    name, header = reads.describe(root), ini_line(text, _is_mypy, None)
    found, unwritten = [], []
    for flag in weak:
        line = _written_line(text, flag)
        if line is None:
            unwritten.append(flag)  # not written there: mypy's default is the weaker one
            continue
        message = (
            f"{name}: {flag} = {not wanted[flag]}: weaker than {bundle.ref}, which sets "
            f"{flag} = {wanted[flag]}"
        )
        found.append(Trap(CODE, reads.path, line, message, key=f"mypy.{flag}"))
    if unwritten:
        settings = [f"{flag} = {wanted[flag]}" for flag in unwritten]
        shown = ", ".join(settings[:5]) + (
            f" and {len(settings) - 5} more" if len(settings) > 5 else ""
        )
        message = (
            f"{name} does not set {shown}, as {bundle.ref} does (`strict = True` sets most): "
            "weaker than the bundle; set them, or move the settings into pyproject.toml, "
            "where the bundle's are (`ml-policy init --migrate`)"
        )
        found.append(Trap(CODE, reads.path, header, message, key="mypy.strict"))
    return found


def _written_line(text: str, flag: str) -> int | None:
    """The line that sets `flag` in [mypy], in any of mypy's spellings; None if none does."""
    header = ini_line(text, _is_mypy, None)
    spellings = {flag, f"no_{flag}", flag.removeprefix("dis")}  # disallow_x / allow_x
    lines = {ini_line(text, _is_mypy, key) for key in spellings} - {header}
    return max(lines, default=None)  # mypy reads the section in order: the last one wins


def _bundle_flags(table: dict[str, Any]) -> dict[str, bool]:
    """Each mypy flag the bundle turns on or off, `strict = true` spelled out."""
    flags = dict(MYPY_STRICT_FLAGS) if table.get("strict") is True else {}
    for key, value in table.items():
        spelled = mypy_flag(key, value)
        if spelled is not None:
            flags[spelled[0]] = spelled[1]
        elif isinstance(value, bool) and key != "strict" and strict_value(key) is not None:
            flags[key] = value
    return flags


def _off(options: object, flag: str, on: bool) -> bool:
    value = getattr(options, flag, None)
    return isinstance(value, bool) and value != on


def _is_mypy(header: str) -> bool:
    return header == "mypy"
