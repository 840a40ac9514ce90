"""MLT101: `torch.log(1 + x)`, which loses a small `x` to rounding; `torch.log1p(x)` does not."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from ml_policy.lint import textscan
from ml_policy.lint.calls import UNKNOWN, argument
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.torchfix.numerics import (
    TORCH_LOG,
    candidates,
    is_one,
    is_torch_call,
    method_call,
    names_function,
)

# A number before or after `+` (across spaces, comments, lines and parentheses): a literal
# one ends with a digit or `.` and starts with one of them.
_NUMBER_PLUS = re.compile(r"[\d.](?:[\s)]|\\\n|#[^\n]*\n)*\+|\+(?:[\s(]|\\\n|#[^\n]*\n)*\.?\d")


def _may_log_a_sum(code: str, start: int, parenthesis: int) -> bool:
    """`torch.log(<a sum with a number>)` (bare, after `torch.` or an `as` name), or the
    method on a bracketed expression (`(1 + t).log()`: its receiver is not read here)."""
    if textscan.on_bracketed(code, start):
        return True
    if not textscan.may_follow(code, start, _TORCH):
        return False
    arguments = textscan.split_arguments(code, parenthesis)
    if arguments is None:
        return True
    logged = textscan.argument_at(arguments, "input", 0)
    return logged is not None and _NUMBER_PLUS.search(logged) is not None


_TORCH = frozenset({"torch"})


class UnstableLog1p(Rule):
    """## What it does
    Checks for `torch.log(1 + x)` and `torch.log(x + 1)` (with `1` or `1.0`),
    and for the method form `(1 + t).log()` where `t` is the result of a
    `torch` function.

    TorchFix: TOR106

    ## Why is this bad?
    `1 + x` is rounded before the logarithm sees it: for `|x|` below the
    floating-point epsilon (about 1e-7 in float32) it is exactly 1 and the
    result is 0, and for small `x` most of its digits are lost.
    `torch.log1p(x)` computes the same function without forming `1 + x`, so
    it keeps full relative precision near 0 (log-likelihoods, softplus-style
    terms, log-probabilities of rare events).

    The method form on a value not known to be a tensor (`(1 + x).log()`) is
    not reported: `x` may be something else with a `log` method.

    ## Example
    ```python
    import torch

    penalty = torch.log(1 + eps)
    ```

    ## Use instead
    ```python
    import torch

    penalty = torch.log1p(eps)
    ```

    ## References
    - [PyTorch: `torch.log1p`](https://pytorch.org/docs/stable/generated/torch.log1p.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT101"
    cheap_on_tree = True
    name = "unstable-log1p"
    summary = "`torch.log(1 + x)` instead of `torch.log1p(x)`"
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR106",)
    triggers: ClassVar[tuple[str, ...]] = ("log",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        a = torch.log1p(x)
        b = torch.log(2 + x)
        c = torch.log(x + 1e-8)
        d = torch.log(1 - x)
        e = (1 + x).log()
        """,
        """
        import math
        import numpy as np

        a = math.log(1 + x)
        b = np.log(1 + x)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        a = torch.log(1 + x)  # error
        b = torch.log(x + 1.0)  # error
        c = (1 + torch.exp(x)).log()  # error
        """,
        """
        import torch as th
        from torch import log

        a = th.log(input=1 + x)  # error
        b = log((y * 2) + 1)  # error
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        if not (names_function(text, "log") and _NUMBER_PLUS.search(text.raw)):
            return False
        code = text.text
        if textscan.imported_as(code, ("log",)):
            return True  # `log` renamed: its calls are not found by name
        return any(
            _may_log_a_sum(code, start, parenthesis)
            for start, parenthesis in textscan.calls(code, ("log",))
        )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return bool(context.fact(candidates).log1p)

    @classmethod
    def places(cls, context: FileContext) -> list[ast.Call]:
        return context.fact(candidates).log1p

    def visit_Call(self, node: cst.Call) -> None:
        if self.resolve(node.func) == TORCH_LOG:
            logged = argument(node, "input", 0)
            if logged is not None and logged is not UNKNOWN and _one_plus(logged.value):
                self.report(node, _MESSAGE)
            return
        receiver = method_call(node, "log")
        if receiver is None or node.args:
            return
        other = _one_plus(receiver)
        if other is not None and is_torch_call(other, self.context.imports):
            self.report(node, _MESSAGE)


_MESSAGE = "`log(1 + x)` rounds a small `x` away before the logarithm: use `torch.log1p(x)`"


def _one_plus(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """`x` of `1 + x` or `x + 1`; None for anything else."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        if is_one(node.left):
            return node.right
        if is_one(node.right):
            return node.left
    return None
