"""MLT102: `torch.exp(x) - 1`, which loses a small `x` to rounding; `torch.expm1(x)` does not."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.torchfix.numerics import (
    TORCH_EXP,
    candidates,
    is_one,
    is_torch_call,
    method_call,
    names_function,
)

# A call's closing parenthesis, then `-` and a number (across spaces, comments, lines and
# parentheses): how `torch.exp(x) - 1` reads, whatever the spacing.
_CALL_MINUS_NUMBER = re.compile(r"\)(?:[\s)]|\\\n|#[^\n]*\n)*-(?:[\s(]|\\\n|#[^\n]*\n)*\.?\d")


class UnstableExpm1(Rule):
    """## What it does
    Checks for `torch.exp(x) - 1` (with `1` or `1.0`), and for the method
    form `t.exp() - 1` where `t` is the result of a `torch` function.

    TorchFix: TOR107

    ## Why is this bad?
    For small `x`, `exp(x)` is close to 1 and the subtraction cancels most of
    its significant digits: in float32, `torch.exp(x) - 1` is 0 for `|x|`
    below about 6e-8 and keeps only a few correct digits for `x` near 1e-4.
    `torch.expm1(x)` (also `torch.special.expm1`) computes the same function
    with full relative precision near 0.

    `x.exp() - 1` on a value not known to be a tensor is not reported.

    ## Example
    ```python
    import torch

    growth = torch.exp(rate) - 1
    ```

    ## Use instead
    ```python
    import torch

    growth = torch.expm1(rate)
    ```

    ## References
    - [PyTorch: `torch.special.expm1`](https://pytorch.org/docs/stable/special.html#torch.special.expm1)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT102"
    cheap_on_tree = True
    name = "unstable-expm1"
    summary = "`torch.exp(x) - 1` instead of `torch.expm1(x)`"
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR107",)
    triggers: ClassVar[tuple[str, ...]] = ("exp",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        a = torch.expm1(x)
        b = torch.exp(x) - 2
        c = 1 - torch.exp(x)
        d = x.exp() - 1
        e = torch.exp(x) + 1
        """,
        """
        import numpy as np

        a = np.exp(x) - 1
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        a = torch.exp(x) - 1  # error
        b = torch.exp(x) - 1.0  # error
        c = torch.randn(3).exp() - 1  # error
        """,
        """
        from torch import exp as e

        a = 2 * (e(x) - 1)  # error
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return names_function(text, "exp") and bool(_CALL_MINUS_NUMBER.search(text.raw))

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return bool(context.fact(candidates).expm1)

    @classmethod
    def places(cls, context: FileContext) -> list[ast.BinOp]:
        return context.fact(candidates).expm1

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Subtract) or not is_one(node.right):
            return
        if self._is_exp(node.left):
            self.report(node, _MESSAGE)

    def _is_exp(self, node: cst.BaseExpression) -> bool:
        """`torch.exp(...)`, or `t.exp()` on the result `t` of a torch function."""
        if isinstance(node, cst.Call) and self.resolve(node.func) == TORCH_EXP:
            return True
        receiver = method_call(node, "exp")
        return receiver is not None and is_torch_call(receiver, self.context.imports)


_MESSAGE = "`exp(x) - 1` cancels the digits of a small `x`: use `torch.expm1(x)`"
