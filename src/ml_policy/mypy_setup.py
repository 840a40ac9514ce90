"""What the mypy hook needs from the project's mypy configuration before mypy runs.

- `exclude`: mypy applies it only while it walks folders; files named on the
  command line (as pre-commit names them) are checked even when excluded.
  The hook drops them first, matching them the way mypy itself does.
- `plugins`: mypy imports them into its own environment, which in a
  pre-commit hook is not the project's, so `pydantic.mypy` fails with "Error
  importing plugin". A plugin missing there is looked up in the project's
  interpreter and its folder is appended to mypy's import path.

The configuration is read by mypy's own option parser, so every place mypy
reads it from (`mypy.ini`, `.mypy.ini`, pyproject, `setup.cfg`,
`--config-file`) counts, with mypy's own precedence.
"""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MypySetup:
    args: list[str] | None  # None: every file given is excluded, so there is nothing to check
    plugins: tuple[str, ...] = ()


def read(args: Sequence[str]) -> MypySetup:
    """`args` without the files the configuration excludes, and the plugins it names."""
    from mypy.fscache import FileSystemCache
    from mypy.main import process_options
    from mypy.modulefinder import matches_exclude

    quiet = io.StringIO()
    try:
        sources, options = process_options(
            list(args), stdout=quiet, stderr=quiet, require_targets=False
        )
    except SystemExit:
        return MypySetup(list(args))  # a command line mypy refuses: mypy itself says why
    cache = FileSystemCache()
    given = set(args)
    excluded = {
        s.path
        for s in sources
        if s.path in given and matches_exclude(s.path, options.exclude, cache, verbose=False)
    }
    kept = [a for a in args if a not in excluded]
    if excluded and not any(s.path in given and s.path not in excluded for s in sources):
        return MypySetup(None, tuple(options.plugins))
    return MypySetup(kept, tuple(options.plugins))


# Run by the project's interpreter: where a module's top-level package lives, and its version.
_LOCATE = """
import importlib.util, os, sys
spec = importlib.util.find_spec(sys.argv[1])
where = ""
if spec is not None:
    if spec.submodule_search_locations:
        where = os.path.dirname(list(spec.submodule_search_locations)[0])
    elif spec.origin:
        where = os.path.dirname(spec.origin)
print(where)
print("%d.%d" % sys.version_info[:2])
"""


def plugin_path(plugins: Sequence[str], python: Path | None) -> tuple[list[str], list[str]]:
    """Folders to append to mypy's import path for `plugins`, and what to tell the user."""
    folders: list[str] = []
    notes: list[str] = []
    for plugin in plugins:
        module = plugin.split(":")[0]
        if module.endswith(".py") or "/" in module or _importable(module):
            continue  # a plugin file, or one mypy's environment has
        found = _locate(module.split(".")[0], python) if python else None
        if found is None:
            notes.append(_missing(module, python))
            continue
        folder, version = found
        folders.append(folder)
        notes.append(_borrowed(module, folder, version))
    return folders, notes


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module.split(".", maxsplit=1)[0]) is not None
    except (ImportError, ValueError):
        return False


def _locate(package: str, python: Path) -> tuple[str, str] | None:
    try:
        result = subprocess.run(
            [str(python), "-c", _LOCATE, package],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) != 2 or not lines[0]:
        return None
    return lines[0], lines[1]


def _missing(module: str, python: Path | None) -> str:
    where = f"the project environment ({python})" if python else "a project environment"
    package = module.split(".", maxsplit=1)[0]
    return (
        f"mypy plugin {module!r} is not installed in the hook's environment nor in {where}: "
        f"install {package} into .venv, or add it to the hook in .pre-commit-config.yaml "
        f"(`additional_dependencies: [{package}]` under `id: ml-policy-mypy`)"
    )


def _borrowed(module: str, folder: str, version: str) -> str:
    note = f"loading mypy plugin {module!r} from the project environment ({folder})"
    ours = "{}.{}".format(*sys.version_info[:2])
    if version != ours:
        package = module.split(".", maxsplit=1)[0]
        note += (
            f"; the project's Python is {version}, the hook's {ours}: if it fails to import, "
            f"add `additional_dependencies: [{package}]` under `id: ml-policy-mypy`"
        )
    return note
