"""MLD002 overpinned-library-dependency: `==` on an ML package in a library's published metadata."""

from __future__ import annotations

from typing import ClassVar

from packaging.version import Version

from ml_policy.deps.model import Manifest, Pin, Requirement
from ml_policy.deps.rules.base import DepsRule
from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic


class OverpinnedLibraryDependency(DepsRule):
    """
    ## What it does
    In `library` mode (`[tool.ml-policy.deps] mode = "library"`), checks the
    published metadata - `[project]` dependencies and optional dependencies,
    Poetry's main dependencies, setup.cfg and setup.py `install_requires` and
    extras, and a requirements file they read into the dependencies - for `==`
    or `===` pins of ML packages.

    ## Why is this bad?
    Whatever a library pins, every project that installs it must use. Two
    libraries that pin different torch releases cannot be installed together,
    and users cannot take a security or CUDA fix until the library releases
    again. Libraries declare the range they support; applications and lock
    files pin.

    ## Example
    ```toml
    [project]
    dependencies = ["torch==2.5.1"]

    [tool.ml-policy.deps]
    mode = "library"
    ```

    ## Use instead
    ```toml
    [project]
    dependencies = ["torch>=2.3"]
    ```

    ## References
    - [Python Packaging User Guide: install_requires vs requirements files](https://packaging.python.org/en/latest/discussions/install-requires-vs-requirements/)
    """

    code = "MLD002"
    name = "overpinned-library-dependency"
    summary = "library pins an ML package exactly in its published dependencies"
    example_file = "pyproject.toml"
    invalid: ClassVar[tuple[str, ...]] = (
        '[project]\nname = "lib"\ndependencies = ["torch==2.5.1"]\n\n'
        '[tool.ml-policy.deps]\nmode = "library"\n',
    )
    valid: ClassVar[tuple[str, ...]] = (
        '[project]\nname = "lib"\ndependencies = ["torch>=2.3"]\n\n'
        '[tool.ml-policy.deps]\nmode = "library"\n',
    )

    @classmethod
    def check(cls, manifest: Manifest, policy: Policy) -> list[Diagnostic]:
        found = (cls._check(r, policy) for r in manifest.requirements)
        return [d for d in found if d is not None]

    @classmethod
    def _check(cls, requirement: Requirement, policy: Policy) -> Diagnostic | None:
        if not (policy.library and requirement.published) or requirement.pin is not Pin.EXACT:
            return None
        if requirement.name not in policy.ml_packages or requirement.version is None:
            return None
        message = (
            f"`{requirement.text}` pins {requirement.name} exactly in the published "
            f"{requirement.section} of a library: every project that installs it is forced "
            f"onto that one release and cannot resolve beside any other pin; declare the "
            f"range you support ({requirement.name}>={_short(requirement.version)}) and pin "
            f"exact versions in the lock file or the applications that use it"
        )
        return cls.at_position(message, requirement.position)


def _short(version: str) -> str:
    release = Version(version).release
    return ".".join(str(part) for part in release[:2])
