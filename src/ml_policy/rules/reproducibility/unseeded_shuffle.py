"""MLR002: a shuffle or random split with no seed, in a module that seeds nothing."""

from __future__ import annotations

import ast
from typing import ClassVar

from ml_policy.lint.calls import (
    UNKNOWN,
    Unknown,
    argument,
    ast_argument,
    calls_in,
    literal_bool,
)
from ml_policy.lint.imports import DATALOADER
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext
from ml_policy.rules.data_loading.dataloaders import DataLoaderRule
from ml_policy.rules.reproducibility.seeds import seeds_globally, starts_runs

RANDOM_SPLITS = frozenset(
    {"torch.utils.data.random_split", "torch.utils.data.dataset.random_split"}
)
TRAIN_TEST_SPLITS = frozenset({"sklearn.model_selection.train_test_split"})
# DataLoader(dataset, batch_size, shuffle, ..., generator): 0-based positions.
SHUFFLE_POSITION = 2
LOADER_GENERATOR_POSITION = 12
# random_split(dataset, lengths, generator)
SPLIT_GENERATOR_POSITION = 2


class UnseededShuffle(DataLoaderRule):
    """## What it does
    Checks for `DataLoader(..., shuffle=True)` and
    `torch.utils.data.random_split(...)` without a `generator=`, and
    scikit-learn's `train_test_split(...)` without a `random_state=`, in a
    module that seeds no global generator (no call named like a seeding
    function: `torch.manual_seed`, `np.random.seed`, `random.seed`,
    `seed_everything`, `set_seed`, ...).

    ## Why is this bad?
    The order of the batches and the split between training and validation
    data then change on every run: two runs of the same code give different
    models and different metrics, a result cannot be reproduced, and a
    validation set drawn afresh each run leaks into training across runs of
    a hyperparameter search.

    Reported where a run starts and its seed would have to be: a notebook, a
    module with an `if __name__ == "__main__":` block, or a script's top
    level. A call inside a function of any other module is silent: the
    program that calls it may seed the run (the common layout of a
    `data.py` helper and a seeding `train.py`). Also silent when `shuffle`
    is not the literal `True`, when `*args`/`**kwargs` may carry the seed,
    in modules that seed anything (the seeding may cover these calls), and
    in tests.

    ## Example
    ```python
    train_set, val_set = random_split(dataset, [0.9, 0.1])
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    ```

    ## Use instead
    ```python
    generator = torch.Generator().manual_seed(0)
    train_set, val_set = random_split(dataset, [0.9, 0.1], generator=generator)
    loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=generator)
    ```

    ## References
    - [PyTorch: Reproducibility, DataLoader](https://pytorch.org/docs/stable/notes/randomness.html#dataloader)
    - [PyTorch: `random_split`](https://pytorch.org/docs/stable/data.html#torch.utils.data.random_split)
    - [scikit-learn: `train_test_split`](https://scikit-learn.org/stable/modules/generated/sklearn.model_selection.train_test_split.html)
    """

    code = "MLR002"
    name = "unseeded-shuffle"
    summary = "Shuffle or random split without a seed, in a module that seeds nothing"
    triggers: ClassVar[tuple[str, ...]] = ("DataLoader", "random_split", "train_test_split")
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch
        from torch.utils.data import DataLoader

        torch.manual_seed(0)
        loader = DataLoader(ds, batch_size=8, shuffle=True)
        """,
        """
        from torch.utils.data import DataLoader, random_split

        train, val = random_split(ds, [0.9, 0.1], generator=g)
        loader = DataLoader(train, batch_size=8, shuffle=True, generator=g)
        """,
        """
        from sklearn.model_selection import train_test_split

        x_train, x_test = train_test_split(x, test_size=0.2, random_state=42)
        y_train, y_test = train_test_split(y, shuffle=False)
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, batch_size=8, shuffle=cfg.shuffle)
        other = DataLoader(ds, **kwargs)
        """,
        """
        from torch.utils.data import DataLoader


        def make_loader(ds):
            return DataLoader(ds, batch_size=8, shuffle=True)  # train.py may seed the run
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import DataLoader as DL, random_split

        train, val = random_split(ds, [0.9, 0.1])  # error
        loader = DL(train, 32, True)  # error
        """,
        """
        from sklearn.model_selection import train_test_split as split

        x_train, x_test, y_train, y_test = split(x, y, test_size=0.2)  # error
        """,
        """
        from torch.utils.data import DataLoader


        def main():
            loader = DataLoader(ds, batch_size=8, shuffle=True)  # error


        if __name__ == "__main__":
            main()
        """,
    )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        if seeds_globally(context):
            return False
        names = (DATALOADER, *RANDOM_SPLITS, *TRAIN_TEST_SPLITS)
        return any(_ast_unseeded(call, context) for call in calls_in(context, *names))

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.depth = 0  # of function definitions around the node visited
        self.program = starts_runs(context)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if not self.program and self.depth:
            return  # a helper's loader: the program that calls it may seed the run
        if self.resolve(node.func) in (DATALOADER, *RANDOM_SPLITS, *TRAIN_TEST_SPLITS):
            self.collect(node)

    def finish(self) -> None:
        for call in self.calls:
            what = _unseeded(call, self.resolve(call.func) or "")
            if what is not None:
                self.report(call, what)


def _ast_unseeded(call: ast.Call, context: FileContext) -> bool:
    """A loose version of `_unseeded` on the stdlib tree (the screen)."""
    name = context.imports.resolve_ast(call.func)
    if name == DATALOADER:
        shuffle = ast_argument(call, "shuffle", SHUFFLE_POSITION)
        return isinstance(shuffle, ast.Constant) and shuffle.value is True
    return True


def _unseeded(call: cst.Call, name: str) -> str | None:
    """The message for an unseeded shuffle or split, None when it is seeded or unknown."""
    if name == DATALOADER:
        shuffle = argument(call, "shuffle", SHUFFLE_POSITION)
        if (
            isinstance(shuffle, Unknown)
            or shuffle is None
            or literal_bool(shuffle.value) is not True
        ):
            return None
        if argument(call, "generator", LOADER_GENERATOR_POSITION) is None:
            return _message("DataLoader(shuffle=True)", "generator=")
        return None
    if name in RANDOM_SPLITS:
        if argument(call, "generator", SPLIT_GENERATOR_POSITION) is None:
            return _message("random_split", "generator=")
        return None
    shuffle = argument(call, "shuffle")
    if shuffle is not None and (shuffle is UNKNOWN or literal_bool(shuffle.value) is not True):
        return None  # shuffle=False, or not known
    if argument(call, "random_state") is None:
        return _message("train_test_split", "random_state=")
    return None


def _message(what: str, seed: str) -> str:
    return (
        f"`{what}` without `{seed}` in a module that seeds nothing: the order or the split "
        f"changes on every run; pass `{seed}` (or seed the run)"
    )
