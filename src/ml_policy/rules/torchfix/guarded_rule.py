"""What every TorchFix-parity rule shares: its TorchFix codes, and silence under version guards."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.torchfix.guards import guard_tracker


class TorchFixRule(Rule):
    """A rule with TorchFix counterparts; it reads the file's version guards."""

    # TorchFix's codes for the same check (a noqa comment naming one silences this rule).
    torchfix_codes: ClassVar[tuple[str, ...]]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.guards = context.fact(guard_tracker)

    @property
    def guarded(self) -> bool:
        """Whether the node being visited runs only on some PyTorch versions."""
        return self.guards.guarded
