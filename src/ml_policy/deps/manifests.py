"""Which files the deps checker reads, by their names alone: manifests (with the reader of
each kind) and files of install commands.

Deciding needs no reader: the readers (and `packaging`, ruamel.yaml and libcst behind
them) are imported when a file is read, so a hook call the cache answers, or the
declared-torch lookup of the lint cache key, stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ml_policy import registry

if TYPE_CHECKING:
    from ml_policy.deps.model import Manifest

Reader = Callable[[Path], "Manifest"]

SETUP_PY = "setup.py"
_READERS = {
    "pyproject.toml": "ml_policy.deps.pyproject:read_pyproject",
    "setup.cfg": "ml_policy.deps.setupfiles:read_setup_cfg",
    SETUP_PY: "ml_policy.deps.setupfiles:read_setup_py",
    "conda": "ml_policy.deps.conda:read_conda_environment",
    "requirements": "ml_policy.deps.requirements:read_requirements_file",
}


def manifest_kind(path: Path) -> str | None:
    """ "pyproject.toml", "setup.cfg", "setup.py", "conda" or "requirements"; None for
    files that are not manifests."""
    name = path.name.lower()
    if name in ("pyproject.toml", "setup.cfg", SETUP_PY):
        return name
    if is_conda_environment(path) and ".github" not in path.parts:
        return "conda"
    if is_requirements_file(path):
        return "requirements"
    return None


def manifest_reader(path: Path) -> Reader | None:
    """How to read `path`, by its name; None for files that are not manifests."""
    kind = manifest_kind(path)
    if kind is None:
        return None
    return cast("Reader", registry.load(_READERS[kind]))


def is_conda_environment(path: Path) -> bool:
    name = path.name.lower()
    return name.startswith("environment") and name.endswith((".yml", ".yaml"))


def is_requirements_file(path: Path) -> bool:
    """requirements*.txt, dev-requirements.in, constraints*.txt, any .txt/.in in requirements/."""
    name = path.name.lower()
    if not name.endswith((".txt", ".in")):
        return False
    stem = name.rsplit(".", 1)[0]
    in_folder = path.parent.name.lower() in ("requirements", "requirement", "reqs")
    named = stem.startswith(("requirements", "constraints")) or stem.endswith(
        ("requirements", "constraints")
    )
    return in_folder or named


DOCKERFILE_NAME = re.compile(
    r"(dockerfile|containerfile)([._-].*)?|.*[._-](dockerfile|containerfile)"
)
# Files named like a Dockerfile that are something else: code about Dockerfiles
# (`dockerfile.py`), docs, templates (`Dockerfile.j2`), BuildKit's ignore file.
NOT_DOCKERFILE_SUFFIXES = (
    *(".py", ".pyi", ".ipynb", ".md", ".rst", ".txt", ".json", ".yaml", ".yml", ".toml"),
    *(".sh", ".bash", ".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".in"),
    *(".lock", ".orig", ".bak", ".swp", ".dockerignore"),
)


def is_dockerfile(path: Path) -> bool:
    """A Dockerfile or Containerfile by name (`Dockerfile.gpu`, `train.dockerfile`)."""
    name = path.name.lower()
    return bool(DOCKERFILE_NAME.fullmatch(name)) and not name.endswith(NOT_DOCKERFILE_SUFFIXES)


def is_command_file(path: Path) -> bool:
    """Dockerfiles, Containerfiles, shell scripts, GitHub workflows and notebooks."""
    return command_kind(path) is not None


def command_kind(path: Path) -> str | None:
    """ "dockerfile", "script", "notebook" or "workflow": how install commands are read."""
    if is_dockerfile(path):
        return "dockerfile"
    name = path.name.lower()
    if name.endswith((".sh", ".bash")):
        return "script"
    if name.endswith(".ipynb"):
        return "notebook"
    is_workflow_dir = path.parent.name == "workflows" and path.parent.parent.name == ".github"
    if is_workflow_dir and name.endswith((".yml", ".yaml")):
        return "workflow"
    return None
