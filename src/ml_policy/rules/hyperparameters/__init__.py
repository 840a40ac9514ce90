"""Hyperparameters and defaults (MLM): state shared between calls, instances and runs.

All four rules decide on the stdlib `ast` (their screens are the full analysis,
so libcst parses only files with findings) and use the libcst tree only to
report at the right node. Callables and classes are matched between the two
trees by their ordinal in source order (libcst visits in pre-order, which is
the order of their start positions), checked by name.

One module per rule; the shared analysis is in `analysis` (per file), built on
`ml_state` (what builds ML objects), `mutable_defaults` and `mutations` (MLM001's
mutable defaults and the proof that they are mutated) and `scopes` (bindings and
source order).
"""

from __future__ import annotations

from ml_policy.rules.hyperparameters.argparse_default import ArgparseAppendDefault
from ml_policy.rules.hyperparameters.class_attribute import ModuleClassAttribute
from ml_policy.rules.hyperparameters.ml_object_default import MLObjectDefault
from ml_policy.rules.hyperparameters.mutated_default import MutatedMutableDefault

__all__ = [
    "ArgparseAppendDefault",
    "MLObjectDefault",
    "ModuleClassAttribute",
    "MutatedMutableDefault",
]
