"""MLD001 unpinned-ml-dependency: an ML package a manifest declares without an exact pin."""

from __future__ import annotations

import textwrap
from typing import ClassVar

from ml_policy.deps.model import Kind, Manifest, Pin, Requirement
from ml_policy.deps.packages import DATA_FILE, default_groups
from ml_policy.deps.rules.base import DepsRule
from ml_policy.deps.rules.messages import LOCK_COMMANDS, conda_name, what_is_loose
from ml_policy.deps.rules.policy import Coverage, Policy
from ml_policy.diagnostics import Diagnostic

_MANIFESTS = """\
Manifests read: requirements*.txt / *.in, dev-requirements.txt style names,
constraints*.txt and any .txt/.in in a `requirements/` folder (with `-r`/`-c`
includes followed relative to the
including file, continuations, markers, `--hash`, extras, `name @ url`,
`-e`), pyproject.toml (PEP 621 `dependencies` and `optional-dependencies`,
PEP 735 `dependency-groups`, Poetry `dependencies`, `dev-dependencies` and
groups, uv `dev-dependencies`, `constraint-dependencies` and
`override-dependencies`), setup.cfg (`install_requires`, `extras_require`),
literal lists given to `setup()` in setup.py, and conda environment*.yml
(conda match specs and the `pip:` list). A line that is not a valid
requirement is reported as MLE001 at that line; the rest is still checked."""


class UnpinnedMlDependency(DepsRule):
    """
    ## What it does
    Checks that every ML package (the default list at the end of this section;
    extend it with `ml-packages` in `[tool.ml-policy]`; names are compared PEP
    503-normalised, and the conda name `pytorch` is torch) is pinned.

    In `app` mode (the default) a pin is `==V` (a local label such as
    `+cu121` is fine) or `===V`, a file URL with a hash (`#sha256=` or
    `--hash`), a VCS URL at a full 40-character commit, or a conda spec with
    the full version (`pytorch=2.1.0`, `pytorch==2.1`, `pytorch=2.1.0=build`).
    `==2.*`, `~=2.1`, a bare conda `pytorch=2.1` (a prefix match), a branch or
    tag, and `!=` alone are not pins. With `pin = "bounded"` a range with an
    upper bound is enough. An exact pin in a `-c` constraints file (or in uv's
    `constraint-dependencies`) covers the same package in the file that
    includes it. A package the always-installed dependencies declare is
    reported there once, not again where an extra or group repeats it without
    a version (`transformers[vision]` beside `transformers>=5,<6`).

    A lock file (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pixi.lock,
    conda-lock.yml, pylock.toml) that git tracks in the manifest's folder or
    above (outside every git repository: one on disk) covers ranges in
    pyproject.toml; pixi.lock and conda-lock files also cover conda
    environment files. Requirements files are never
    covered by a lock file: pip does not read one.

    In `library` mode the published metadata (`[project]` dependencies and
    optional dependencies, Poetry's main dependencies, setup.cfg and setup.py
    `install_requires` and extras, and a requirements file they read into the
    dependencies: setup.py naming it beside `install_requires`, setup.cfg's
    `file:`, `[tool.setuptools.dynamic]`) only needs some version bound; exact
    pins there are MLD002. Everything else (requirements files, dependency groups,
    conda environments) is held to the `app` rules. There the published range
    does not cover a group's unversioned repeat of the package: the range is
    accepted for users, while a test or dev group is an environment to
    reproduce (pin it, or commit a lock file).

    {manifests}

    {ml packages}

    ## Why is this bad?
    A new torch, numpy or transformers release changes kernels, numerics,
    defaults and file formats. Without a pin, every fresh environment resolves
    the newest release: last month's training run cannot be reproduced, a
    saved model stops loading, and CI breaks on a day nobody changed anything.

    ## Example
    ```text
    torch>=2.1
    transformers
    timm @ git+https://github.com/huggingface/pytorch-image-models@main
    ```

    ## Use instead
    ```text
    torch==2.5.1+cu121
    transformers==4.46.3
    timm @ git+https://github.com/huggingface/pytorch-image-models@<full 40-character commit>
    ```
    or keep ranges in pyproject.toml and commit the lock file (`uv lock`).

    ## References
    - [pip: Repeatable installs](https://pip.pypa.io/en/stable/topics/repeatable-installs/)
    - [PEP 440: Version specifiers](https://peps.python.org/pep-0440/#version-specifiers)
    - [uv: Locking and syncing](https://docs.astral.sh/uv/concepts/projects/sync/)
    """

    code = "MLD001"
    name = "unpinned-ml-dependency"
    summary = "ML package declared without an exact version pin"
    invalid: ClassVar[tuple[str, ...]] = ("torch>=2.1\n", "numpy\n", "jax==0.4.*\n")
    valid: ClassVar[tuple[str, ...]] = ("torch==2.5.1+cu121\n", "numpy===1.26.4\n", "requests\n")

    @classmethod
    def documentation(cls) -> str:
        """The docstring with the manifests read and the default ML packages filled in."""
        text = super().documentation()
        return text.replace("{manifests}", _MANIFESTS).replace("{ml packages}", _package_list())

    @classmethod
    def check(cls, manifest: Manifest, policy: Policy) -> list[Diagnostic]:
        if manifest.kind is Kind.COMMAND:
            return []  # an install command is MLD006's
        coverage = Coverage.of(manifest.requirements)
        found = (cls._check(r, policy, coverage) for r in manifest.requirements)
        return [d for d in found if d is not None]

    @classmethod
    def _check(
        cls, requirement: Requirement, policy: Policy, coverage: Coverage
    ) -> Diagnostic | None:
        if requirement.name not in policy.ml_packages or requirement.pin is Pin.UNKNOWN:
            return None
        if policy.library and requirement.published:
            return cls._check_published(requirement, coverage)
        if requirement.pin is Pin.EXACT or (policy.bounded_ok and requirement.pin is Pin.BOUNDED):
            return None
        if requirement.name in coverage.pinned:
            return None  # pinned by a constraint or by the always-installed dependencies
        if (
            not policy.library
            and requirement.pin is Pin.UNPINNED
            and not requirement.base
            and requirement.name in coverage.base
        ):
            # `transformers[vision]` in an extra beside `transformers>=5,<6`: the always-installed
            # requirement decides the version, and its own finding says what is loose about it
            # (a library's base range is accepted, so there this mention keeps its finding).
            return None
        if requirement.lockable and policy.lock is not None:
            return None
        return cls.at_position(unpinned_message(requirement, policy), requirement.position)

    @classmethod
    def _check_published(cls, requirement: Requirement, coverage: Coverage) -> Diagnostic | None:
        """A library's published metadata needs some bound (an exact pin there is MLD002's)."""
        if requirement.pin is not Pin.UNPINNED or requirement.name in coverage.bounded_published:
            return None  # bounded, or the base dependencies bound it
        message = (
            f"`{requirement.text}` in the published {requirement.section} has no "
            f"version bound: users get whatever release "
            f"is newest, including ones this library was never tested with; declare the "
            f"oldest release you support ({requirement.name}>=X.Y)"
        )
        return cls.at_position(message, requirement.position)


def unpinned_message(requirement: Requirement, policy: Policy) -> str:
    name, what = requirement.name, what_is_loose(requirement)
    why = (
        f"each install can resolve a different {name}, so training runs, results and "
        f"saved models are not reproducible"
    )
    return (
        f"`{requirement.text}` in {requirement.section}: {what}; {why}; {_fix(requirement, policy)}"
    )


def _fix(requirement: Requirement, policy: Policy) -> str:
    name = requirement.name
    if "VCS" in requirement.detail or "git dependency" in requirement.detail:
        return "pin the full 40-character commit hash instead of a branch or tag"
    if "URL" in requirement.detail:
        return "add the file's hash (#sha256=... on the URL, or --hash=sha256:...)"
    if requirement.kind is Kind.CONDA and requirement.section == "conda dependencies":
        spec = conda_name(requirement.text)
        return f"pin the full version ({spec}=X.Y.Z) or commit a conda-lock file"
    if requirement.section.startswith("[tool.poetry"):
        return f'pin an exact version ({name} = "X.Y.Z") or commit poetry.lock'
    exact = f"pin an exact version ({name}==X.Y.Z)"
    if requirement.kind is Kind.PYPROJECT:
        return f"{exact} or commit a lock file ({LOCK_COMMANDS})"
    if requirement.kind is Kind.REQUIREMENTS:
        return f"{exact}, e.g. with `uv pip compile` or pip-compile"
    if requirement.kind in (Kind.SETUP_CFG, Kind.SETUP_PY) and not policy.library:
        return f'{exact}, or set [tool.ml-policy.deps] mode = "library" for a published library'
    return exact


def _package_list() -> str:
    """The default ML packages by group, as the data file lists them (one source of truth)."""
    lines = [
        "The default ML packages, by group (the reason each one's version matters",
        f"is given beside it in `ml_policy/deps/{DATA_FILE}`):",
        "",
    ]
    for group, entries in default_groups().items():
        item = f"- {group}: {', '.join(entries)}"
        lines.append(textwrap.fill(item, width=75, subsequent_indent="  ", break_on_hyphens=False))
    return "\n".join(lines)
