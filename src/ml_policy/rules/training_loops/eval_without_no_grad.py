"""MLC006: a loop over a validation or test loader that runs the model with gradients on."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope, ScopedRule
from ml_policy.rules.data_loading.dataloaders import is_test_code
from ml_policy.rules.training_loops.loops import body_nodes, dotted, local_callee, method

# `val_loader`, `valid_dataloader`, `test_loader`, `testloader`, `eval_dl`, `dev_loader`.
EVAL_LOADER = re.compile(
    r"^(?:val|valid|validation|test|testing|eval|evaluation|dev)_?(?:data_?)?"
    r"(?:loader|dataloader|dl)s?$"
)
# `model`, `self.model`, `net`, `ema_model`, `model_g`: what is called is the model.
MODEL = re.compile(r"^(?:\w+_)?(?:model|net|network)(?:_\w+)?$")
# What turns gradients off, by its last name (torch.no_grad, torch.autograd.no_grad, ...).
GRAD_OFF = frozenset({"no_grad", "inference_mode", "set_grad_enabled", "enable_grad"})
# Wrappers whose first argument is the loader: enumerate(val_loader), tqdm(val_loader).
WRAPPERS = frozenset({"enumerate", "tqdm", "iter", "progress_bar", "track", "zip"})
# Calls in the loop that want gradients: then they are on for a reason.
WANTS_GRAD = frozenset({"backward", "grad", "requires_grad_", "enable_grad", "vjp", "jacobian"})


@dataclass
class _EvalLoop:
    """A loop over an evaluation loader being visited, and the model calls seen in it."""

    node: cst.For
    loader: str
    scope: Scope
    model_calls: list[cst.Call] = field(default_factory=list)
    wants_grad: bool = False


class EvalWithoutNoGrad(ScopedRule):
    """## What it does
    Checks for loops over a validation or test loader (an iterable named like
    `val_loader`, `valid_dataloader`, `test_loader`, `testloader`,
    `eval_dl`, possibly through `enumerate(...)` or `tqdm(...)`) that call
    the model (`model(x)`, `self.model(x)`, `net(x)`) with gradients on and
    the model in training mode: neither `torch.no_grad()` /
    `torch.inference_mode()` / `torch.set_grad_enabled(...)` (as a
    `with` around the loop or the call, or as a decorator of the enclosing
    function) nor a `.eval()` call in the enclosing function (or, for a loop
    at module level, in the module).

    ## Why is this bad?
    With gradients on, every forward pass records its autograd graph and
    keeps the activations it needs: evaluation uses several times the memory
    it needs and runs slower. With the model in training mode, dropout drops
    and batch norm normalises with (and updates) the batch statistics: the
    reported metrics are wrong, and the running statistics are changed by
    the validation data.

    Silent when the loop also calls `backward()` or `torch.autograd.grad`
    (gradients wanted: adversarial examples, test-time training), when the
    enclosing function is called under `torch.no_grad()` in the same file,
    and in tests.

    ## Example
    ```python
    def validate(model, val_loader):
        correct = 0
        for x, y in val_loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct
    ```

    ## Use instead
    ```python
    @torch.no_grad()
    def validate(model, val_loader):
        model.eval()
        correct = 0
        for x, y in val_loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct
    ```

    ## References
    - [PyTorch: `torch.no_grad`](https://pytorch.org/docs/stable/generated/torch.no_grad.html)
    - [PyTorch: `Module.eval`](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval)
    - [PyTorch: Autograd mechanics, locally disabling gradient computation](https://pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation)
    """

    code = "MLC006"
    name = "eval-without-no-grad"
    summary = "Loop over a validation or test loader runs the model with gradients on"
    triggers: ClassVar[tuple[str, ...]] = ("loader", "_dl")
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch


        @torch.no_grad()
        def validate(model, val_loader):
            for x, y in val_loader:
                model(x)
        """,
        """
        from torch import inference_mode


        def validate(model, val_loader):
            with inference_mode():
                for x, y in val_loader:
                    model(x)
        """,
        """
        def validate(model, val_loader):
            model.eval()
            for x, y in val_loader:
                model(x)
        """,
        """
        def attack(model, test_loader):
            for x, y in test_loader:
                x.requires_grad_()
                criterion(model(x), y).backward()
        """,
        """
        import torch


        def run_epoch(model, test_loader):
            for x, y in test_loader:
                model(x)


        with torch.no_grad():
            run_epoch(model, test_loader)
        """,
        """
        for x, y in train_loader:
            model(x)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        def validate(model, val_loader):
            total = 0
            for x, y in val_loader:
                total += criterion(model(x), y).item()  # error
            return total
        """,
        """
        from tqdm import tqdm


        class Trainer:
            def evaluate(self):
                for i, (x, y) in enumerate(tqdm(self.test_dataloader)):
                    logits = self.model(x)  # error
        """,
    )

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_code(path)

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return text.mentions("model", "net") and _names_eval_loader(text.raw)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(True for _ in _ast_eval_loops(context))

    @classmethod
    def places(cls, context: FileContext) -> list[ast.stmt]:
        # A loop's verdict reads the defs around it, and the `with` blocks anywhere in the
        # module that turn gradients off (a def called there is evaluated without them).
        loops = list(_ast_eval_loops(context))
        withs: Iterator[ast.With | ast.AsyncWith] = context.nodes(ast.With, ast.AsyncWith)
        blocks = [
            node
            for node in withs
            if any(_ast_turns_grad_off(item.context_expr, context) for item in node.items)
        ]
        return [*loops, *blocks]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.grad_off = 0  # how many grad-disabling `with` blocks we are in
        self.loops: list[_EvalLoop] = []
        self.candidates: list[tuple[_EvalLoop, str | None]] = []
        self.called_without_grad: set[str] = set()  # functions called under no_grad
        self.module: cst.Module | None = None

    def visit_Module(self, node: cst.Module) -> None:
        self.module = node

    def visit_With(self, node: cst.With) -> None:
        self.grad_off += self._disables_grad(node)

    def leave_With(self, original_node: cst.With) -> None:
        self.grad_off -= self._disables_grad(original_node)

    def _disables_grad(self, node: cst.With) -> int:
        """1 when one of the with-items turns gradients off (or sets them), else 0."""
        return int(any(self._turns_grad_off(item.item, with_item=True) for item in node.items))

    def _turns_grad_off(self, node: cst.BaseExpression, with_item: bool = False) -> bool:
        """`torch.no_grad()`, `no_grad`, or an alias of either (as a with-item, not
        `enable_grad`)."""
        func = node.func if isinstance(node, cst.Call) else node
        names = {_last_name(func), (self.resolve(func) or "").rsplit(".", 1)[-1]}
        off = GRAD_OFF - {"enable_grad"} if with_item else GRAD_OFF
        return bool(names & off)

    def visit_For(self, node: cst.For) -> None:
        loader = _loader(node.iter)
        if loader is not None and self.grad_off == 0 and not self._grad_off_in_scope():
            self.loops.append(_EvalLoop(node, loader, self.scope))

    def leave_For(self, original_node: cst.For) -> None:
        if self.loops and self.loops[-1].node is original_node:
            loop = self.loops.pop()
            function = self.scope.function()
            node = function.node if function is not None else None
            name = node.name.value if isinstance(node, cst.FunctionDef) else None
            if loop.model_calls and not loop.wants_grad:
                self.candidates.append((loop, name))

    def visit_Call(self, node: cst.Call) -> None:
        callee = local_callee(node)
        if self.grad_off and callee is not None:
            self.called_without_grad.add(callee)
        for loop in self.loops:
            if loop.scope is not self.scope:
                continue
            last = (method(node) or callee or "").rsplit(".", 1)[-1]
            if last in WANTS_GRAD:
                loop.wants_grad = True
            elif self.grad_off == 0 and _is_model(node.func):
                loop.model_calls.append(node)

    def finish(self) -> None:
        for loop, function in self.candidates:
            if function is None or function not in self.called_without_grad:
                self.report(loop.model_calls[0], _message(loop.loader))

    def _grad_off_in_scope(self) -> bool:
        """A decorator of an enclosing def, or a call in the enclosing def, that turns
        gradients off or puts the model in eval mode."""
        scope: Scope | None = self.scope
        while scope is not None and scope.kind != "module":
            node = scope.node
            if isinstance(node, cst.FunctionDef) and any(
                self._turns_grad_off(d.decorator) for d in node.decorators
            ):
                return True
            scope = scope.parent
        function = self.scope.function()
        body = function.node if function is not None else self.module
        return body is not None and any(_turns_off(node) for node in body_nodes(body))


def _turns_off(node: cst.CSTNode) -> bool:
    """`model.eval()`, `model.train(False)`, `torch.set_grad_enabled(False)`."""
    if not isinstance(node, cst.Call):
        return False
    name = method(node) or _last_name(node.func)
    return name in {"eval", "set_grad_enabled"} or (name == "train" and bool(node.args))


def _last_name(node: cst.BaseExpression) -> str | None:
    """`no_grad` of `torch.no_grad()`, `torch.no_grad`, `no_grad()`."""
    if isinstance(node, cst.Call):
        node = node.func
    name = dotted(node)
    return None if name is None else name.rsplit(".", 1)[-1]


def _loader(node: cst.BaseExpression) -> str | None:
    """The evaluation loader a for-loop iterates over, through enumerate/tqdm wrappers."""
    while isinstance(node, cst.Call):
        if _last_name(node.func) in WRAPPERS and node.args and not node.args[0].keyword:
            node = node.args[0].value
        elif dotted(node.func) is not None and not node.args:
            node = node.func  # self.val_dataloader()
        else:
            return None
    name = dotted(node)
    if name is None:
        return None
    return name if EVAL_LOADER.match(name.rsplit(".", 1)[-1]) else None


_LOADER_END = re.compile(r"(?:loader|dl)s?(?!\w)")


def _names_eval_loader(text: str) -> bool:
    """Whether some word of the text is an evaluation loader's name (`val_loader`, ...):
    found from its end, a literal the engine searches for fast."""
    for end in _LOADER_END.finditer(text):
        start = end.start()
        while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        if EVAL_LOADER.match(text[start : end.end()]):
            return True
    return False


def _ast_eval_loops(context: FileContext) -> Iterator[ast.For | ast.AsyncFor]:
    """The loops of the stdlib tree over what may be an evaluation loader (the screen)."""
    for node in context.nodes(ast.For, ast.AsyncFor):
        if isinstance(node, ast.For | ast.AsyncFor) and _ast_loader(node.iter) is not None:
            yield node


def _ast_turns_grad_off(node: ast.expr, context: FileContext) -> bool:
    """`_turns_grad_off` on the stdlib tree (a superset: `enable_grad` too)."""
    func = node.func if isinstance(node, ast.Call) else node
    last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    resolved = (context.imports.resolve_ast(func) or "").rsplit(".", 1)[-1]
    return bool({last, resolved} & GRAD_OFF)


def _ast_loader(node: ast.expr) -> str | None:
    """`_loader` on the stdlib tree (the screen): a loose superset."""
    for child in ast.walk(node):
        name = child.attr if isinstance(child, ast.Attribute) else getattr(child, "id", None)
        if isinstance(name, str) and EVAL_LOADER.match(name):
            return name
    return None


def _is_model(func: cst.BaseExpression) -> bool:
    name = dotted(func)
    return name is not None and MODEL.match(name.rsplit(".", 1)[-1]) is not None


def _message(loader: str) -> str:
    return (
        f"the model runs on `{loader}` with gradients on and no `.eval()`: every forward "
        "pass keeps its graph, and dropout and batch norm act as in training; "
        "wrap the loop in `torch.no_grad()` and call `model.eval()`"
    )
