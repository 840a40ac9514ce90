"""MLD006 unpinned-install-command: `pip install torch` in a Dockerfile, script or notebook."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.model import Kind, Manifest, Pin, Requirement
from ml_policy.deps.rules.base import DepsRule
from ml_policy.deps.rules.messages import conda_name, what_is_loose
from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic


class UnpinnedInstallCommand(DepsRule):
    """
    ## What it does
    Checks `pip install`, `python -m pip install`, `uv pip install`, `uv add`
    and `conda`/`mamba`/`micromamba install` in Dockerfile `RUN` lines, shell
    scripts, GitHub workflow `run:` steps and notebook `%pip`/`!pip` cells for
    ML packages installed without an exact version (`torch==2.5.1`,
    `torch===2.5.1`, a VCS URL at a commit, a hashed URL; for conda
    `pytorch=2.5.1`, `pytorch==2.5`, `pytorch=2.5.1=build`; a bare
    `pytorch=2.5` is a prefix match, not a pin). Arguments that the shell
    expands (`$TORCH_VERSION`, `$(...)`, globs) are not checked, and neither
    are `-r requirements.txt` installs (the file is checked itself) nor the
    arguments of a command given a requirements, constraints or overrides file
    (`pip install -c constraints.txt torch`: the file may pin them).

    A `torchvision` or `torchaudio` from the index, unpinned beside an exact
    torch pin in the same command (`pip install torch==2.5.1 torchvision`,
    `torch==${TORCH_VERSION}`, `conda install pytorch=2.5.1 torchvision`), is
    pinned through torch: each of their releases requires one torch release,
    so the installer picks the one built for the pinned torch. (Since
    torchvision 0.29.1 and torchaudio 2.11.1 the releases require a torch
    range, so a later patch release of the companion can still come in; pin
    it too for byte-identical builds.) One from a URL is still checked, and so
    is one installed by a later command (`pip install torchvision` after the
    torch install upgrades torch to what the newest torchvision requires).
    A VCS install at a branch or tag (`transformers @ git+https://...@main`,
    `git+https://...@master#egg=peft`) is reported wherever it stands, beside
    pinned packages or not; one without a name (no `name @` and no `#egg=`)
    is not, since the package it installs cannot be told.

    ## Why is this bad?
    An image or environment built from `pip install torch` depends on the day
    it was built: rebuilding the same Dockerfile next month yields another
    torch, other numerics, perhaps a broken CUDA combination.

    ## Example
    ```dockerfile
    RUN pip install torch torchvision
    ```

    ## Use instead
    ```dockerfile
    RUN pip install torch==2.5.1 torchvision==0.20.1
    # or: COPY requirements.txt . && RUN pip install -r requirements.txt
    ```

    ## References
    - [Docker: Best practices for writing Dockerfiles](https://docs.docker.com/build/building/best-practices/)
    - [pip: Repeatable installs](https://pip.pypa.io/en/stable/topics/repeatable-installs/)
    """

    code = "MLD006"
    name = "unpinned-install-command"
    summary = "install command installs an ML package without an exact version"
    example_file = "Dockerfile"
    invalid: ClassVar[tuple[str, ...]] = (
        "RUN pip install torch torchvision\n",
        "RUN conda install -y pytorch=2.1\n",
        'RUN pip install torch==2.5.1 "transformers @ git+https://github.com/h/transformers@main"\n',
        "RUN pip install torch==2.5.1 && pip install torchvision\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        "RUN pip install torch==2.5.1 torchvision==0.20.1\n",
        "RUN pip install $TORCH\n",
        "RUN pip install torch==2.5.1 torchvision torchaudio\n",
        "RUN pip install torch==${TORCH_VERSION} torchvision\n",
    )

    @classmethod
    def check(cls, manifest: Manifest, policy: Policy) -> list[Diagnostic]:
        del policy  # the commands' packages are the ML packages already
        found = (cls._check(r) for r in manifest.requirements if r.kind is Kind.COMMAND)
        return [d for d in found if d is not None]

    @classmethod
    def _check(cls, requirement: Requirement) -> Diagnostic | None:
        """An install command that installs an ML package without an exact version."""
        installer = requirement.installer
        if requirement.pin in (Pin.EXACT, Pin.UNKNOWN):
            return None
        if installer == "conda":
            fix = f"pin the full version ({conda_name(requirement.text)}=X.Y.Z)"
        else:
            fix = (
                f"pin an exact version ({requirement.name}==X.Y.Z) or install from a pinned "
                f"requirements or lock file"
            )
            if "URL" in requirement.detail or "VCS" in requirement.detail:
                fix = "pin a full commit hash or add the file's hash"
        command = "uv add" if installer == "uv-add" else f"{installer.replace('-', ' ')} install"
        message = (
            f"`{command} {requirement.text}`: {what_is_loose(requirement)}, so what gets "
            f"installed depends on the day the image or environment is built; {fix}"
        )
        return cls.at_position(message, requirement.position)
