"""DepsRule: what the MLD rules share (their example file, suppression text, positions)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.model import Manifest, Position
from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.rule import BaseRule

_SUPPRESSION = """\
To accept one finding, write `# noqa: {code}` (or a bare `# noqa`, which
accepts every code) in a comment on the line it is reported at, as in Ruff.
This works in requirements files, pyproject.toml, setup.cfg, setup.py,
conda environments, Dockerfile `RUN` commands, shell scripts, workflow
`run:` scripts and notebook cells, each read with its own comment syntax (a
`#` inside a quoted string or a URL is not a comment). For a command or
requirement continued with backslashes, the comment goes at the end of its
last line. Details: docs/suppression.md."""


class DepsRule(BaseRule):
    """An MLD rule: its examples are manifests (a requirements file unless it says otherwise)."""

    example_file: ClassVar[str] = "requirements.txt"
    suppression: ClassVar[str] = _SUPPRESSION

    @classmethod
    def check(cls, manifest: Manifest, policy: Policy) -> list[Diagnostic]:
        """This rule's findings in one manifest (or one file's install commands)."""
        raise NotImplementedError

    @classmethod
    def at_position(cls, message: str, where: Position) -> Diagnostic:
        return cls.at(
            message,
            where.path,
            where.line,
            where.column,
            end=(where.end_line, where.end_column),
            cell=where.cell,
        )
