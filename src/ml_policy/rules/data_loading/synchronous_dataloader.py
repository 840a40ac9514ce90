"""MLP001: a DataLoader without `num_workers`, unless its dataset is already in memory."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.lint.calls import UNKNOWN, argument, ast_argument
from ml_policy.lint.imports import DATALOADER, ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope, ScopedRule
from ml_policy.rules.data_loading.dataloaders import DataLoaderRule

TENSOR_DATASET = "torch.utils.data.TensorDataset"
SUBSET = "torch.utils.data.Subset"
# DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, ...): 0-based
NUM_WORKERS_POSITION = 5


class SynchronousDataLoader(DataLoaderRule, ScopedRule):
    """## What it does
    Checks for `torch.utils.data.DataLoader` created without a `num_workers`
    argument (by keyword or as the sixth positional argument): without one,
    the loader runs no worker processes.

    ## Why is this bad?
    With no workers, every batch is read, decoded and augmented in the training
    process, between optimizer steps; the GPU or TPU sits idle while Python
    prepares the next batch. Worker processes prepare batches in parallel,
    ahead of time.

    An explicit `num_workers=0` is a decision, not an oversight (data that
    is cheap to read, a debugging switch, a platform without `fork`): the
    rule is silent. So it is when `*args` or `**kwargs` are splatted into the
    call, and for a loader used only for its length (`len(DataLoader(...))`,
    or a function's local name bound to a DataLoader whose every use in the
    file is `len(name)`): it never prepares a batch. (A module-level name is
    still reported: another module may import it and iterate it, and a
    notebook cell the linter cannot read, such as a `%%time` cell, may.)

    It is also silent when the dataset is already in memory, where workers
    only add inter-process copies: a `TensorDataset`, a list or tuple display
    or list comprehension, or an instance of a class of the same file whose
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
    summary = "DataLoader without worker processes (`num_workers` not given)"
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
        from torch.utils.data import DataLoader as DL

        debug_loader = DL(ds, batch_size=32, num_workers=0)
        """,
        """
        import torch

        loader = torch.utils.data.DataLoader(ds, 32, True, None, None, 0)
        """,
        """
        from torch.utils.data import DataLoader

        steps = len(DataLoader(ds, batch_size=8)) * epochs


        def count_batches(ds):
            loader = DataLoader(ds, batch_size=8)
            return len(loader)
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

        loader = DL(ds, batch_size=32, shuffle=True)  # error
        """,
        """
        import torch

        loader = torch.utils.data.DataLoader(ds, 32, True)  # error
        """,
        """
        from torch.utils.data import DataLoader

        loader = DataLoader(ds, batch_size=8)  # error
        steps = len(loader) * epochs
        for batch in loader:
            step(batch)
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

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # Bindings of a name in its def (or the module), or of `self.x` in its class: those
        # assigned an in-memory dataset, and those assigned anything else (a rebound name is no
        # longer known to be in memory).
        self.in_memory: set[tuple[Scope, str]] = set()
        self.other: set[tuple[Scope, str]] = set()
        self.lookups: dict[int, list[tuple[Scope, str]]] = {}  # id of a call -> its dataset's
        # Loaders only measured: ids of `len(...)`'s argument nodes, the name each loader call
        # is assigned to, and every node of each name in the file (any scope, conservatively).
        self.measured: set[int] = set()
        self.assigned: dict[int, cst.Name] = {}
        self.names: dict[str, list[int]] = {}

    @classmethod
    def places(cls, context: FileContext) -> list[ast.AST]:
        # A call's verdict reads the bindings of its dataset in the scopes around it, and
        # every node in the file of the name a loader is assigned to (`measured_only`).
        calls = cls.reportable_calls(context)
        names = {
            target.id
            for node in context.nodes(ast.Assign)
            if any(node.value is call for call in calls)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        return [*calls, *(node for node in context.nodes(ast.Name) if node.id in names)]

    @classmethod
    def may_report(cls, call: ast.Call) -> bool:
        return ast_argument(call, "num_workers", NUM_WORKERS_POSITION) is None

    def finish(self) -> None:
        targets = {id(name) for name in self.assigned.values()}
        for call in self.calls:
            workers = argument(call, "num_workers", NUM_WORKERS_POSITION)
            if (
                workers is None
                and not self.holds_data(call)
                and not self.measured_only(call, targets)
            ):
                self.report(call, f"DataLoader without `num_workers`: {self._why}")

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        is_len = isinstance(node.func, cst.Name) and node.func.value == "len"
        if is_len and len(node.args) == 1 and not node.args[0].star and self._builtin("len"):
            self.measured.add(id(node.args[0].value))

    def visit_Name(self, node: cst.Name) -> None:
        self.names.setdefault(node.value, []).append(id(node))

    def _builtin(self, name: str) -> bool:
        return self.scope.find(name) is None

    def _is_loader(self, value: cst.BaseExpression) -> bool:
        return isinstance(value, cst.Call) and self.resolve(value.func) == DATALOADER

    def measured_only(self, call: cst.Call, targets: set[int]) -> bool:
        """`len(DataLoader(...))`, or a local `name = DataLoader(...)` with every other node of
        `name` in the file (`targets`: the names loaders are assigned to) an argument of `len`:
        no batch is ever drawn from it."""
        if id(call) in self.measured:
            return True
        name = self.assigned.get(id(call))
        if name is None:
            return False
        others = [n for n in self.names.get(name.value, []) if n not in targets]
        return bool(others) and all(n in self.measured for n in others)

    def collect(self, call: cst.Call) -> None:
        super().collect(call)
        dataset = argument(call, "dataset", 0)
        if isinstance(dataset, cst.Arg):  # where its name is bound, from where it is read
            self.lookups[id(call)] = self._keys(dataset.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._is_loader(node.value) and len(node.targets) == 1:
            target = node.targets[0].target
            # A function's `name = DataLoader(...)`: its uses are followed (a module's name may
            # be imported elsewhere, or used in a notebook cell that is not read).
            if isinstance(target, cst.Name) and self.scope.kind == "function":
                self.assigned[id(node.value)] = target
        keys = [keys[0] for t in node.targets if (keys := self._keys(t.target))]
        (self.in_memory if self.is_in_memory(node.value) else self.other).update(keys)

    def _keys(self, node: cst.BaseExpression) -> list[tuple[Scope, str]]:
        """Where a name or `self.x` may be bound, innermost scope first."""
        name = _target(node)
        if name is None:
            return []
        kind = "class" if name.startswith("self.") else "function"
        return [(scope, name) for scope in _enclosing(self.scope, kind)]

    def is_in_memory(self, value: cst.BaseExpression) -> bool:
        """A TensorDataset, a list display, or an instance of an indexing-only class."""
        if isinstance(value, cst.List | cst.Tuple | cst.ListComp):
            return True
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        if isinstance(func, cst.Name) and func.value in self.context.fact(memory_classes):
            return True
        name = self.resolve(func)
        if name == SUBSET and value.args:  # a subset of data in memory (assigned before it)
            return self.known_in_memory(value.args[0].value, self._keys(value.args[0].value))
        return name == TENSOR_DATASET

    def known_in_memory(self, value: cst.BaseExpression, keys: list[tuple[Scope, str]]) -> bool:
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

    _why = (
        "batches are prepared in the training process while the accelerator waits; "
        "use worker processes (num_workers > 0)"
    )


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


def _enclosing(scope: Scope, kind: str) -> Iterator[Scope]:
    """The scopes of `kind` ("function" or "class") around `scope`, innermost first, and the
    module: where a name, or `self.x`, is bound."""
    current: Scope | None = scope
    while current is not None:
        if current.kind in {kind, "module"}:
            yield current
        current = current.parent


def memory_classes(context: FileContext) -> frozenset[str]:
    """Classes defined once at module level whose `__getitem__` only indexes what `__init__`
    built in memory: it makes no call, so worker processes would have nothing to do."""
    classes = [node for node in context.tree.body if isinstance(node, ast.ClassDef)]
    names = [node.name for node in classes]
    return frozenset(
        node.name
        for node in classes
        if names.count(node.name) == 1 and _indexes_memory(node, context.imports)
    )


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
