"""MLG004 hooks-weaker-than-bundle: a hook the bundle runs is missing or changed."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.apply.precommit_intent import REV
from ml_policy.drift.rule import DriftRule
from ml_policy.toolconfig import PRECOMMIT

_HEADER = f"""# FILE: .pre-commit-config.yaml
repos:
  - repo: https://github.com/ml-policy/ml-policy
    rev: {REV}
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
    the bundle runs that is missing, or the ml-policy entry pinned to a `rev:` older
    than the release that shipped the recorded bundle, or to a `rev:` that is not a
    version (a commit, a branch: it cannot be compared) — a later release runs an
    older bundle's rules as they were, so it is not weaker; and, at the line of the
    key, a hook that is there but checks less:

    - `entry:` other than the hook's own (`entry: "true"` runs nothing); the same
      command through a runner (`uv run --frozen ml-policy lint`, in a `repo: local`
      hook) is the hook's own;
    - `args:` that narrow the check. Ruff: `--exit-zero`, `--ignore`,
      `--extend-ignore`, `--select` (it replaces the configuration's), the
      `--per-file-ignores` and `--exclude` options, `--fix-only`, `--diff`,
      `--add-noqa`, `--isolated`, `--config` naming another file or a `KEY=VALUE`
      (for `ruff format`: `--exclude`, `--extend-exclude`, `--isolated`, `--range`,
      `--config`). mypy: `--allow-*`, `--implicit-*`, `--disable-*`, `--ignore-*`
      (`--ignore-missing-imports`), `--no-warn-*`, `--no-check-*`, `--no-strict*`,
      `--no-disallow-*`, `--no-extra-checks`, `--exclude`, `--follow-imports=skip`,
      `--config-file` naming another file than the one mypy reads. bandit: `--skip`,
      `--tests`, `--exclude`, `--exit-zero`, `-ll`, `-lll`, `-ii`, `-iii`, a
      severity or confidence level above low, `--baseline`, `-c` or `--ini` naming
      other files. The ML hooks: `--ignore`, `--exclude`, `--exit-zero`,
      `--update-baseline`, and `--select` that leaves out some of the hook's rules.
      Any other argument (`--show-fixes`, `--output-format`, `--strict`,
      `--extend-select`, `--follow-imports=silent`, `-v`) is left alone;
    - `files:` or `exclude:`, on the hook or at the top of the file, that leave out
      some of the project's own files the hook would check (tests, scripts, docs and
      vendored code may be left out);
    - `stages:` on which the hook never runs before a commit or a push (`[manual]`).

    A departure recorded in `[tool.ml-policy.overrides]` with a reason is accepted:
    `"pre-commit.HOOK-ID" = { reason = "..." }` for a hook left out,
    `"pre-commit.HOOK-ID.args" = { add = ["--ignore-missing-imports"], reason = "..." }`
    (likewise `.entry`, `.files`, `.exclude`, `.stages`; `pre-commit.exclude` for the
    top level).

    ## Why is this bad?
    A hook left out of the configuration checks nothing, and nothing says so:
    `pre-commit run --all-files` is green. So is a hook whose `entry:` was replaced,
    or whose `args:` add `--exit-zero`. The `rev:` pins the tools, their
    configuration and the ML rules together; an older release runs an older policy
    (without the rules the bundle turns on).

    ## Example
    ```yaml
    repos:
      - repo: https://github.com/ml-policy/ml-policy
        rev: v0.2.0
        hooks:
          - id: ml-policy-lint
    ```

    ## Use instead
    ```yaml
    repos:
      - repo: https://github.com/ml-policy/ml-policy
        rev: v0.2.0
        hooks:
          - id: ml-policy-lint
          - id: ml-policy-deps
          # ... every hook of the bundle: `ml-policy init` adds the missing ones
    ```

    ## References
    - [pre-commit: adding plugins to your project](https://pre-commit.com/#2-add-a-pre-commit-configuration)
    - [pre-commit: .pre-commit-config.yaml hooks (overriding `entry`, `args`, `files`, `stages`)](https://pre-commit.com/#pre-commit-configyaml---hooks)
    - [Ruff: `ruff check` options](https://docs.astral.sh/ruff/configuration/#full-command-line-interface)
    - [mypy: command line](https://mypy.readthedocs.io/en/stable/command_line.html)
    """

    code = "MLG004"
    name = "hooks-weaker-than-bundle"
    summary = "pre-commit configuration lacks a hook of the recorded bundle, or narrows one"
    example_file = PRECOMMIT
    invalid: ClassVar[tuple[str, ...]] = (
        _HEADER + "      - id: ml-policy-lint\n",
        _HEADER + _ALL_HOOKS.replace("mypy\n", "mypy\n        args: [--ignore-missing-imports]\n"),
    )
    valid: ClassVar[tuple[str, ...]] = (_HEADER + _ALL_HOOKS,)

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        del key
        return file_name == PRECOMMIT
