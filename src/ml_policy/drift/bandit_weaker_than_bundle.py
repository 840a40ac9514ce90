"""MLG003 bandit-weaker-than-bundle: bandit runs fewer tests than the bundle asks."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule
from ml_policy.toolconfig import BANDIT_INI


class BanditWeakerThanBundle(DriftRule):
    """## What it does
    Compares the bandit configuration the `ml-policy-bandit` hook reads
    (`[tool.bandit]` in pyproject.toml, or `.bandit`) with the recorded bundle's: a
    `tests` list that keeps only some tests, or skips that leave a risk neither bandit
    nor the repository's Ruff configuration reports. The finding is at the key's line.

    A departure recorded in `[tool.ml-policy.overrides]` with a reason
    (`"bandit.tests" = { reason = "..." }`) is accepted.

    ## Why is this bad?
    The bundle splits security checks between Ruff and bandit so that each risk is
    reported exactly once. A `tests` list or an extra skip breaks that split without
    anyone seeing which risks went unreported.

    ## Example
    ```toml
    [tool.bandit]
    tests = ["B602"]
    ```

    ## Use instead
    ```toml
    [tool.bandit]
    exclude_dirs = ["tests/fixtures"]
    ```

    ## References
    - [bandit: configuration](https://bandit.readthedocs.io/en/latest/config.html)
    """

    code = "MLG003"
    name = "bandit-weaker-than-bundle"
    summary = "bandit configuration runs fewer tests than the recorded bundle asks"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        [tool.bandit]
        tests = ["B602"]
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        [tool.bandit]
        tests = ["B602"]

        [tool.ml-policy.overrides]
        "bandit.tests" = { reason = "only shell injection matters in this tool repository" }
        """,
    )

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        return file_name == BANDIT_INI or key.startswith("tool.bandit.")
