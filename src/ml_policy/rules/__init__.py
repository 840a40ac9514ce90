"""Every ML lint rule, one class per rule, one module per family.

Importing this package does not import libcst (rules reach it lazily).
"""

from __future__ import annotations

from ml_policy.lint.rule import Rule
from ml_policy.rules.data_loading import DataLoaderPinMemory, SynchronousDataLoader
from ml_policy.rules.hyperparameters import (
    ArgparseAppendDefault,
    MLObjectDefault,
    ModuleClassAttribute,
    MutatedMutableDefault,
)
from ml_policy.rules.threaded_loading import ThreadedCpuBoundLoading

ALL_RULES: tuple[type[Rule], ...] = (
    MutatedMutableDefault,
    MLObjectDefault,
    ModuleClassAttribute,
    ArgparseAppendDefault,
    SynchronousDataLoader,
    ThreadedCpuBoundLoading,
    DataLoaderPinMemory,
)


def by_code(code: str) -> type[Rule] | None:
    return next((rule for rule in ALL_RULES if rule.code == code.upper()), None)
