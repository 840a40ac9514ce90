"""ImageRule: what the MLI rules share (their example file, suppression text, positions)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.dockerfile import Dockerfile
from ml_policy.rule import BaseRule
from ml_policy.textpos import Span

_SUPPRESSION = """\
To accept one finding, write `# noqa: {code}` on a comment line directly
above the instruction it is reported at (Docker reads a `#` on a FROM or COPY
line as an argument, so no comment can follow the instruction there); in a
`RUN` command, as a shell comment on the reported line instead, as for
MLD006. Details: docs/suppression.md."""


class ImageRule(BaseRule):
    """An MLI rule: its examples are Dockerfiles."""

    example_file: ClassVar[str] = "Dockerfile"
    suppression: ClassVar[str] = _SUPPRESSION

    @classmethod
    def check(cls, dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
        """This rule's findings in one Dockerfile."""
        raise NotImplementedError

    @classmethod
    def at_span(cls, message: str, dockerfile: Dockerfile, span: Span) -> Diagnostic:
        return cls.at(
            message,
            dockerfile.path,
            span.line,
            span.column,
            end=(span.end_line, span.end_column),
        )
