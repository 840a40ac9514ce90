"""MLG006 stale-override: an entry of `[tool.ml-policy.overrides]` that excuses nothing."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule


class StaleOverride(DriftRule):
    """## What it does
    Checks each entry of `[tool.ml-policy.overrides]` against the configuration it
    excuses: the key is no longer set where the tool reads it, its value is the
    bundle's again, an entry its `add` names is no longer in the list (or the bundle
    now has it too), an entry its `remove` names is back (or the bundle dropped it).
    The finding is at the override's line and repeats its reason. Overrides of
    configuration ml-policy does not read as TOML (mypy INI files) are not judged.

    ## Why is this bad?
    An override is a documented exception. Once the departure is gone it excuses
    nothing, and it would excuse the same departure again, silently, the day
    someone brings it back. The list of exceptions should be the list of what is
    really different from the bundle.

    ## Example
    ```toml
    [tool.ruff]
    line-length = 100  # the bundle's value again

    [tool.ml-policy.overrides]
    "ruff.line-length" = { reason = "kept at adoption by ml-policy init" }
    ```

    ## Use instead
    ```toml
    [tool.ruff]
    line-length = 100
    ```

    ## References
    - [ml-policy: overrides](https://github.com/ml-policy/ml-policy#overrides)
    """

    code = "MLG006"
    name = "stale-override"
    summary = "an override in [tool.ml-policy.overrides] no longer overrides anything"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        [tool.ml-policy.overrides]
        "ruff.line-length" = { reason = "kept at adoption by ml-policy init" }
        """,
        """
        [tool.ruff.lint]
        ignore = ["E501"]

        [tool.ml-policy.overrides]
        "ruff.lint.ignore" = { add = ["E501", "B006"], reason = "long URLs; dataclass defaults" }
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        [tool.ruff]
        line-length = 120

        [tool.ml-policy.overrides]
        "ruff.line-length" = { reason = "generated protobuf code" }
        """,
        """
        [tool.ruff.lint]
        ignore = ["E501"]

        [tool.ml-policy.overrides]
        "ruff.lint.ignore" = { add = ["E501"], reason = "long URLs in docstrings" }
        """,
    )

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        del file_name, key
        return False  # judged from the overrides themselves, not from init's plan
