"""MLD005 torch-family-mismatch: torch companions pinned to releases not made for its pin."""

from __future__ import annotations

from typing import ClassVar

from packaging.version import Version

from ml_policy.deps.model import Manifest, Pin, Requirement
from ml_policy.deps.rules.base import DepsRule
from ml_policy.deps.rules.policy import Policy
from ml_policy.deps.torch_family import COMPANIONS, load_table, local_label
from ml_policy.diagnostics import Diagnostic


class TorchFamilyMismatch(DepsRule):
    """
    ## What it does
    Where one manifest (with its includes) or one install-command file pins
    torch and torchvision or torchaudio exactly, checks that the companion
    release was built for that torch release, and that their local labels
    (`+cu121`, `+cpu`) agree when both have one. The release table ships with
    ml-policy as data (`ml_policy/deps/torch_family.toml`), read from the
    `Requires-Dist: torch==X` of each release on PyPI. Versions missing from
    the table, and manifests that pin torch to several versions (per platform
    markers), are not checked.

    To extend the table, add `"<release>" = "<torch release>"` under
    `[torchvision]` or `[torchaudio]`, record the wheel's `Requires-Dist` line
    in tests/fixtures/deps/torch_family_pypi.json, and run the tests.

    ## Why is this bad?
    torchvision and torchaudio ship compiled operators linked against one torch
    release. A mismatched pair either cannot be resolved at all, makes the
    installer silently swap torch for another release, or fails at import
    (`operator torchvision::nms does not exist`). Different CUDA labels load
    two CUDA runtimes or fail outright.

    ## Example
    ```text
    torch==2.2.0
    torchvision==0.16.0
    ```

    ## Use instead
    ```text
    torch==2.2.0
    torchvision==0.17.0
    ```

    ## References
    - [PyTorch: Previous versions (matching releases)](https://pytorch.org/get-started/previous-versions/)
    - [torchvision: installation and compatibility](https://github.com/pytorch/vision#installation)
    """

    code = "MLD005"
    name = "torch-family-mismatch"
    summary = "torch, torchvision and torchaudio pinned to releases not made together"
    invalid: ClassVar[tuple[str, ...]] = (
        "torch==2.2.0\ntorchvision==0.16.0\n",
        "torch==2.1.0+cu121\ntorchaudio==2.1.0+cu118\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        "torch==2.2.0\ntorchvision==0.17.0\ntorchaudio==2.2.0\n",
        "torch==2.2.0\ntorchvision\n",
    )

    @classmethod
    def check(cls, manifest: Manifest, policy: Policy) -> list[Diagnostic]:
        """Companions pinned to releases built for another torch, or another CUDA/CPU label."""
        del policy  # the pairs that load together do not depend on the settings
        pins = [r for r in manifest.requirements if r.pin is Pin.EXACT and r.version is not None]
        torch_pins = {r.version for r in pins if r.name == "torch"}
        if len(torch_pins) != 1:
            return []  # no torch pin, or several (per platform): nothing one-to-one to compare
        torch = next(r for r in pins if r.name == "torch")
        found = []
        for companion in (r for r in pins if r.name in COMPANIONS):
            message = _family_mismatch(torch, companion)
            if message is not None:
                found.append(cls.at_position(message, companion.position))
        return found


def _family_mismatch(torch: Requirement, companion: Requirement) -> str | None:
    torch_version, companion_version = torch.version or "", companion.version or ""
    where = (
        f"line {torch.position.line}"
        if torch.position.path == companion.position.path
        else str(torch.position.path)
    )
    message = _release_mismatch(torch_version, companion, where)
    if message is not None:
        return message
    torch_label, companion_label = local_label(torch_version), local_label(companion_version)
    if torch_label and companion_label and torch_label != companion_label:
        return (
            f"{companion.name} {companion_version} is a +{companion_label} build but torch "
            f"{torch_version} ({where}) is a +{torch_label} build: binaries for different "
            f"CUDA/CPU variants do not load together; use the same +{torch_label} label"
        )
    return None


def _release_mismatch(torch_version: str, companion: Requirement, where: str) -> str | None:
    table = load_table()
    built_for = table.torch_for(companion.name, companion.version or "")
    if built_for is None or not table.knows_torch(torch_version):
        return None  # a release the table does not know: stay silent
    if Version(Version(torch_version).public) == built_for:
        return None
    matching = table.releases_for(companion.name, torch_version)
    fix = (
        f"pin {companion.name}=={matching[-1]} with torch {torch_version}"
        if matching
        else f"pin the {companion.name} release made for torch {torch_version}"
    )
    return (
        f"{companion.name} {companion.version} was built for torch {built_for}, but torch is "
        f"pinned to {torch_version} ({where}): the pair cannot be installed together, or fails "
        f"at import with missing operators; {fix}"
    )
