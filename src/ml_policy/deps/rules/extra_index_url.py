"""MLD004 extra-index-url: an installer that mixes package indexes (dependency confusion)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.model import IndexSetting, Manifest
from ml_policy.deps.rules.base import DepsRule
from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.redact import has_credential

EXTRA_INDEX_OPTIONS = ("--extra-index-url", "extra-index-url")


class ExtraIndexUrl(DepsRule):
    """
    ## What it does
    Reports `--extra-index-url` in requirements files, conda `pip:` lists and
    install commands (Dockerfiles, scripts, workflows, notebooks, including
    `PIP_EXTRA_INDEX_URL`/`UV_EXTRA_INDEX_URL` where the command scanner reports
    them), uv's `extra-index-url` setting in `[tool.uv]` / `[tool.uv.pip]`, and
    `index-strategy = "unsafe-best-match"` (setting or `--index-strategy`).
    `[[tool.uv.index]]` entries are fine: uv's default strategy takes each
    package from the first index that has it.

    ## Why is this bad?
    With an extra index, pip looks for every package on every index and
    installs the highest version it finds. Anyone who registers a package name
    from your private or vendor index on PyPI with a higher version wins: in
    December 2022 a malicious `torchtriton` on PyPI was installed by everyone
    who installed PyTorch nightly with `--extra-index-url`.

    ## Example
    ```text
    --extra-index-url https://download.pytorch.org/whl/cu121
    torch==2.5.1+cu121
    ```

    ## Use instead
    ```text
    --index-url https://download.pytorch.org/whl/cu121
    torch==2.5.1+cu121
    ```
    With uv, declare the index with `explicit = true` and map packages to it in
    `[tool.uv.sources]`.

    ## References
    - [PyTorch: Compromised PyTorch-nightly dependency chain (Dec 2022)](https://pytorch.org/blog/compromised-nightly-dependency/)
    - [uv: Index strategy](https://docs.astral.sh/uv/concepts/indexes/#searching-across-multiple-indexes)
    """

    code = "MLD004"
    name = "extra-index-url"
    summary = "installer mixes package indexes (--extra-index-url, unsafe-best-match)"
    invalid: ClassVar[tuple[str, ...]] = (
        "--extra-index-url https://download.pytorch.org/whl/cu121\ntorch==2.5.1\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        "--index-url https://download.pytorch.org/whl/cu121\ntorch==2.5.1\n",
    )

    @classmethod
    def check(cls, manifest: Manifest, policy: Policy) -> list[Diagnostic]:
        del policy  # mixing indexes is unsafe whatever the settings say
        return [cls._check(setting) for setting in manifest.index_settings]

    @classmethod
    def _check(cls, setting: IndexSetting) -> Diagnostic:
        if setting.option not in EXTRA_INDEX_OPTIONS:
            message = (
                f'index-strategy = "{setting.value}" lets uv take a package from whichever '
                f"index has the highest version, the dependency-confusion hole that uv closes "
                f"by default; remove it (the default, first-index, is safe) and map packages "
                f"to their index with [tool.uv.sources]"
            )
            return cls.at_position(message, setting.position)
        message = (
            f"`{setting.option} {setting.value}` makes pip (and uv's pip interface) look for "
            f"every package on this index and on PyPI and take the highest version from either: "
            f"anyone who uploads a package of the same name to the other index wins (the 2022 "
            f"torchtriton dependency-confusion attack); use --index-url for the one index that "
            f"should serve these packages (with uv: an [[tool.uv.index]] with explicit = true "
            f"and [tool.uv.sources])"
        )
        if has_credential(setting.value):
            message += (
                "; the URL also holds a credential, in a committed file: revoke it, and give "
                "the index its credentials through the environment (PIP_INDEX_URL, "
                "UV_INDEX_<NAME>_PASSWORD), a netrc file or keyring instead"
            )
        return cls.at_position(message, setting.position)
