"""Training correctness (MLC): code that trains or evaluates something other than intended.

One module per rule; `module_classes` holds what MLC002 and MLC007 share: which classes
are nn.Module subclasses, and whether the traversal is inside one of their methods.
(MLC004-MLC006, the training-loop rules, live in `rules.training_loops`.)
"""

from __future__ import annotations

from ml_policy.rules.training.discarded_tensor_result import DiscardedTensorResult
from ml_policy.rules.training.functional_dropout_without_training import (
    FunctionalDropoutWithoutTraining,
)
from ml_policy.rules.training.softmax_without_dim import SoftmaxWithoutDim
from ml_policy.rules.training.unregistered_submodules import UnregisteredSubmodules

__all__ = [
    "DiscardedTensorResult",
    "FunctionalDropoutWithoutTraining",
    "SoftmaxWithoutDim",
    "UnregisteredSubmodules",
]
