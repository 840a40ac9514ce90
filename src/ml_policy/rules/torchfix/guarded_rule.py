"""What the TorchFix-parity symbol rules share: silence under version guards."""

from __future__ import annotations

from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.torchfix.guards import guard_tracker


class TorchFixRule(Rule):
    """A rule with TorchFix counterparts (`torchfix_codes`); it reads the file's version guards."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.guards = context.fact(guard_tracker)

    @property
    def guarded(self) -> bool:
        """Whether the node being visited runs only on some PyTorch versions."""
        return self.guards.guarded
