"""MLC001: softmax, log_softmax or softmin (functional or layer) without `dim`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.lint import textscan
from ml_policy.lint.calls import UNKNOWN, argument, ast_argument
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule

# Qualified name -> 0-based position of `dim`.
SOFTMAX_CALLS = {
    **{f"torch.nn.functional.{name}": 1 for name in ("softmax", "log_softmax", "softmin")},
    **{f"torch.{name}": 1 for name in ("softmax", "log_softmax")},
    **{f"torch.special.{name}": 1 for name in ("softmax", "log_softmax")},
    **{f"torch.nn.{name}": 0 for name in ("Softmax", "LogSoftmax", "Softmin")},
}

FUNCTIONS = ("softmax", "log_softmax", "softmin")  # `dim` second
LAYERS = ("Softmax", "LogSoftmax", "Softmin")  # `dim` first
# The names written before the functions (`functional` of `torch.nn.functional.softmax`):
# `x.softmax()` is a tensor method the rule does not judge. (The layers are reached from
# longer names too, `torch.nn.modules.activation.Softmax`: any name may stand before them.)
_MODULES = frozenset(
    name.rsplit(".", 2)[-2] for name in SOFTMAX_CALLS if name.rsplit(".", 1)[1] in FUNCTIONS
)


def _may_report(call: ast.Call, position: int) -> bool:
    """`dim` missing or a literal None (on the stdlib tree, for the screen)."""
    dim = ast_argument(call, "dim", position)
    return dim is None or (isinstance(dim, ast.Constant) and dim.value is None)


def softmax_calls_without_dim(context: FileContext) -> Iterator[ast.Call]:
    """The calls the rule may report (from the screens' shared walk)."""
    resolve = context.imports.resolve_ast
    for node in context.nodes(ast.Call):
        position = SOFTMAX_CALLS.get(resolve(node.func) or "")
        if position is not None and _may_report(node, position):
            yield node


class SoftmaxWithoutDim(Rule):
    """## What it does
    Checks for `torch.nn.functional.softmax` / `log_softmax` / `softmin`,
    `torch.softmax` / `torch.log_softmax` (and `torch.special`'s), and the
    layers `nn.Softmax` / `nn.LogSoftmax` / `nn.Softmin`, called without `dim`
    (or with `dim=None`). `dim` counts whether passed by keyword or by position
    (`F.softmax(x, 1)`, `nn.Softmax(1)`); `dtype=` or `_stacklevel=` alone do
    not give it. Imports are resolved however they are spelt
    (`import torch.nn.functional as F`, `from torch.nn import functional`,
    `from torch import nn`).

    ## Why is this bad?
    Without `dim`, PyTorch guesses the dimension to normalise over: dim 0
    for 0-D, 1-D and 3-D inputs, dim 1 otherwise. For a `[batch, query,
    class]` tensor that is the batch: the probabilities of different samples
    are mixed, silently. The implicit choice has been deprecated since
    PyTorch 0.4 and warns at run time. (`torch.softmax` without `dim` fails
    outright.) `nn.Softmax2d` has no `dim` and is not reported.

    Silent when `*args` or `**kwargs` may supply `dim`, and for the tensor
    methods (`x.softmax()`): the receiver is not known to be a tensor. There
    is no fix: only the author knows the dimension.

    ## Example
    ```python
    import torch.nn.functional as F

    probs = F.softmax(logits)
    ```

    ## Use instead
    ```python
    probs = F.softmax(logits, dim=-1)
    ```

    ## References
    - [PyTorch: torch.nn.functional.softmax](https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html)
    - [PyTorch: torch.nn.Softmax](https://pytorch.org/docs/stable/generated/torch.nn.Softmax.html)
    """

    code = "MLC001"
    cheap_on_tree = True
    name = "softmax-without-dim"
    summary = "softmax, log_softmax or softmin without `dim`"
    triggers: ClassVar[tuple[str, ...]] = ("softmax", "Softmax", "softmin", "Softmin")
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch.nn.functional as F

        p = F.softmax(x, dim=-1)
        q = F.log_softmax(x, 1)
        """,
        """
        from torch import nn

        layer = nn.Softmax(1)
        other = nn.LogSoftmax(dim=dim)
        spatial = nn.Softmax2d()
        """,
        """
        import torch.nn.functional as F

        p = F.softmax(x, *args)
        q = F.softmax(x, **options)
        r = x.softmax(-1)
        """,
        """
        def softmax(x):
            return x


        p = softmax(x)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch.nn.functional as F

        p = F.softmax(logits)  # error
        """,
        """
        from torch.nn import functional

        p = functional.log_softmax(logits, dtype=torch.float32)  # error
        q = functional.softmin(logits, None)  # error
        """,
        """
        from torch import nn

        head = nn.Sequential(nn.Linear(8, 3), nn.Softmax())  # error
        """,
        """
        import torch

        p = torch.softmax(x, dim=None)  # error
        layer = torch.nn.LogSoftmax()  # error
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        code = text.text
        return (
            textscan.calls_may_lack(code, FUNCTIONS, "dim", 1, none_lacks=True, after=_MODULES)
            or textscan.calls_may_lack(code, LAYERS, "dim", 0, none_lacks=True)
            or textscan.imported_as(code, FUNCTIONS + LAYERS)
        )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(True for _ in softmax_calls_without_dim(context))

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        return softmax_calls_without_dim(context)

    def visit_Call(self, node: cst.Call) -> None:
        name = self.resolve(node.func)
        position = SOFTMAX_CALLS.get(name or "")
        if position is None:
            return
        dim = argument(node, "dim", position)
        if dim is UNKNOWN:
            return
        if dim is None or _is_none(dim.value):
            short = name.rsplit(".", 1)[-1] if name else "softmax"
            self.report(
                node,
                f"`{short}` without `dim`: the implicit dimension is deprecated and is dim 0 "
                "(the batch) for 0-D, 1-D and 3-D inputs; pass `dim=` explicitly",
            )


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
