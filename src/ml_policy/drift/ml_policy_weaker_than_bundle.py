"""MLG005 ml-policy-weaker-than-bundle: `[tool.ml-policy]` checks less than the bundle."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule


class MlPolicyWeakerThanBundle(DriftRule):
    """## What it does
    Compares `[tool.ml-policy]` with the recorded bundle's own settings, as ml-policy
    reads them (the bundle's, then yours on top): an ML rule the bundle turns on that
    `ignore` or a narrower `select` turns off; a size limit raised (`max-kb`,
    `notebook-max-kb`, a pattern's `limits`); a git-lfs pattern dropped from `lfs`;
    `allow-notebook-outputs` turned on; the deps policy relaxed (`mode = "library"` in
    an application bundle, `pin = "bounded"` where it asks for exact pins); a
    detect-secrets plugin disabled; a hadolint rule ignored or its
    `failure-threshold` raised, ML base images no longer pinned by digest
    (`[tool.ml-policy.hadolint]`, `[tool.ml-policy.images]`); an `exclude` or
    `per-file-ignores` pattern that covers the whole project (`*`, `**/*.py`). The
    finding is at the key's line.

    Patterns that cover part of the project (`vendor/`, `tests/**`) are ordinary use
    and pass, as does anything stricter than the bundle. A departure recorded in
    `[tool.ml-policy.overrides]` with a reason passes: name the key as
    `ml-policy.<key>` and, for a list, the entries (`add` for an entry you added,
    `remove` for one of the bundle's you took away).

    ## Why is this bad?
    A repository on `ml-strict` that raises `max-kb` to 50 MB or ignores `MLP001` is
    no longer on `ml-strict`, yet its README badge and its reviewers think it is.

    ## Example
    ```toml
    [tool.ml-policy]
    bundle = "ml-strict@2"
    ignore = ["MLP003"]
    ```

    ## Use instead
    ```toml
    [tool.ml-policy]
    bundle = "ml-strict@2"
    ignore = ["MLP003"]

    [tool.ml-policy.overrides]
    "ml-policy.ignore" = { add = ["MLP003"], reason = "CPU-only service: no pinned memory" }
    ```

    ## References
    - [ml-policy: configuration](https://github.com/ml-policy/ml-policy#configuration)
    """

    code = "MLG005"
    name = "ml-policy-weaker-than-bundle"
    summary = "[tool.ml-policy] turns off a rule or raises a limit the recorded bundle sets"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        [tool.ml-policy]
        ignore = ["MLP003"]
        """,
        """
        [tool.ml-policy.artifacts]
        max-kb = 50000
        """,
        """
        [tool.ml-policy.per-file-ignores]
        "**/*.py" = ["MLM"]
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        [tool.ml-policy]
        ignore = ["MLP003"]

        [tool.ml-policy.overrides]
        "ml-policy.ignore" = { add = ["MLP003"], reason = "CPU-only service: no pinned memory" }
        """,
        """
        [tool.ml-policy.artifacts]
        max-kb = 100
        """,
        """
        [tool.ml-policy.per-file-ignores]
        "tests/**" = ["MLM"]
        """,
    )

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        del file_name, key
        return False  # judged from [tool.ml-policy] itself, not from init's plan
