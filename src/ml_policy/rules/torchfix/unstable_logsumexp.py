"""MLT103: `torch.log(torch.sum(torch.exp(x), dim))` overflows; `torch.logsumexp` does not."""

from __future__ import annotations

import ast
from typing import ClassVar

from ml_policy.lint.calls import UNKNOWN, argument
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.torchfix.numerics import (
    TORCH_EXP,
    TORCH_LOG,
    TORCH_SUM,
    candidates,
    has_dim,
    may_call_torch_log,
    method_call,
    names_function,
)


class UnstableLogsumexp(Rule):
    """## What it does
    Checks for the logarithm of a sum of exponentials over a dimension,
    written out: `torch.log(torch.sum(torch.exp(x), dim=d))`, and its method
    forms (`torch.exp(x).sum(d).log()`, `x.exp().sum(dim=d).log()` in a
    module that imports torch).

    TorchFix: TOR108

    ## Why is this bad?
    `exp` overflows to `inf` for inputs above about 88 in float32 (11 in
    float16), and underflows to 0 for inputs below about -104, so the result
    is `inf` or `-inf` where the true value is finite. `torch.logsumexp(x,
    dim)` subtracts the maximum first and is exact over the whole range; it
    also has a stable gradient.

    A sum without `dim` (or with `dim=None`) is not reported, as in TorchFix:
    `torch.logsumexp` needs the dimensions named. Nor is a masked or weighted
    sum (`torch.exp(x) * mask`), nor a shifted exponent (`torch.exp(x - m)`):
    subtracting the maximum is how `logsumexp` itself stays stable.

    ## Example
    ```python
    import torch

    log_z = torch.log(torch.sum(torch.exp(scores), dim=-1))
    ```

    ## Use instead
    ```python
    import torch

    log_z = torch.logsumexp(scores, dim=-1)
    ```

    ## References
    - [PyTorch: `torch.logsumexp`](https://pytorch.org/docs/stable/generated/torch.logsumexp.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT103"
    cheap_on_tree = True
    name = "unstable-logsumexp"
    summary = "`log(sum(exp(x), dim))` written out instead of `torch.logsumexp`"
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR108",)
    triggers: ClassVar[tuple[str, ...]] = ("sum",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        a = torch.logsumexp(x, dim=1)
        b = torch.log(torch.sum(torch.exp(x)))
        c = torch.log(torch.sum(torch.exp(x), dim=None))
        d = torch.log(torch.sum(torch.exp(x) * mask, dim=1))
        e = torch.log(torch.exp(x).mean(1))
        f = torch.log(torch.sum(torch.exp(x - x_max), dim=1))
        g = (x - x_max).exp().sum(1, keepdim=True).log()
        """,
        """
        import numpy as np

        a = np.log(np.sum(np.exp(x), axis=1))
        b = x.exp().sum(1).log()
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        a = torch.log(torch.sum(torch.exp(x), dim=1))  # error
        b = torch.log(torch.sum(torch.exp(x), 1, keepdim=True))  # error
        c = torch.exp(x).sum(-1).log()  # error
        d = x.exp().sum(dim=-1).log()  # error
        """,
        """
        import torch as th
        from torch import exp, log

        a = log(exp(x).sum(1))  # error
        b = th.log(th.sum(exp(2 * x), dim=(1, 2)))  # error
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return (
            names_function(text, "log") and may_call_torch_log(text) and names_function(text, "exp")
        )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return bool(context.fact(candidates).logsumexp)

    @classmethod
    def places(cls, context: FileContext) -> list[ast.Call]:
        return context.fact(candidates).logsumexp

    def visit_Call(self, node: cst.Call) -> None:
        logged = argument(node, "input", 0) if self.resolve(node.func) == TORCH_LOG else None
        if logged is not None and logged is not UNKNOWN:
            if self._sum_of_exp(logged.value) is not None:
                self.report(node, _MESSAGE)
            return
        receiver = method_call(node, "log")
        if receiver is None or node.args:
            return
        by_torch = self._sum_of_exp(receiver)
        # A chain of methods alone is a tensor's only in a module that imports torch.
        if by_torch or (by_torch is False and self.context.imports.mentions("torch")):
            self.report(node, _MESSAGE)

    def _sum_of_exp(self, node: cst.BaseExpression) -> bool | None:
        """Whether a sum of exponentials over a named dim calls a torch function (True)
        or only methods (False); None for anything else."""
        if not isinstance(node, cst.Call):
            return None
        if self.resolve(node.func) == TORCH_SUM:
            summed = argument(node, "input", 0)
            if summed is None or summed is UNKNOWN or not has_dim(node, 1):
                return None
            return None if self._exp_by_torch(summed.value) is None else True
        receiver = method_call(node, "sum")
        if receiver is None or not has_dim(node, 0):
            return None
        return self._exp_by_torch(receiver)

    def _exp_by_torch(self, node: cst.BaseExpression) -> bool | None:
        """True for `torch.exp(x)`, False for `x.exp()`, None for anything else (and for
        a shifted `exp(x - m)`: the max-subtraction that makes the sum stable already)."""
        if not isinstance(node, cst.Call):
            return None
        if self.resolve(node.func) == TORCH_EXP:
            exponent = argument(node, "input", 0)
            if exponent is None or exponent is UNKNOWN or _shifted(exponent.value):
                return None
            return True
        receiver = method_call(node, "exp")
        if receiver is None or node.args or _shifted(receiver):
            return None
        return False


def _shifted(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)


_MESSAGE = "`log(sum(exp(x), dim))` overflows for large `x`: use `torch.logsumexp(x, dim)`"
