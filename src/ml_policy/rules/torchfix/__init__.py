"""TorchFix parity (MLT): TorchFix's checks, maintained, with its codes in each rule's docs.

One module per rule. `guards` tells code that runs only on some PyTorch
versions (not a finding); `deprecations` holds the PyTorch names the symbol
rules look for; `symbol_use` is what those rules share.
"""

from __future__ import annotations

from ml_policy.rules.torchfix.checkpoint_use_reentrant import CheckpointUseReentrant
from ml_policy.rules.torchfix.deprecated_function import DeprecatedFunction
from ml_policy.rules.torchfix.private_collate import PrivateCollate
from ml_policy.rules.torchfix.removed_function import RemovedFunction
from ml_policy.rules.torchfix.require_grad_typo import RequireGradTypo

__all__ = [
    "CheckpointUseReentrant",
    "DeprecatedFunction",
    "PrivateCollate",
    "RemovedFunction",
    "RequireGradTypo",
]
