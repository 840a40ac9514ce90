"""MLD003 missing-lock-file: pyproject.toml ranges with no lock file that git tracks."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.model import Kind, Manifest, Pin
from ml_policy.deps.rules.base import DepsRule
from ml_policy.deps.rules.messages import LOCK_COMMANDS
from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic, Severity


class MissingLockFile(DepsRule):
    """
    ## What it does
    In `app` mode, reports a pyproject.toml whose dependencies (of any package,
    in any section) are ranges when git tracks no lock file (uv.lock,
    poetry.lock, pdm.lock, Pipfile.lock, pixi.lock, conda-lock.yml,
    *.conda-lock.yml, pylock.toml, pylock.*.toml) in its folder or a folder
    above it, up to the repository root. Reported once per file, at the first
    range, as a **warning**: MLD001 already reports each ML package as an
    error; this finding is about the rest of the dependency tree.

    A lock file that exists but is not tracked by git does not count: CI and
    colleagues install from what is committed. Outside every git repository
    (an unpacked sdist) a lock file on disk counts: there is nothing tracked to
    go by.

    ## Why is this bad?
    Ranges say what works; only a lock file says what was installed. Without
    one, each install resolves the whole tree again, including the transitive
    dependencies of torch and transformers, and two machines end up with
    different environments.

    ## Example
    ```toml
    [project]
    dependencies = ["requests>=2.31"]
    # ... and no uv.lock committed
    ```

    ## Use instead
    Run `uv lock` (or `poetry lock`, `pdm lock`) and commit the lock file, or
    set `mode = "library"` for a published library.

    ## References
    - [uv: The lockfile](https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile)
    - [PEP 751: A file format to record Python dependencies (pylock.toml)](https://peps.python.org/pep-0751/)
    """

    code = "MLD003"
    name = "missing-lock-file"
    summary = "pyproject.toml declares ranges and git tracks no lock file"
    example_file = "pyproject.toml"
    severity = Severity.WARNING
    invalid: ClassVar[tuple[str, ...]] = (
        '[project]\nname = "app"\ndependencies = ["requests>=2.31"]\n',
    )
    valid: ClassVar[tuple[str, ...]] = (
        '[project]\nname = "app"\ndependencies = ["requests==2.32.3"]\n',
    )

    @classmethod
    def check(cls, manifest: Manifest, policy: Policy) -> list[Diagnostic]:
        """One finding per pyproject.toml with ranges and no tracked lock file (app mode)."""
        if manifest.kind is not Kind.PYPROJECT or policy.library or policy.lock is not None:
            return []
        ranges = [
            r
            for r in manifest.requirements
            if not r.constraint and r.pin in (Pin.BOUNDED, Pin.LOWER, Pin.UNPINNED)
        ]
        if not ranges:
            return []
        first = ranges[0]
        message = (
            f"{manifest.path.name} declares version ranges (`{first.text}` here, {len(ranges)} in "
            f"all) and git tracks no lock file in its folder or above: every install resolves "
            f"anew and gets different versions of the whole dependency tree; commit a lock file "
            f'({LOCK_COMMANDS}), or set [tool.ml-policy.deps] mode = "library" if this is a '
            f"published library"
        )
        return [cls.at_position(message, first.position)]
