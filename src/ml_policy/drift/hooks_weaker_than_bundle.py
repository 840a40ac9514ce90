"""MLG004 hooks-weaker-than-bundle: a hook the bundle runs is missing or changed."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule
from ml_policy.toolconfig import PRECOMMIT

_HEADER = """# FILE: .pre-commit-config.yaml
repos:
  - repo: https://github.com/ml-policy/ml-policy
    rev: v0.1.0
    hooks:
"""
_ALL_HOOKS = "".join(
    f"      - id: ml-policy-{hook}\n"
    for hook in (
        "lint",
        "deps",
        "artifacts",
        "secrets",
        "config",
        "ruff",
        "ruff-format",
        "mypy",
        "bandit",
    )
)


class HooksWeakerThanBundle(DriftRule):
    """## What it does
    Compares `.pre-commit-config.yaml` with the hooks of the recorded bundle: a hook
    the bundle runs that is missing, or the ml-policy entry pinned to a `rev:` other
    than the release the bundle was recorded with. The finding is on the file.

    ## Why is this bad?
    A hook left out of the configuration checks nothing, and nothing says so:
    `pre-commit run --all-files` is green. The `rev:` pins the tools, their
    configuration and the ML rules together; another release runs another policy.

    ## Example
    ```yaml
    repos:
      - repo: https://github.com/ml-policy/ml-policy
        rev: v0.1.0
        hooks:
          - id: ml-policy-lint
    ```

    ## Use instead
    ```yaml
    repos:
      - repo: https://github.com/ml-policy/ml-policy
        rev: v0.1.0
        hooks:
          - id: ml-policy-lint
          - id: ml-policy-deps
          # ... every hook of the bundle: `ml-policy init` adds the missing ones
    ```

    ## References
    - [pre-commit: adding plugins to your project](https://pre-commit.com/#2-add-a-pre-commit-configuration)
    """

    code = "MLG004"
    name = "hooks-weaker-than-bundle"
    summary = "pre-commit configuration lacks a hook of the recorded bundle"
    example_file = PRECOMMIT
    invalid: ClassVar[tuple[str, ...]] = (_HEADER + "      - id: ml-policy-lint\n",)
    valid: ClassVar[tuple[str, ...]] = (_HEADER + _ALL_HOOKS,)

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        del key
        return file_name == PRECOMMIT
