"""MLG007's traps: configuration a tool never reads, or reads instead of the policy's.

- mypy reads mypy.ini or .mypy.ini before pyproject.toml, so either hides
  [tool.mypy], where init merges the bundle (setup.cfg comes after pyproject:
  it never hides it).
- Ruff reads .ruff.toml or ruff.toml before pyproject.toml in one folder, so
  either hides [tool.ruff], unless it `extend`s pyproject.toml.
- Ruff takes the closest configuration for each file, so a ruff.toml, .ruff.toml
  or a pyproject.toml with [tool.ruff] below the root replaces the policy for
  the code below it: unless it `extend`s the root configuration, and then only
  until it sets `select`, which starts the selection over (`extend-select`
  adds to it). Reported when the code there runs fewer rules than the root's
  configuration selects; folders without source code, or that the root's
  `exclude` leaves out, are not looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ml_policy import toolconfig
from ml_policy.config import ConfigError, read_toml
from ml_policy.drift import ruffglob
from ml_policy.drift.project import Project
from ml_policy.drift.trap import Trap
from ml_policy.ruffselect import RuffSelection, extend_chain, extended, layer, of_tables
from ml_policy.tomlpos import TomlPositions
from ml_policy.toolconfig import PYPROJECT, RUFF_FILES

CODE = "MLG007"
_SHOWN = 6  # selectors named in a message, at most


def traps(project: Project) -> list[Trap]:
    return [*_hidden(project.root, toolconfig.mypy(project.root)), *_ruff(project)]


def _hidden(root: Path, found: toolconfig.Found) -> list[Trap]:
    """The file a tool reads, when it hides pyproject's table (where the bundle lives)."""
    reads = found.reads
    hidden = [s for s in found.shadows if s.path.name == PYPROJECT]
    if reads is None or not hidden or reads.path.name == PYPROJECT:
        return []
    name = reads.describe(root)
    message = (
        f"{found.tool} reads {name} and ignores {hidden[0].describe(root)}, where the "
        f"bundle's settings are: move {name}'s settings there and delete it"
    )
    if found.tool == "mypy":
        message += " (`ml-policy init --migrate` does it)"
    else:
        message += f', or make it `extend = "{PYPROJECT}"`'
    return [Trap(CODE, reads.path, 1, message, key=name)]


def _ruff(project: Project) -> list[Trap]:
    root = project.root
    found = toolconfig.ruff(root)
    if found.reads is None:
        return []
    main = found.reads.path
    own = _table(main)
    reaches_pyproject = (root / PYPROJECT).resolve() in _paths(extended(own, root))
    found_traps = [] if reaches_pyproject else _hidden(root, found)
    policy = of_tables(extend_chain(own, root))
    excludes = [*_strings(own.get("exclude")), *_strings(own.get("extend-exclude"))]
    governed = _governed(project, excludes)
    for folder, count in sorted(governed.items()):
        trap = _nested(root, folder, count, main, policy)
        found_traps += [trap] if trap is not None else []
    return found_traps


def _governed(project: Project, excludes: list[str]) -> dict[str, int]:
    """Folders below the root with a Ruff configuration, and the source files it governs."""
    folders = {
        str(PurePosixPath(name).parent)
        for name in project.files
        if PurePosixPath(name).name in RUFF_FILES and "/" in name
    }
    folders = {
        f
        for f in folders
        if not ruffglob.excluded(f, excludes) and toolconfig.ruff(project.root / f).reads
    }
    counts: dict[str, int] = {}
    for name in project.sources:
        parents = PurePosixPath(name).parents
        closest = next((str(p) for p in parents if str(p) in folders), None)
        if closest is not None and not ruffglob.excluded(name, excludes):
            counts[closest] = counts.get(closest, 0) + 1
    return counts


def _nested(root: Path, folder: str, count: int, main: Path, policy: RuffSelection) -> Trap | None:
    reads = toolconfig.ruff(root / folder).reads
    if reads is None:
        return None
    own = _table(reads.path)
    chain = extended(own, reads.path.parent)
    nested = of_tables(extend_chain(own, reads.path.parent))
    named = [
        *(s for lay in policy.layers for s in (*(lay.select or ()), *lay.extend_select)),
        *layer(own).ignore,
    ]
    missing = [
        s for s in dict.fromkeys(named) if policy.enables_any(s) and not nested.enables_any(s)
    ]
    if not missing:
        return None
    name = f"{folder}/{reads.path.name}"
    base = main.relative_to(root).as_posix()
    off = ", ".join(missing[:_SHOWN]) + (", ..." if len(missing) > _SHOWN else "")
    files = f"{count} source file(s) below {folder}/"
    if main.resolve() not in _paths(chain):
        message = (
            f"Ruff reads {name} instead of {base} for the {files}, and it does not `extend` "
            f"{base}: {off} are off there; add `extend` pointing at {base}"
        )
        return Trap(CODE, reads.path, 1, message, key=name)
    key = "select" if layer(own).select is not None else "ignore"
    message = f"{name} extends {base}, but its `{key}` leaves {off} off for the {files}" + (
        "; `select` starts over, `extend-select` adds" if key == "select" else ""
    )
    return Trap(CODE, reads.path, _line(reads.path, key), message, key=name)


def _table(path: Path) -> Mapping[str, Any]:
    """The Ruff settings of a configuration file ({} when it cannot be read: Ruff says so)."""
    try:
        document = read_toml(path)[1]
    except ConfigError:
        return {}
    table = document.get("tool", {}).get("ruff", {}) if path.name == PYPROJECT else document
    return table if isinstance(table, Mapping) else {}


def _paths(chain: list[tuple[Path, Mapping[str, Any]]]) -> set[Path]:
    return {path.resolve() for path, _ in chain}


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _line(path: Path, key: str) -> int:
    """The line of a lint key (`lint.select`, or the deprecated top-level spelling)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return 1
    prefix = ("tool", "ruff") if path.name == PYPROJECT else ()
    positions = TomlPositions(text)
    return (
        positions.key_line([*prefix, "lint", key])
        if key in _lint_keys(path)
        else positions.key_line([*prefix, key])
    ) or 1


def _lint_keys(path: Path) -> set[str]:
    lint = _table(path).get("lint")
    return set(lint) if isinstance(lint, Mapping) else set()
