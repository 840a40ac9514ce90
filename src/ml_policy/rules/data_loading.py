"""Data loading (MLP): DataLoaders that leave the accelerator waiting."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.diagnostics import Applicability
from ml_policy.lint.calls import (
    UNKNOWN,
    argument,
    ast_argument,
    ast_calls_of,
    is_test_file,
    literal_bool,
    literal_int,
)
from ml_policy.lint.imports import DATALOADER, ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import Rule

TENSOR_DATASET = "torch.utils.data.TensorDataset"
SUBSET = "torch.utils.data.Subset"
# DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers,
#            collate_fn, pin_memory, ...): 0-based positions
NUM_WORKERS_POSITION = 5
PIN_MEMORY_POSITION = 7
# Folders of test helpers shipped inside packages (accelerate.test_utils, ...).
TEST_SUPPORT_DIRECTORIES = frozenset({"test_utils", "testing_utils", "testutils"})


def is_test_code(path: Path) -> bool:
    """Tests, and the test helpers packages ship: both run loaders synchronously on purpose."""
    return is_test_file(path) or bool(TEST_SUPPORT_DIRECTORIES.intersection(path.parts[:-1]))


class _DataLoaderRule(Rule):
    """Collects DataLoader calls; decides once the file's assignments are known."""

    triggers: ClassVar[tuple[str, ...]] = ("DataLoader",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.calls: list[cst.Call] = []
        # Scopes as Python resolves names: a name in its def (or the module), `self.x` in its
        # class. Bindings are keyed `scope:name`: those assigned an in-memory dataset, and
        # those assigned anything else (a rebound name is no longer known to be in memory).
        self.functions: list[int] = [0]
        self.classes: list[int] = [0]
        self.in_memory: set[str] = set()
        self.other: set[str] = set()
        self.lookups: dict[int, list[str]] = {}  # id of a call -> keys of its dataset, inner first

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_code(path)

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        """A DataLoader call that `finish` may report (it may still find the data in memory)."""
        return any(cls.may_report(call) for call in _dataloader_calls(tree, imports))

    @classmethod
    def may_report(cls, call: ast.Call) -> bool:
        """`finish`'s test of a call's arguments, on the stdlib tree. Default: yes."""
        del call
        return True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(id(node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(id(node))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def _keys(self, node: cst.BaseExpression) -> list[str]:
        """Where a name or `self.x` may be bound, innermost scope first."""
        name = _target(node)
        if name is None:
            return []
        scopes = self.classes if name.startswith("self.") else self.functions
        return [f"{scope}:{name}" for scope in reversed(scopes)]

    def visit_Call(self, node: cst.Call) -> None:
        if self.resolve(node.func) == DATALOADER:
            self.calls.append(node)
            dataset = argument(node, "dataset", 0)
            if isinstance(dataset, cst.Arg):
                self.lookups[id(node)] = self._keys(dataset.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        keys = [keys[0] for t in node.targets if (keys := self._keys(t.target))]
        (self.in_memory if self.is_in_memory(node.value) else self.other).update(keys)

    @cached_property
    def memory_classes(self) -> frozenset[str]:
        """Module-level classes whose `__getitem__` only indexes tensors already in memory."""
        return frozenset(_memory_classes(self.context.tree, self.context.imports))

    def is_in_memory(self, value: cst.BaseExpression) -> bool:
        """A TensorDataset, a list display, or an instance of an indexing-only class."""
        if isinstance(value, cst.List | cst.Tuple | cst.ListComp):
            return True
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        if isinstance(func, cst.Name) and func.value in self.memory_classes:
            return True
        name = self.resolve(func)
        if name == SUBSET and value.args:  # a subset of data in memory (assigned before it)
            return self.known_in_memory(value.args[0].value, self._keys(value.args[0].value))
        return name == TENSOR_DATASET

    def known_in_memory(self, value: cst.BaseExpression, keys: list[str]) -> bool:
        """An in-memory dataset, or a name whose binding (the innermost) only holds one."""
        if self.is_in_memory(value):
            return True
        for key in keys:
            if key in self.in_memory or key in self.other:  # the scope that binds the name
                return key not in self.other
        return False

    def holds_data(self, call: cst.Call) -> bool:
        """Whether the dataset is already in memory (workers would only add copies)."""
        dataset = argument(call, "dataset", 0)
        if dataset is None or dataset is UNKNOWN:
            return False
        return self.known_in_memory(dataset.value, self.lookups.get(id(call), []))


# One slot: MLP001's and MLP003's screens of a file share one walk of its tree.
_last_calls: list[tuple[ast.Module, ImportTable, list[ast.Call]]] = []


def _dataloader_calls(tree: ast.Module, imports: ImportTable) -> list[ast.Call]:
    if _last_calls and _last_calls[0][0] is tree and _last_calls[0][1] is imports:
        return _last_calls[0][2]
    calls = list(ast_calls_of(tree, imports, DATALOADER))
    _last_calls[:] = [(tree, imports, calls)]
    return calls


def _target(node: cst.BaseExpression) -> str | None:
    """`name` or `self.name`: the assignment targets tracked."""
    if isinstance(node, cst.Name):
        return node.value
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    ):
        return f"self.{node.attr.value}"
    return None


def _memory_classes(tree: ast.Module, imports: ImportTable) -> set[str]:
    """Classes defined once at module level whose `__getitem__` only indexes what `__init__`
    built in memory: it makes no call, so worker processes would have nothing to do."""
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    names = [node.name for node in classes]
    return {
        node.name
        for node in classes
        if names.count(node.name) == 1 and _indexes_memory(node, imports)
    }


def _indexes_memory(node: ast.ClassDef, imports: ImportTable) -> bool:
    getitem = _method(node, "__getitem__")
    init = _method(node, "__init__")
    if getitem is None or init is None or getitem.decorator_list:
        return False
    if any(isinstance(n, ast.Call | ast.Await) for n in ast.walk(getitem)):
        return False
    built = _built_attributes(init, imports)
    local = {n.id for n in ast.walk(getitem) if isinstance(n, ast.Name)} - {"self"}
    return all(
        _self_attribute(n.value) in built or (isinstance(n.value, ast.Name) and n.value.id in local)
        for n in ast.walk(getitem)
        if isinstance(n, ast.Subscript)
    )


def _method(node: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    methods = [s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == name]
    return methods[0] if len(methods) == 1 else None


def _built_attributes(init: ast.FunctionDef, imports: ImportTable) -> set[str]:
    """`self.x` that `__init__` assigns only lists, or tensors and arrays from torch or numpy
    (a wrapped dataset, `self.base = base`, is not in memory: indexing it runs its code)."""
    values: dict[str, list[ast.expr]] = {}
    for stmt in ast.walk(init):
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                name = _self_attribute(target)
                if name is not None:
                    values.setdefault(name, []).append(stmt.value)
    return {name for name, found in values.items() if all(_builds(v, imports) for v in found)}


def _builds(value: ast.expr, imports: ImportTable) -> bool:
    if isinstance(value, ast.List | ast.ListComp):
        return True
    if not isinstance(value, ast.Call):
        return False
    name = imports.resolve_ast(value.func) or ""
    if name == "numpy.memmap" or any(k.arg == "mmap_mode" for k in value.keywords):
        return False  # indexing a memory map reads the disk
    return name.startswith(("torch.", "numpy."))


def _self_attribute(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.value.id == "self" else None
    return None


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
    or `*args` or `**kwargs` are splatted into the call. It is also silent
    when the dataset is already in memory, where workers only add
    inter-process copies: a `TensorDataset`, a list or tuple display or list
    comprehension, or an instance of a class of the same file whose
    `__getitem__` calls nothing and indexes only lists, tensors or arrays
    that its `__init__` builds, or a `Subset` of one of these (a name
    rebound to anything else no longer counts). Test files (`test_*.py`,
    `*_test.py`, `conftest.py`, `tests/`) and test helpers shipped in
    packages (`test_utils/`, `testing_utils/`) are skipped: tests run
    loaders synchronously on purpose.

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
        import torch
        from torch.utils.data import DataLoader, Dataset


        class Table(Dataset):
            def __init__(self, rows):
                self.data = torch.tensor(rows)

            def __getitem__(self, index):
                return self.data[index]


        loader = DataLoader(Table(rows), batch_size=32)
        prompts = DataLoader([encode(text) for text in texts], batch_size=8)
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
        """
        from torch.utils.data import DataLoader, Dataset


        class Images(Dataset):
            def __getitem__(self, index):
                return decode(self.paths[index])


        loader = DataLoader(Images(), batch_size=32)  # error
        """,
    )

    @classmethod
    def may_report(cls, call: ast.Call) -> bool:
        workers = ast_argument(call, "num_workers", NUM_WORKERS_POSITION)
        if isinstance(workers, ast.Constant):
            return type(workers.value) is int and workers.value == 0  # `literal_int(...) == 0`
        return workers is None

    def finish(self) -> None:
        for call in self.calls:
            workers = argument(call, "num_workers", NUM_WORKERS_POSITION)
            if workers is UNKNOWN or self.holds_data(call):
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
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        return super().screen(tree, imports) and _moves_to_cuda(tree, imports)

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
