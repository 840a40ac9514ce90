"""MLT106: `zero_grad(set_to_none=False)`, which writes zeros into every gradient."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.lint.calls import UNKNOWN, argument, is_test_file, literal_bool
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule


class ZeroGradSetToNoneFalse(Rule):
    """## What it does
    Checks for `zero_grad(set_to_none=False)` (or `zero_grad(False)`) on an
    optimizer or a module.

    TorchFix: TOR402

    ## Why is this bad?
    Since PyTorch 2.0 `zero_grad()` sets gradients to `None` by default: no
    kernel runs to fill them with zeros, the memory is released until the
    next backward pass, and the backward pass writes the new gradients
    instead of adding them to zeros. `set_to_none=False` opts back into the
    slower behaviour.

    Keep `False` where the code after it reads or updates `.grad` in place
    before the next backward pass (a `None` gradient would fail there), and
    say so with a `noqa` comment. Silent in tests and in modules that use CUDA
    graphs (`torch.cuda.graph`, `CUDAGraph`, `make_graphed_callables`, or a
    `cuda_graph` name or option): a captured graph replays into the gradient
    buffers it saw, so they must be kept.

    Off in the bundles (select it by its full code): like TorchFix's TOR4xx
    codes this is a performance hint, and explicit `False` is often a
    decision. Measured on public training code: of 7 calls, 2 clear
    findings, 3 where the reason is not visible, 2 deliberate (now silent).

    ## Example
    ```python
    optimizer.zero_grad(set_to_none=False)
    ```

    ## Use instead
    ```python
    optimizer.zero_grad()
    ```

    ## References
    - [PyTorch: `Optimizer.zero_grad`](https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html)
    - [PyTorch performance tuning guide](https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT106"
    name = "zero-grad-set-to-none-false"
    summary = "`zero_grad(set_to_none=False)` fills gradients with zeros"
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR402",)
    triggers: ClassVar[tuple[str, ...]] = ("zero_grad",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        optimizer.zero_grad()
        optimizer.zero_grad(set_to_none=True)
        model.zero_grad(set_to_none=flag)
        optimizer.zero_grad(**kwargs)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        optimizer.zero_grad(set_to_none=False)  # error
        model.zero_grad(False)  # error
        self.trainer.optimizers[0].zero_grad(set_to_none=False)  # error
        """,
    )

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_file(path)  # tests check that gradients are zeroed in place

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        """A `zero_grad` call with arguments, in a module that does not use CUDA graphs."""
        calls = False
        for node in ast.walk(context.tree):
            if _uses_cuda_graphs(node, context.imports):
                return False
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                calls = calls or (
                    node.func.attr == "zero_grad" and bool(node.args or node.keywords)
                )
        return calls

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        for node in context.nodes(ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "zero_grad":
                yield node

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "zero_grad":
            return
        arg = argument(node, "set_to_none", 0)
        if arg is None or arg is UNKNOWN or literal_bool(arg.value) is not False:
            return
        self.report(node, _MESSAGE)


_MESSAGE = (
    "`zero_grad(set_to_none=False)` runs a kernel to zero every gradient and keeps "
    "their memory: leave `set_to_none` at its default (True)"
)

# CUDA graphs replay into the gradient buffers they captured: there the buffers must stay.
_CUDA_GRAPH_APIS = frozenset(
    {"torch.cuda.graph", "torch.cuda.CUDAGraph", "torch.cuda.make_graphed_callables"}
)


def _uses_cuda_graphs(node: ast.AST, imports: ImportTable) -> bool:
    """A CUDA-graph API, or a name or keyword that speaks of CUDA graphs (`cuda_graph=`)."""
    if isinstance(node, ast.Attribute | ast.Name):
        name = node.attr if isinstance(node, ast.Attribute) else node.id
        if name in {"CUDAGraph", "make_graphed_callables"} or _speaks_of_cuda_graphs(name):
            return True
        return isinstance(node, ast.Attribute) and imports.resolve_ast(node) in _CUDA_GRAPH_APIS
    if isinstance(node, ast.arg):
        return _speaks_of_cuda_graphs(node.arg)
    if isinstance(node, ast.keyword):
        return node.arg is not None and _speaks_of_cuda_graphs(node.arg)
    return False


def _speaks_of_cuda_graphs(name: str) -> bool:
    lowered = name.lower()
    return "cuda_graph" in lowered or "cudagraph" in lowered
