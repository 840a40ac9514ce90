"""Training loops (MLC004-MLC006): what a `for`/`while` loop that calls `backward()` gets wrong.

`loops` holds what the rules share: a loop's nodes and calls, the losses it calls
`backward()` on, and the functions of the same file it calls.
"""

from __future__ import annotations

from ml_policy.rules.training_loops.eval_without_no_grad import EvalWithoutNoGrad
from ml_policy.rules.training_loops.loss_accumulated_with_graph import LossAccumulatedWithGraph
from ml_policy.rules.training_loops.missing_zero_grad import MissingZeroGrad

__all__ = ["EvalWithoutNoGrad", "LossAccumulatedWithGraph", "MissingZeroGrad"]
