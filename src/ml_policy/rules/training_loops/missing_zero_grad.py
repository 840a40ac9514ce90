"""MLC005: a training loop that steps an optimizer and never clears the gradients."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, ClassVar

from ml_policy.lint import textscan
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.rules.training_loops.loops import (
    LoopRule,
    ast_loops,
    ast_loops_with,
    ast_reached_functions,
    body_nodes,
    called_functions,
    calls_in,
    dotted,
    is_backward,
    local_callee,
    loop_nodes,
    method,
    module_functions,
    receiver,
)

if TYPE_CHECKING:
    from ml_policy.rules.training_loops.loops import Functions, Loop

# `optimizer`, `opt`, `optim`, `optimizer_g`, `d_optimizer`, `self.opt`: the last name.
OPTIMIZER_NAME = re.compile(r"^(?:\w+_)?(?:optimizer|optim|opt)(?:_\w+)?$")
# Methods that clear gradients, whatever they are called on (model, optimizer, engine).
CLEARING_METHODS = frozenset({"zero_grad", "clear_grad", "clear_gradients", "zero_grad_"})
# In-place methods that clear a `.grad` they are called on (`p.grad.zero_()`).
GRAD_CLEARING_METHODS = frozenset({"zero_", "fill_", "mul_", "detach_", "requires_grad_"})
# Methods of a base class that may run the optimizer's whole step, zero_grad included.
UNSEEN_STEP_METHOD = re.compile(r"step|update|optim|train|grad")
# Calls that take the optimizer and are known not to clear its gradients.
HARMLESS_OPTIMIZER_USES = frozenset({"step", "unscale_", "update", "append", "print", "len"})


class MissingZeroGrad(LoopRule):
    """## What it does
    Checks for training loops (`for` or `while`) that call `loss.backward()`
    and `optimizer.step()` but never clear the gradients: no
    `optimizer.zero_grad()` / `model.zero_grad()`, no `p.grad = None`, no
    `p.grad.zero_()` anywhere in the loop, nor in a function of the same file
    the loop calls.

    ## Why is this bad?
    `backward()` adds to `.grad`; it does not overwrite it. Without a reset
    every step applies the sum of all gradients so far: the updates grow
    step after step and training diverges or silently learns something else.
    A `zero_grad()` before the loop only clears the first step.

    An optimizer is a name assigned from a `torch.optim` constructor in the
    file, or a name spelt like one (`optimizer`, `opt`, `optim`,
    `optimizer_g`, `d_opt`); `scaler.step(optimizer)` counts as a step.
    Gradient accumulation is fine: a `zero_grad()` under the same
    `if step % accumulation == 0:` as the step clears the gradients. The rule
    is silent when the loop hands the optimizer to a function it cannot see
    (it may clear the gradients there), when `step` takes a closure, when
    the optimizer is created inside the loop, for `manual_backward`
    (Lightning's manual optimization), and in tests (they train toy models a
    few steps on purpose).

    ## Example
    ```python
    optimizer.zero_grad()
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```

    ## References
    - [PyTorch: Zeroing out gradients](https://pytorch.org/tutorials/recipes/recipes/zeroing_out_gradients.html)
    - [PyTorch: `Optimizer.zero_grad`](https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html)
    """

    code = "MLC005"
    name = "missing-zero-grad"
    summary = "Training loop steps the optimizer but never clears the gradients"
    triggers: ClassVar[tuple[str, ...]] = ("backward",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        """,
        """
        for i, (x, y) in enumerate(loader):
            (criterion(model(x), y) / 4).backward()
            if (i + 1) % 4 == 0:
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
        """,
        """
        for x, y in loader:
            criterion(model(x), y).backward()
            optimizer.step()
            for p in model.parameters():
                p.grad = None
        """,
        """
        def reset(model):
            for p in model.parameters():
                p.grad.zero_()


        for x in loader:
            model(x).sum().backward()
            opt.step()
            reset(model)
        """,
        """
        for x in loader:
            model(x).sum().backward()
            step_and_clear(optimizer)
            optimizer.step()
        """,
        """
        for x in loader:
            loss = model(x).sum()
            loss.backward()
            scheduler.step()
        """,
        """
        for x in loader:
            loss = model(x).sum()
            self.manual_backward(loss)
            opt.step()
        """,
        """
        for x in loader:
            optimizer.step(closure)
            loss.backward()
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        optimizer.zero_grad()
        for x, y in loader:
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()  # error
        """,
        """
        from torch import optim as O

        sgd = O.SGD(model.parameters(), lr=0.1)
        while step < total:
            model(next(batches)).mean().backward()
            sgd.step()  # error
            step += 1
        """,
        """
        for epoch in range(epochs):
            optimizer.zero_grad()
            for x in loader:
                scaler.scale(model(x).sum()).backward()
                scaler.step(optimizer)  # error
                scaler.update()
        """,
        """
        class Trainer:
            def fit(self, loader):
                for i, x in enumerate(loader):
                    self.model(x).sum().backward()
                    if i % 4 == 0:
                        self.optimizer.step()  # error
                    self.log(i)

            def log(self, i):
                print(i)
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return text.mentions("step") and textscan.calls_method(text.text, "backward", "step")

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return ast_loops_with(context, "backward", "step")

    @classmethod
    def places(cls, context: FileContext) -> list[ast.stmt]:
        # A loop's verdict reads the defs its calls reach (and whether a called name is a
        # def of the file at all), and the names the module assigns optimizers to.
        loops = list(ast_loops(context, "backward", "step"))
        resolve = context.imports.resolve_ast
        optimizers = [
            node
            for node in context.nodes(ast.Assign)
            if isinstance(node.value, ast.Call) and _is_optimizer_class(resolve(node.value.func))
        ]
        return [*loops, *ast_reached_functions(context, loops), *optimizers]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.functions: Functions = {}
        self.optimizers: set[str] = set()  # names assigned from torch.optim constructors

    def visit_Module(self, node: cst.Module) -> None:
        self.functions = module_functions(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call) and _is_optimizer_class(self.resolve(node.value.func)):
            self.optimizers.update(filter(None, (dotted(t.target) for t in node.targets)))

    def check(self, loop: Loop) -> None:
        nodes = loop_nodes(loop)
        calls = calls_in(nodes)
        if not any(is_backward(call) for call in calls):
            return
        steps = [(call, name) for call in calls if (name := self._stepped(call)) is not None]
        if not steps or any(_clears(node) for node in nodes):
            return
        optimizers = {name for _, name in steps}
        if _binds(nodes, optimizers):
            return  # a fresh optimizer each iteration (often over fresh tensors)
        unseen = [call for call in calls if local_callee(call) not in self.functions]
        if any(_hands_over(call, optimizers) for call in unseen):
            return  # a function we cannot see may clear the gradients
        if any(name.startswith("self.") for name in optimizers) and self._unseen_method(calls):
            return  # `self.train_step()` of a base class may clear `self.optimizer`
        reached = called_functions(calls, self.functions)
        if any(_clears(node) for function in reached for node in body_nodes(function)):
            return
        step, name = steps[0]
        self.report_once(step, _message(name))

    def _unseen_method(self, calls: list[cst.Call]) -> bool:
        """Whether the loop calls a `self.<step>(...)` that is not defined in the file."""
        return any(
            isinstance(owner := receiver(call), cst.Name)
            and owner.value == "self"
            and (name := method(call)) not in self.functions
            and UNSEEN_STEP_METHOD.search(name or "") is not None
            for call in calls
        )

    def _stepped(self, call: cst.Call) -> str | None:
        """The optimizer `call` steps: `optimizer.step()` or `scaler.step(optimizer)`."""
        if method(call) != "step":
            return None
        owner = receiver(call)
        if not call.args:
            name = dotted(owner) if owner is not None else None
            return name if name is not None and self._is_optimizer(name) else None
        if len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
            name = dotted(call.args[0].value)  # scaler.step(optimizer)
            return name if name is not None and self._is_optimizer(name) else None
        return None

    def _is_optimizer(self, name: str) -> bool:
        last = name.rsplit(".", 1)[-1]
        return name in self.optimizers or (
            OPTIMIZER_NAME.match(last) is not None and "sched" not in last
        )


def _binds(nodes: list[cst.CSTNode], names: set[str]) -> bool:
    """Whether one of the statements assigns one of `names`."""
    return any(
        isinstance(node, cst.Assign) and any(dotted(t.target) in names for t in node.targets)
        for node in nodes
    )


def _is_optimizer_class(name: str | None) -> bool:
    """A `torch.optim` optimizer constructor (not a scheduler or an SWA helper)."""
    if name is None or not name.startswith("torch.optim."):
        return False
    return not any(part in name for part in ("lr_scheduler", "swa_utils"))


def _clears(node: cst.CSTNode) -> bool:
    """A statement or call that clears gradients."""
    if isinstance(node, cst.Call):
        name = method(node) or (node.func.value if isinstance(node.func, cst.Name) else "")
        if name in CLEARING_METHODS or "zero_grad" in name:
            return True
        owner = receiver(node)
        return name in GRAD_CLEARING_METHODS and owner is not None and _mentions_grad(owner)
    if isinstance(node, cst.Assign):
        return any(_mentions_grad(target.target) for target in node.targets)
    if isinstance(node, cst.Del):
        return _mentions_grad(node.target)
    return False


def _mentions_grad(node: cst.BaseExpression) -> bool:
    """`p.grad`, `p.grad.data`, `grads[...]`: an expression that reads a gradient."""
    while isinstance(node, cst.Attribute | cst.Subscript | cst.Tuple):
        if isinstance(node, cst.Tuple):
            return any(_mentions_grad(element.value) for element in node.elements)
        if isinstance(node, cst.Attribute) and node.attr.value in {"grad", "main_grad"}:
            return True
        node = node.value
    return False


def _hands_over(call: cst.Call, optimizers: set[str]) -> bool:
    """Whether `call` passes one of the optimizers to code that may clear its gradients."""
    callee = method(call) or (call.func.value if isinstance(call.func, cst.Name) else "")
    if callee in HARMLESS_OPTIMIZER_USES:
        return False
    return any(dotted(arg.value) in optimizers for arg in call.args)


def _message(optimizer: str) -> str:
    return (
        f"`{optimizer}` is stepped in a loop that never clears the gradients: `backward()` "
        "adds to `.grad`, so every step applies the sum of all gradients so far; "
        f"call `{optimizer}.zero_grad()` in the loop"
    )
