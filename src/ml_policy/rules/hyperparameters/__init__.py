"""Hyperparameters and defaults (MLM): state shared between calls, instances and runs.

All four rules decide on the stdlib `ast` (their screens are the full analysis,
so libcst parses only files with findings) and use the libcst tree only to
report at the right node. Callables and classes are matched between the two
trees by their ordinal in source order (libcst visits in pre-order, which is
the order of their start positions), checked by name.

One module per rule, named after it, with its verdict; what they share is a fact
of the file (`FileContext.fact`): `definitions` (what runs at import time, source
order), `cst_matching` (the ordinal matcher), `ml_state` (what builds ML objects),
`mutable_defaults` and `mutations` (MLM001's mutable defaults and the proof that
they are mutated; MLM002 leaves those to MLM001).
"""

from __future__ import annotations

from ml_policy.rules.hyperparameters.argparse_append_default import ArgparseAppendDefault
from ml_policy.rules.hyperparameters.ml_object_default import MLObjectDefault
from ml_policy.rules.hyperparameters.module_class_attribute import ModuleClassAttribute
from ml_policy.rules.hyperparameters.mutated_mutable_default import MutatedMutableDefault

__all__ = [
    "ArgparseAppendDefault",
    "MLObjectDefault",
    "ModuleClassAttribute",
    "MutatedMutableDefault",
]
