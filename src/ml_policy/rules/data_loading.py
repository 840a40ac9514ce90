"""Data loading (MLP): DataLoaders that leave the accelerator waiting."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.lint.calls import (
    UNKNOWN,
    argument,
    ast_calls_to,
    is_test_file,
    literal_bool,
    literal_int,
)
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import Rule

DATALOADER = "torch.utils.data.DataLoader"
TENSOR_DATASET = "torch.utils.data.TensorDataset"
# DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers,
#            collate_fn, pin_memory, ...): 0-based positions
NUM_WORKERS_POSITION = 5
PIN_MEMORY_POSITION = 7


class _DataLoaderRule(Rule):
    """Collects DataLoader calls; decides once the file's assignments are known."""

    triggers: ClassVar[tuple[str, ...]] = ("DataLoader",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.calls: list[cst.Call] = []
        self.tensor_datasets: set[str] = set()  # names assigned a TensorDataset(...) somewhere

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        return ast_calls_to(tree, imports, DATALOADER)

    def visit_Call(self, node: cst.Call) -> None:
        if self.resolve(node.func) == DATALOADER:
            self.calls.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call) and self.resolve(node.value.func) == TENSOR_DATASET:
            self.tensor_datasets.update(
                t.target.value for t in node.targets if isinstance(t.target, cst.Name)
            )

    def holds_tensors(self, call: cst.Call) -> bool:
        """Whether the dataset is a TensorDataset (in memory: workers would only add cost)."""
        dataset = argument(call, "dataset", 0)
        if dataset is None or dataset is UNKNOWN:
            return False
        value = dataset.value
        if isinstance(value, cst.Call):
            return self.resolve(value.func) == TENSOR_DATASET
        return isinstance(value, cst.Name) and value.value in self.tensor_datasets


class SynchronousDataLoader(_DataLoaderRule):
    """## What it does
    Checks for `torch.utils.data.DataLoader` created without worker processes:
    `num_workers` missing or a literal `0`, by keyword or as the sixth
    positional argument.

    ## Why is this bad?
    With no workers, every batch is read, decoded and augmented in the training
    process, between optimizer steps; the GPU or TPU sits idle while Python
    prepares the next batch. Worker processes prepare batches in parallel,
    ahead of time.

    The rule stays silent when it cannot tell: `num_workers` is not a literal,
    `*args` or `**kwargs` are splatted into the call, or the dataset is a
    `TensorDataset` (tensors already in memory, where workers only add
    inter-process copies). Test files (`test_*.py`, `*_test.py`,
    `conftest.py`, `tests/`) are skipped: tests run loaders synchronously on
    purpose.

    ## Example
    ```python
    from torch.utils.data import DataLoader

    loader = DataLoader(dataset, batch_size=64, shuffle=True)
    ```

    ## Use instead
    ```python
    loader = DataLoader(dataset, batch_size=64, num_workers=8, persistent_workers=True)
    ```

    ## References
    - [PyTorch: Single- and Multi-process Data Loading](https://pytorch.org/docs/stable/data.html#single-and-multi-process-data-loading)
    - [PyTorch performance tuning guide](https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html)
    """

    code = "MLP001"
    name = "synchronous-dataloader"
    summary = "DataLoader without worker processes (`num_workers` missing or 0)"
    valid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, batch_size=32, num_workers=4)
        """,
        """
        import torch.utils.data as tud

        loader = tud.DataLoader(ds, 32, True, None, None, 8)
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, num_workers=args.workers)
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, **loader_kwargs)
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(*loader_args)
        """,
        """
        from torch.utils.data import DataLoader, TensorDataset

        ds = TensorDataset(x, y)
        loader = DataLoader(ds, batch_size=32)
        """,
        """
        class DataLoader:
            pass


        loader = DataLoader(ds)
        """,
        """
        from my_lib import DataLoader

        loader = DataLoader(ds)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, batch_size=32)  # error
        """,
        """
        from torch.utils.data import DataLoader as DL

        loader = DL(ds, batch_size=32, num_workers=0)  # error
        """,
        """
        import torch

        loader = torch.utils.data.DataLoader(ds, 32, True, None, None, 0)  # error
        """,
        """
        import torch.utils.data as tud

        loader = tud.DataLoader(  # error
            ds,
            batch_size=8,
        )
        """,
    )

    def finish(self) -> None:
        if is_test_file(self.context.path):
            return
        for call in self.calls:
            workers = argument(call, "num_workers", NUM_WORKERS_POSITION)
            if workers is UNKNOWN or self.holds_tensors(call):
                continue
            if workers is None:
                self.report(call, f"DataLoader without `num_workers`: {self._why}")
            elif literal_int(workers.value) == 0:
                self.report(call, f"DataLoader with `num_workers=0`: {self._why}")

    _why = (
        "batches are prepared in the training process while the accelerator waits; "
        "use worker processes (num_workers > 0)"
    )


class DataLoaderPinMemory(_DataLoaderRule):
    """## What it does
    Checks for `torch.utils.data.DataLoader` without `pin_memory=True` in a
    module that moves batches to CUDA (`.cuda()`, or `.to(...)` together with
    a `"cuda"` device or `torch.cuda.is_available()`).

    ## Why is this bad?
    Copies from pageable host memory to the GPU are staged through a pinned
    buffer and cannot overlap with compute. With `pin_memory=True` the loader
    returns batches in page-locked memory, so `batch.to("cuda",
    non_blocking=True)` is a fast, asynchronous DMA copy.

    Silent when `pin_memory` is not a literal, when `*args`/`**kwargs` are
    splatted, for test files, and in modules with no sign of CUDA.

    ## Example
    ```python
    loader = DataLoader(dataset, batch_size=64, num_workers=8)
    for batch in loader:
        batch = batch.cuda()
    ```

    ## Use instead
    ```python
    loader = DataLoader(dataset, batch_size=64, num_workers=8, pin_memory=True)
    for batch in loader:
        batch = batch.cuda(non_blocking=True)
    ```

    ## Fix
    Adds `pin_memory=True` (or turns a literal `False` into `True`). Unsafe:
    pinned memory is a limited resource and the copy semantics change.

    ## References
    - [PyTorch: Memory Pinning](https://pytorch.org/docs/stable/data.html#memory-pinning)
    - [PyTorch: pin_memory tutorial](https://pytorch.org/tutorials/intermediate/pinmem_nonblock.html)
    """

    code = "MLP003"
    name = "dataloader-pin-memory"
    summary = "DataLoader without `pin_memory=True` in a module that moves batches to CUDA"
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE
    valid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, num_workers=4, pin_memory=True)
        x = next(iter(loader)).cuda()
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, num_workers=4)
        x = next(iter(loader)).to(device)
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, num_workers=4, pin_memory=cfg.pin)
        x = next(iter(loader)).cuda()
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, **kw)
        x = batch.cuda()
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, num_workers=4)  # error
        x = next(iter(loader)).cuda()
        """,
        """
        import torch
        from torch.utils.data import DataLoader as DL

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        loader = DL(ds, 8, True, None, None, 4, None, False)  # error
        x = next(iter(loader)).to(device)
        """,
    )

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        return super().screen(tree, imports) and _moves_to_cuda(tree, imports)

    def finish(self) -> None:
        if is_test_file(self.context.path):
            return
        for call in self.calls:
            pinned = argument(call, "pin_memory", PIN_MEMORY_POSITION)
            if pinned is UNKNOWN:
                continue
            if pinned is None:
                fixed = call.with_changes(args=(*_with_comma(call.args), _pin_memory_argument()))
                self.report(
                    call, self._message, fix=((call, fixed),), fix_message="Add `pin_memory=True`"
                )
            elif literal_bool(pinned.value) is False:
                fixed_arg = pinned.with_changes(value=cst.Name("True"))
                self.report(
                    call,
                    self._message,
                    fix=((pinned, fixed_arg),),
                    fix_message="Set `pin_memory=True`",
                )

    _message = (
        "DataLoader without `pin_memory=True` while batches are moved to CUDA: "
        "host-to-GPU copies cannot overlap with compute"
    )


def _pin_memory_argument() -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name("pin_memory"),
        value=cst.Name("True"),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )


def _with_comma(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """The arguments, the last one followed by a comma, so another can be appended."""
    items = list(args)
    if items and isinstance(items[-1].comma, cst.MaybeSentinel):
        items[-1] = items[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    return items


def _moves_to_cuda(tree: ast.Module, imports: ImportTable) -> bool:
    """`.cuda()` calls, or `.to(...)` calls in a module that names a CUDA device."""
    has_to = False
    names_cuda = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "cuda":
                return True
            has_to = has_to or node.func.attr == "to"
            names_cuda = names_cuda or imports.resolve_ast(node.func) == "torch.cuda.is_available"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names_cuda = names_cuda or node.value == "cuda" or node.value.startswith("cuda:")
    return has_to and names_cuda
