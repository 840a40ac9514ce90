"""MLP003: a DataLoader without `pin_memory=True` in a module that moves batches to CUDA."""

from __future__ import annotations

import ast
from typing import ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.lint.calls import UNKNOWN, argument, ast_argument, literal_bool, with_keyword
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext
from ml_policy.rules.data_loading.dataloaders import DataLoaderRule

# DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers,
#            collate_fn, pin_memory, ...): 0-based positions
PIN_MEMORY_POSITION = 7


class DataLoaderPinMemory(DataLoaderRule):
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
    splatted, for test files and test helpers (`test_utils/`), and in modules
    with no sign of CUDA.

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
    def screen_context(cls, context: FileContext) -> bool:
        return super().screen_context(context) and _moves_to_cuda(context.tree, context.imports)

    @classmethod
    def places(cls, context: FileContext) -> list[ast.AST]:
        # The module-wide test (moves to CUDA) is the screen's; a call's verdict is its own.
        return cls.reportable_calls(context)

    @classmethod
    def may_report(cls, call: ast.Call) -> bool:
        pinned = ast_argument(call, "pin_memory", PIN_MEMORY_POSITION)
        if isinstance(pinned, ast.Constant):
            return pinned.value is False  # `literal_bool(...) is False`
        return pinned is None

    def finish(self) -> None:
        for call in self.calls:
            pinned = argument(call, "pin_memory", PIN_MEMORY_POSITION)
            if pinned is UNKNOWN:
                continue
            if pinned is None:
                fixed = with_keyword(call, "pin_memory", "True")
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
