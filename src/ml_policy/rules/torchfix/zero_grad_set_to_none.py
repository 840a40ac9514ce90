"""MLT106: `zero_grad(set_to_none=False)`, which writes zeros into every gradient."""

from __future__ import annotations

import ast
from typing import ClassVar

from ml_policy.lint.calls import UNKNOWN, argument, literal_bool
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
    say so with a `noqa` comment. Like TorchFix's TOR4xx codes, this is a
    performance hint.

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
    def screen_context(cls, context: FileContext) -> bool:
        return any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "zero_grad"
            and bool(node.args or node.keywords)
            for node in ast.walk(context.tree)
        )

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
