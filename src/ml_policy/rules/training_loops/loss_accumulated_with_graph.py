"""MLC004: a training loop that adds up (or collects) the loss tensor itself, graph and all."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from ml_policy.lint import textscan
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.rules.training_loops.loops import (
    LoopRule,
    ast_loops,
    ast_loops_with,
    backward_tensors,
    calls_in,
    dotted,
    loop_nodes,
    method,
    receiver,
)

if TYPE_CHECKING:
    from ml_policy.rules.training_loops.loops import Loop

# List methods that keep what they are given.
KEEPING_METHODS = frozenset({"append", "extend", "insert"})


class LossAccumulatedWithGraph(LoopRule):
    """## What it does
    Checks for training loops that call `loss.backward()` and add the loss
    tensor itself to a running total (`total += loss`, `total = total +
    loss`, `total += loss * n`) or keep it in a list (`losses.append(loss)`),
    where the total or the list lives across iterations.

    ## Why is this bad?
    The loss tensor carries its autograd graph: every activation of the
    forward pass it was computed from. A running sum of loss tensors is a
    tensor whose graph holds the graphs of every step, so none of them is
    freed: memory grows with each iteration until the run fails with an
    out-of-memory error, many steps after the line at fault. Add
    `loss.item()` (a Python number) or `loss.detach()` instead.

    The loss is a name the loop calls `backward()` on (`loss.backward()`,
    `scaler.scale(loss).backward()`, `accelerator.backward(loss)`). The rule
    is silent when the loop rebinds that name (`loss = loss.item()`), when
    the total or the list is created afresh inside the loop, for
    `loss.item()`, `loss.detach()`, `float(loss)` and `loss.data`, and in
    tests.

    ## Example
    ```python
    running_loss = 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss
    ```

    ## Use instead
    ```python
    running_loss = 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    ```

    ## References
    - [PyTorch FAQ: my model reports "cuda runtime error(2): out of memory"](https://pytorch.org/docs/stable/notes/faq.html#my-model-reports-cuda-runtime-error-2-out-of-memory)
    """

    code = "MLC004"
    name = "loss-accumulated-with-graph"
    summary = "Training loop accumulates the loss tensor itself, keeping every step's graph alive"
    triggers: ClassVar[tuple[str, ...]] = ("backward",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        total = 0.0
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            total += loss.item()
        """,
        """
        losses = []
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            losses.append(loss.detach())
            total = total + float(loss)
        """,
        """
        for x, y in loader:
            parts = []
            loss = criterion(model(x), y)
            parts.append(loss)
            loss.backward()
        """,
        """
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            loss = loss.item()
            total += loss
        """,
        """
        for batch in loader:
            total = 0
            for x in batch:
                total += model(x).sum()
            total.backward()
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        running_loss = 0.0
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss += loss  # error
        """,
        """
        history = []
        while step < steps:
            loss = model(next(batches)).mean()
            scaler.scale(loss).backward()
            history.append(loss)  # error
            epoch_loss = epoch_loss + loss * batch_size  # error
        """,
        """
        for epoch in range(epochs):
            stats = {"loss": 0.0}
            for x in loader:
                loss = model(x)
                accelerator.backward(loss)
                stats["loss"] += loss  # error
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return text.mentions("+", "append", "extend", "insert") and textscan.calls_method(
            text.text, "backward"
        )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return ast_loops_with(context, "backward")

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.stmt]:
        # A loop's verdict reads only its own body.
        return ast_loops(context, "backward")

    def check(self, loop: Loop) -> None:
        nodes = loop_nodes(loop)
        losses = backward_tensors(calls_in(nodes)) - _detached_names(nodes)
        if not losses:
            return
        assigned = _assigned_names(nodes)
        for node in nodes:
            found = _accumulation(node, losses)
            if found is not None and found[0] not in assigned:  # a fresh total is freed
                self.report_once(node, _message(found[1]))


def _accumulation(node: cst.CSTNode, losses: set[str]) -> tuple[str | None, str] | None:
    """(the total's or list's root name, the loss) when `node` adds a loss to a total."""
    total: cst.BaseExpression | None = None
    added: cst.BaseExpression | None = None
    if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
        total, added = node.target, node.value  # total += loss
    elif isinstance(node, cst.Assign) and isinstance(node.value, cst.BinaryOperation):
        if _is_self_sum(node):
            total, added = node.targets[0].target, node.value.right  # total = total + loss
    elif isinstance(node, cst.Call) and _keeps(node):
        total, added = receiver(node), node.args[-1].value  # losses.append(loss)
    loss = None if total is None or added is None else _attached_loss(added, losses)
    return None if total is None or loss is None else (_root(total), loss)


def _keeps(call: cst.Call) -> bool:
    """`x.append(value)`, `x.insert(i, value)`: a list method given a value by position."""
    return (
        method(call) in KEEPING_METHODS
        and bool(call.args)
        and call.args[-1].keyword is None
        and not call.args[-1].star
    )


def _is_self_sum(node: cst.Assign) -> bool:
    """`total = total + ...`."""
    value = node.value
    return (
        len(node.targets) == 1
        and isinstance(value, cst.BinaryOperation)
        and isinstance(value.operator, cst.Add)
        and value.left.deep_equals(node.targets[0].target)
    )


def _attached_loss(value: cst.BaseExpression, losses: set[str]) -> str | None:
    """The loss `value` is, or is arithmetic on (`loss`, `loss * n`): still on the graph."""
    if isinstance(value, cst.Name):
        return value.value if value.value in losses else None
    if isinstance(value, cst.BinaryOperation):
        return _attached_loss(value.left, losses) or _attached_loss(value.right, losses)
    if isinstance(value, cst.UnaryOperation):
        return _attached_loss(value.expression, losses)
    return None


def _root(node: cst.BaseExpression) -> str | None:
    """`total` of `total`, `self.total`'s `self.total`, `stats` of `stats["loss"]`."""
    while isinstance(node, cst.Subscript):
        node = node.value
    return dotted(node)


def _assigned_names(nodes: list[cst.CSTNode]) -> set[str | None]:
    """The names (and dotted attributes) the loop body assigns with `=`."""
    names: set[str | None] = set()
    for node in nodes:
        if isinstance(node, cst.Assign):
            if not _is_self_sum(node):
                names.update(_root(target.target) for target in node.targets)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            names.add(_root(node.target))
    return names


def _detached_names(nodes: list[cst.CSTNode]) -> set[str]:
    """Names the loop rebinds to something that is not the loss's graph (`loss = loss.item()`)."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, cst.Assign) and not _may_be_attached(node.value):
            names.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
    return names


def _may_be_attached(value: cst.BaseExpression) -> bool:
    """Whether a value may be a tensor on the graph: anything but a known detaching call."""
    if isinstance(value, cst.Call):
        if isinstance(value.func, cst.Name):
            return value.func.value not in {"float", "int", "round"}
        return method(value) not in {"item", "detach", "tolist", "numpy", "cpu"}
    if isinstance(value, cst.Attribute):
        return value.attr.value != "data"
    return not isinstance(value, cst.BaseNumber | cst.BaseString)


def _message(loss: str) -> str:
    return (
        f"`{loss}` is accumulated with its autograd graph: every step's graph stays alive "
        f"and memory grows each iteration; use `{loss}.item()` or `{loss}.detach()`"
    )
