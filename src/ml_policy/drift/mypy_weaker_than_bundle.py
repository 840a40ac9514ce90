"""MLG002 mypy-weaker-than-bundle: a mypy strictness flag the bundle sets is off."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule
from ml_policy.toolconfig import MYPY_FILES, PYPROJECT


class MypyWeakerThanBundle(DriftRule):
    """## What it does
    Compares the mypy configuration mypy really reads (`mypy.ini`, `.mypy.ini`,
    `[tool.mypy]` in pyproject.toml or `setup.cfg`, in mypy's order) with the recorded
    bundle's: a strictness flag the bundle sets (or that its `strict = true` implies)
    turned off, whatever the spelling (`disallow_untyped_defs = false`,
    `allow_untyped_defs = true`), or an error code the bundle enables that is missing.
    The finding is at the key's line. A flag the bundle does not set, turned on, is
    stricter and fine. An INI file is read with mypy's own parser (so `strict = True`
    counts, and the last of two spellings wins); the flags it leaves unset are one
    finding at its `[mypy]` line (`"mypy.strict"` in the overrides accepts that one).

    A departure recorded in `[tool.ml-policy.overrides]` with a reason
    (`"mypy.disallow_untyped_defs" = { reason = "..." }`) is accepted.

    ## Why is this bad?
    One `disallow_untyped_defs = false` makes every new function in the project
    unchecked, silently: mypy still passes, it just looks at less. A policy that can be
    weakened by one line in review, without a word of why, is not a policy.

    ## Example
    ```toml
    [tool.mypy]
    strict = true
    disallow_untyped_defs = false
    ```

    ## Use instead
    ```toml
    [[tool.mypy.overrides]]
    module = ["legacy.*"]
    disallow_untyped_defs = false
    ```
    or record the departure with its reason in `[tool.ml-policy.overrides]`.

    ## References
    - [mypy: the configuration file](https://mypy.readthedocs.io/en/stable/config_file.html)
    - [mypy: --strict](https://mypy.readthedocs.io/en/stable/command_line.html#cmdoption-mypy-strict)
    """

    code = "MLG002"
    name = "mypy-weaker-than-bundle"
    summary = "mypy configuration turns off a strictness flag the recorded bundle sets"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        [tool.mypy]
        disallow_untyped_defs = false
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        [tool.mypy]
        disallow_untyped_defs = false

        [tool.ml-policy.overrides]
        "mypy.disallow_untyped_defs" = { reason = "notebook exports, typed in the next release" }
        """,
        """
        [tool.mypy]
        warn_unreachable = true
        """,
    )

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        if file_name == PYPROJECT:
            return key.startswith("tool.mypy.")
        return file_name in MYPY_FILES
