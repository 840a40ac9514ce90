"""MLG001 ruff-weaker-than-bundle: the Ruff configuration turns off rules the bundle selects."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule
from ml_policy.toolconfig import PYPROJECT, RUFF_FILES


class RuffWeakerThanBundle(DriftRule):
    """## What it does
    Compares the Ruff configuration Ruff really reads (`.ruff.toml`, `ruff.toml` or
    `[tool.ruff]` in pyproject.toml, whichever Ruff picks) with the recorded bundle's:
    a rule the bundle selects that is ignored (in `ignore` or a `per-file-ignores`
    pattern the bundle does not have), or a `select` / `extend-select` entry of the
    bundle's that is missing. The finding is at the key's line. A rule you select on
    top of the bundle's, a rule the bundle ignores that you run, a shorter line length:
    all stricter or neutral, all fine.

    A departure recorded in `[tool.ml-policy.overrides]` with a reason is accepted
    (`"ruff.lint.ignore" = { add = ["B006"], reason = "..." }` accepts ignoring B006,
    and nothing else). `ml-policy init` records the departures it finds when it is
    first run, so a repository starts green.

    ## Why is this bad?
    The bundle is the policy a repository agreed to. An `ignore` added to silence one
    noisy file turns a rule off everywhere, and nobody reviewing the diff sees that a
    security or correctness check just stopped running. Drift has to be visible, and
    each exception has to say why.

    ## Example
    ```toml
    [tool.ruff.lint]
    ignore = ["B006"]
    ```

    ## Use instead
    ```toml
    [tool.ruff.lint.per-file-ignores]
    "scripts/legacy_*.py" = ["B006"]

    [tool.ml-policy.overrides]
    "ruff.lint.per-file-ignores" = { reason = "legacy scripts, replaced in Q3" }
    ```

    ## References
    - [Ruff: configuring rule selection](https://docs.astral.sh/ruff/linter/#rule-selection)
    - [Ruff: config file discovery](https://docs.astral.sh/ruff/configuration/#config-file-discovery)
    """

    code = "MLG001"
    name = "ruff-weaker-than-bundle"
    summary = "Ruff configuration turns off rules the recorded bundle selects"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        [tool.ruff.lint]
        ignore = ["B006"]
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        [tool.ruff.lint]
        ignore = ["B006"]

        [tool.ml-policy.overrides]
        "ruff.lint.ignore" = { add = ["B006"], reason = "mutable defaults: MLM001 checks them" }
        """,
        """
        [tool.ruff]
        line-length = 88
        """,
    )

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        if file_name == PYPROJECT:
            return key.startswith("tool.ruff.")
        return file_name in RUFF_FILES
