"""MLG007 config-not-read: the tool reads another file than the one the policy is in."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.drift.rule import DriftRule


class ConfigNotRead(DriftRule):
    """## What it does
    Finds configuration that a tool never reads although the policy lives there, and
    configuration a tool reads instead of the policy's:

    - a `mypy.ini` or `.mypy.ini`, which mypy reads before pyproject.toml, so that
      `[tool.mypy]` (where `ml-policy init` merged the bundle) is ignored; reported at
      the top of the INI file. (`setup.cfg` comes after pyproject.toml in mypy's order:
      it never hides `[tool.mypy]`.)
    - a `ruff.toml` or `.ruff.toml` beside pyproject.toml, which Ruff reads instead of
      `[tool.ruff]` unless it `extend`s pyproject.toml;
    - a `ruff.toml`, `.ruff.toml` or a pyproject.toml with `[tool.ruff]` in a folder
      below the root: Ruff uses the closest configuration for each file, so the root's
      policy does not apply to the code below it. It is reported, at the top of the
      nested file, when that code runs fewer rules than the root's configuration
      selects: the nested file does not `extend` the root's, or it does but its
      `select` starts the selection over (`extend-select` adds to it; reported at the
      `select` line), or its `ignore` turns rules off. Folders without source code
      (only tests, scripts, docs, vendored code) and folders the root's `exclude`
      leaves out are not looked at.

    A departure recorded in `[tool.ml-policy.overrides]` under the file's path
    (`"sub/ruff.toml" = { reason = "..." }`) is accepted.

    ## Why is this bad?
    Each of these tools reads exactly one configuration file and ignores the rest
    without a word. A `mypy.ini` left over from before the policy switches every
    strictness flag of the bundle off, while pyproject.toml still reads as strict; a
    nested `ruff.toml` with `select = ["E", "F"]` turns off every other rule for its
    folder, and `ml-policy check-config` on the root would not see it.

    ## Example
    ```ini
    # .mypy.ini, beside a pyproject.toml with the bundle's [tool.mypy]
    [mypy]
    python_version = 3.11
    ```

    ## Use instead
    Move the settings into `[tool.mypy]` (`ml-policy init --migrate` does it) and
    delete `.mypy.ini`; make a nested Ruff configuration extend the root's:
    ```toml
    # services/api/ruff.toml
    extend = "../../pyproject.toml"

    [lint]
    extend-select = ["ASYNC"]
    ```

    ## References
    - [mypy: the configuration file](https://mypy.readthedocs.io/en/stable/config_file.html)
    - [Ruff: config file discovery](https://docs.astral.sh/ruff/configuration/#config-file-discovery)
    - [Ruff: `extend`](https://docs.astral.sh/ruff/settings/#extend)
    - [Ruff: `lint.select`](https://docs.astral.sh/ruff/settings/#lint_select)
    """

    code = "MLG007"
    name = "config-not-read"
    summary = "a tool reads another configuration file than the one the policy is in"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        # FILE: .mypy.ini
        [mypy]
        python_version = 3.11
        """,
        """
        # FILE: ruff.toml
        line-length = 100
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        # FILE: ruff.toml
        extend = "pyproject.toml"
        """,
        """
        # FILE: setup.cfg
        [mypy]
        ignore_errors = True
        """,
    )

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        del file_name, key
        return False  # its findings are the traps', not init's plan's
