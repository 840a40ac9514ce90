"""Which bundle `ml-policy init` applies to a repository, and why.

`--bundle` wins; then the bundle an earlier init recorded in pyproject.toml;
else a guess from a few signals at the top of the repository, printed with
the choice so that a wrong guess is seen and overridden at once:

- the deps mode the repository already declares (`[tool.ml-policy.deps]
  mode`): `library` is ml-library, `app` is ml-strict;
- a package: pyproject.toml `[project]` (or Poetry's `[tool.poetry]`) with a
  name and a `[build-system]`, a setup.py, or a setup.cfg with
  `[metadata] name`;
- marked never to be published: the classifier `Private :: Do Not Upload`,
  `[tool.uv] package = false`, `[tool.poetry] package-mode = false`;
- a lock file (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pixi.lock,
  conda-lock.yml, pylock.toml): the whole environment is pinned, as an
  application's is;
- a training layout: train*.py, finetune*.py or pretrain*.py at the top or in
  scripts/ or tools/, a configs/, config/ or conf/ folder of YAML files,
  notebooks at the top or in notebooks/;
- PyPI metadata: trove classifiers or project URLs.

A package without a lock file is a published library (ml-library), unless it
is marked private, or has a training layout and no PyPI metadata: a training
repository made installable for `pip install -e .`. Everything else is an
application or training repository (ml-strict). Only the top folder, the
folders named above and pyproject.toml, setup.cfg and setup.py are read.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from ml_policy import bundles
from ml_policy.confine import is_inside
from ml_policy.deps.lockfiles import is_lock_file
from ml_policy.files import read_regular

LIBRARY = "ml-library"
APPLICATION = bundles.DEFAULT_BUNDLE
OVERRIDE = "--bundle overrides"
PRIVATE_CLASSIFIER = "Private :: Do Not Upload"
TRAINING_SCRIPT = re.compile(r"(train|finetune|fine_tune|pretrain)\w*\.py", re.IGNORECASE)
SCRIPT_FOLDERS = ("scripts", "tools")
CONFIG_FOLDERS = ("configs", "config", "conf")
# A folder with more entries than this is listed only this far: the guess must not
# take long on a repository that keeps a dataset at its top. (Files with fixed
# names, pyproject.toml, setup.py and setup.cfg, are read by name.)
MAX_ENTRIES = 10_000
MAX_SETUP_BYTES = 1 << 20


@dataclass(frozen=True)
class Choice:
    """The bundle init applies (NAME or NAME@VERSION) and why, in the order decided."""

    ref: str
    reasons: tuple[str, ...]

    def explain(self) -> str:
        return f"{self.ref}: {'; '.join(self.reasons)}"


@dataclass(frozen=True)
class Signals:
    """What the top of a repository says about it; each is a phrase for the explanation."""

    declared_mode: str | None = None  # [tool.ml-policy.deps] mode, when set
    package: str | None = None  # how a package is built, e.g. "setup.py builds a package"
    private: str | None = None  # what marks the package as never published
    locks: tuple[str, ...] = ()  # lock file names
    training: tuple[str, ...] = ()  # e.g. "scripts/train.py", "configs/", "notebooks/"
    pypi: tuple[str, ...] = ()  # "classifiers", "project URLs"


def choose(root: Path, given: str | None, pyproject: Mapping[str, Any]) -> Choice:
    """The bundle for the repository at `root`, whose parsed pyproject.toml is `pyproject`."""
    if given:
        return Choice(given, ("given with --bundle",))
    recorded = recorded_bundle(pyproject)
    if recorded:
        return Choice(recorded, ("recorded in pyproject.toml by an earlier init", OVERRIDE))
    return guess(read_signals(root, pyproject))


def recorded_bundle(pyproject: Mapping[str, Any]) -> str | None:
    """The bundle a previous init recorded, so that re-running init keeps it."""
    bundle = _table(pyproject, "tool", "ml-policy").get("bundle")
    return bundle if isinstance(bundle, str) else None


def guess(signals: Signals) -> Choice:
    """ml-library for a package published to PyPI, ml-strict for everything else."""
    if signals.declared_mode is not None:
        bundle = LIBRARY if signals.declared_mode == "library" else APPLICATION
        mode = f'pyproject.toml sets [tool.ml-policy.deps] mode = "{signals.declared_mode}"'
        return Choice(bundle, (mode, OVERRIDE))
    package = signals.package
    if package is None:
        why = "no package is built here (no [build-system] with a name, setup.py or setup.cfg)"
    elif signals.private:
        why = f"{package}, but marked never to be published ({signals.private})"
    elif signals.locks:
        why = f"a lock file ({_and(signals.locks)}) pins the environment, as applications do"
    elif signals.training and not signals.pypi:
        why = (
            f"{package}, no lock file, but a training layout ({_and(signals.training)}) "
            "and no classifiers or project URLs for PyPI"
        )
    else:
        pypi = f", {_and(signals.pypi)} for PyPI" if signals.pypi else ""
        return Choice(LIBRARY, (f"{package}, no lock file{pypi}", OVERRIDE))
    return Choice(APPLICATION, (why, OVERRIDE))


def read_signals(root: Path, pyproject: Mapping[str, Any]) -> Signals:
    top = _entries(root)
    setup_cfg, setup_py = _setup_cfg(root), _read(root / "setup.py")
    return Signals(
        declared_mode=_declared_mode(pyproject),
        package=_package(pyproject, setup_cfg, setup_py),
        private=_private(pyproject),
        locks=tuple(name for name in _files(top) if is_lock_file(name)),
        training=_training(root, top),
        pypi=_pypi(pyproject, setup_cfg, setup_py),
    )


def _declared_mode(pyproject: Mapping[str, Any]) -> str | None:
    mode = _table(pyproject, "tool", "ml-policy", "deps").get("mode")
    return mode if mode in ("app", "library") else None


def _package(
    pyproject: Mapping[str, Any], setup_cfg: Mapping[str, str], setup_py: str | None
) -> str | None:
    """How the repository builds a distribution, if it does."""
    build = _table(pyproject, "build-system")
    named = [t for t in ("project", "tool.poetry") if _has_name(_table(pyproject, *t.split(".")))]
    if build and named:
        return f"pyproject.toml has [{named[0]}] and a build backend ({_backend(build)})"
    if setup_py is not None:
        return "setup.py builds a package"
    if setup_cfg.get("name"):
        return "setup.cfg has [metadata] name"
    return None


def _has_name(table: Mapping[str, Any]) -> bool:
    name = table.get("name")
    return isinstance(name, str) and bool(name.strip())


def _backend(build: Mapping[str, Any]) -> str:
    """`hatchling.build` -> hatchling; without build-backend, pip and uv use setuptools."""
    backend = build.get("build-backend")
    if not isinstance(backend, str):
        return "setuptools"
    module = backend.split(".", 1)[0].strip()
    # The name is printed: anything but a plain module name is not repeated.
    return module.replace("_", "-") if re.fullmatch(r"\w{1,40}", module) else "declared"


def _private(pyproject: Mapping[str, Any]) -> str | None:
    if PRIVATE_CLASSIFIER in _strings(_table(pyproject, "project").get("classifiers")):
        return f"the classifier {PRIVATE_CLASSIFIER}"
    if _table(pyproject, "tool", "uv").get("package") is False:
        return "[tool.uv] package = false"
    if _table(pyproject, "tool", "poetry").get("package-mode") is False:
        return "[tool.poetry] package-mode = false"
    return None


def _pypi(
    pyproject: Mapping[str, Any], setup_cfg: Mapping[str, str], setup_py: str | None
) -> tuple[str, ...]:
    """The metadata a package has for PyPI: classifiers, project URLs."""
    project, poetry = _table(pyproject, "project"), _table(pyproject, "tool", "poetry")
    classifiers = [
        *_strings(project.get("classifiers")),
        *_strings(poetry.get("classifiers")),
        *setup_cfg.get("classifiers", "").split(),
    ]
    urls = (
        bool(_table(project, "urls"))
        or any(key in poetry for key in ("homepage", "repository", "documentation", "urls"))
        or any(setup_cfg.get(key) for key in ("url", "project_urls"))
        or bool(setup_py and re.search(r"\b(url|project_urls)\s*=", setup_py))
    )
    found = []
    if [c for c in classifiers if c != PRIVATE_CLASSIFIER] or "classifiers" in (setup_py or ""):
        found.append("classifiers")
    if urls:
        found.append("project URLs")
    return tuple(found)


def _training(root: Path, top: Mapping[str, bool]) -> tuple[str, ...]:
    """At most one example of each kind: a training script, configs, notebooks."""
    found = []
    scripts = [name for name in _files(top) if TRAINING_SCRIPT.fullmatch(name)]
    for folder in (f for f in SCRIPT_FOLDERS if top.get(f)):
        scripts += [
            f"{folder}/{n}" for n in _files(_entries(root / folder)) if TRAINING_SCRIPT.fullmatch(n)
        ]
    if scripts:
        found.append(scripts[0])
    configs = [f for f in CONFIG_FOLDERS if top.get(f) and _has(root / f, (".yaml", ".yml"))]
    if configs:
        found.append(f"{configs[0]}/")
    notebooks = [name for name in _files(top) if name.endswith(".ipynb")]
    if notebooks:
        found.append(notebooks[0])
    elif top.get("notebooks") and _has(root / "notebooks", (".ipynb",)):
        found.append("notebooks/")
    return tuple(found)


def _has(folder: Path, suffixes: tuple[str, ...]) -> bool:
    return any(name.endswith(suffixes) for name in _files(_entries(folder)))


def _files(entries: Mapping[str, bool]) -> list[str]:
    return [name for name, is_dir in entries.items() if not is_dir]


def _entries(folder: Path) -> dict[str, bool]:
    """{name: is a folder} of the first MAX_ENTRIES entries, by name; links are not followed."""
    try:
        with os.scandir(folder) as scan:
            found = {e.name: e.is_dir(follow_symlinks=False) for e in islice(scan, MAX_ENTRIES)}
    except OSError:
        return {}
    return dict(sorted(found.items()))


def _setup_cfg(root: Path) -> dict[str, str]:
    """setup.cfg's [metadata] section; empty when it cannot be read or parsed."""
    text = _read(root / "setup.cfg")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text or "")
    except configparser.Error:
        return {}
    return dict(parser["metadata"]) if parser.has_section("metadata") else {}


def _read(path: Path) -> str | None:
    """A small regular file inside the repository as text; None for anything else."""
    if not is_inside(path, path.parent):
        return None  # a link leading elsewhere: what it points to says nothing about this repo
    try:
        return read_regular(path, MAX_SETUP_BYTES).decode("utf-8", "replace")
    except OSError:
        return None


def _table(document: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    """The nested table at `keys`, or an empty one when any level is missing or not a table."""
    table: Any = document
    for key in keys:
        table = table.get(key) if isinstance(table, Mapping) else None
    return table if isinstance(table, Mapping) else {}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def _and(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
