"""MLG008 checks-off-project-wide: a setting switches a check off for the whole project."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule

_SOURCE = {"src/demo/__init__.py": "", "src/demo/train.py": "def train() -> None: ...\n"}


class ChecksOffProjectWide(DriftRule):
    """## What it does
    Finds settings, in the file each tool really reads, that switch a check off for
    every source file of the project at once:

    - mypy: `ignore_errors = true` or `follow_imports = "skip"`, globally or in a
      per-module section whose pattern covers every top-level package of the project
      (found from the source layout, src or flat; patterns are matched by mypy's own
      rules, so `module = "*"` matches nothing and `"*.*"` everything);
      `ignore_missing_imports = true` for every module (globally, or `"*.*"`); an
      `exclude` that matches every source file.
    - Ruff: a `per-file-ignores` pattern that matches every source file (`"*"`,
      `"*.py"`, `"**/*.py"`, `"src/**"` in a src layout) for rules the bundle
      selects; an `exclude`, `extend-exclude` or `lint.exclude` covering every source
      file.

    Source files are the Python files outside tests, scripts, examples, docs,
    benchmarks and vendored code; a setting that covers only those is fine, and so is
    one that names some modules or folders. `follow_imports = "silent"` is not
    reported: the hook names every file it checks, and mypy checks those in full.

    A departure recorded in `[tool.ml-policy.overrides]` with a reason is accepted:
    `"mypy.ignore_errors"`, `"mypy.overrides[PATTERN].ignore_errors"`, `"mypy.exclude"`,
    `"ruff.lint.per-file-ignores" = { add = ["PATTERN"], reason = "..." }`,
    `"ruff.extend-exclude"`, ...

    ## Why is this bad?
    A strictness flag turned off is visible in review; `ignore_errors = true` under a
    `[[tool.mypy.overrides]]` entry whose pattern happens to match every module, or a
    per-file-ignore for `"*"`, reads like a scoped exception and switches the check
    off everywhere. mypy and Ruff still pass; they just look at nothing.

    ## Example
    ```toml
    [[tool.mypy.overrides]]
    module = ["demo.*"]
    ignore_errors = true

    [tool.ruff.lint.per-file-ignores]
    "*.py" = ["S"]
    ```

    ## Use instead
    ```toml
    [[tool.mypy.overrides]]
    module = ["demo.legacy.*"]
    ignore_errors = true

    [tool.ruff.lint.per-file-ignores]
    "scripts/*.py" = ["S603"]
    ```

    ## References
    - [mypy: per-module and global options](https://mypy.readthedocs.io/en/stable/config_file.html#per-module-and-global-options)
    - [mypy: `follow_imports`](https://mypy.readthedocs.io/en/stable/config_file.html#confval-follow_imports)
    - [Ruff: `lint.per-file-ignores`](https://docs.astral.sh/ruff/settings/#lint_per-file-ignores)
    - [Ruff: `extend-exclude`](https://docs.astral.sh/ruff/settings/#extend-exclude)
    """

    code = "MLG008"
    name = "checks-off-project-wide"
    summary = "a setting switches a check off for every source file of the project"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        [[tool.mypy.overrides]]
        module = ["demo.*"]
        ignore_errors = true
        """,
        """
        [tool.ruff.lint.per-file-ignores]
        "*.py" = ["S"]
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        [[tool.mypy.overrides]]
        module = ["demo.legacy.*"]
        ignore_errors = true
        """,
        """
        [tool.ruff.lint.per-file-ignores]
        "*.py" = ["S"]

        [tool.ml-policy.overrides]
        "ruff.lint.per-file-ignores" = { add = ["*.py"], reason = "bandit runs the S checks here" }
        """,
    )

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        del file_name, key
        return False  # its findings are the traps', not init's plan's

    @classmethod
    def example_files(cls, example: str) -> dict[str, str | bytes]:
        """The example's configuration, in a project with some source code."""
        return {**super().example_files(example), **_SOURCE}
