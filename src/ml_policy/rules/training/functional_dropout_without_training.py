"""MLC007: functional dropout in an nn.Module method without `training=`."""

from __future__ import annotations

import ast
from typing import ClassVar

from ml_policy.lint import textscan
from ml_policy.lint.astwalk import nodes_of
from ml_policy.lint.calls import argument, ast_argument
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.rules.training.module_classes import ModuleClassRule, torch_module_classes

_FUNCTIONAL = "torch.nn.functional."
# dropout(input, p=0.5, training=..., inplace=False): `training` is the third parameter.
TRAINING_POSITION = 2
# Their `training` defaults to True: the dropout stays on in eval.
ALWAYS_ON = frozenset(
    f"{_FUNCTIONAL}{name}" for name in ("dropout", *(f"dropout{d}d" for d in "123"))
)
# Their `training` defaults to False: the dropout is never applied.
NEVER_ON = frozenset(f"{_FUNCTIONAL}{name}" for name in ("alpha_dropout", "feature_alpha_dropout"))
DROPOUTS = ALWAYS_ON | NEVER_ON
SHORT_NAMES = tuple(sorted(name.rsplit(".", 1)[-1] for name in DROPOUTS))
# The name before `.dropout(` of a call that resolves to one: `functional`, or an `as` name
# (`import torch.nn.functional as F`); `self.dropout(x)` calls a layer.
_MODULE_NAMES = frozenset({"functional"})


def _dropouts_without_training(node: ast.AST, context: FileContext) -> bool:
    return any(_lacks_training(call, context) for call in nodes_of(node, (ast.Call,)))


def _lacks_training(call: ast.Call, context: FileContext) -> bool:
    return (
        context.imports.resolve_ast(call.func) in DROPOUTS
        and ast_argument(call, "training", TRAINING_POSITION) is None
    )


def module_dropouts_without_training(context: FileContext) -> bool:
    """A functional dropout without `training` inside an nn.Module class (the screen)."""
    if not any(_lacks_training(call, context) for call in context.nodes(ast.Call)):
        return False  # the cheap necessary condition, before the classes are worked out
    return any(
        _dropouts_without_training(node, context) for node in context.fact(torch_module_classes)
    )


class FunctionalDropoutWithoutTraining(ModuleClassRule):
    """## What it does
    Checks for `torch.nn.functional.dropout` (and `dropout1d/2d/3d`,
    `alpha_dropout`, `feature_alpha_dropout`) called in a method of a
    `torch.nn.Module` subclass without the `training` argument (by keyword,
    or as the third positional argument). Imports are resolved however they
    are spelt (`import torch.nn.functional as F`, `from torch.nn import
    functional`, `from torch.nn.functional import dropout`). A class is a
    module when it subclasses `torch.nn.Module`, `LightningModule`, or a
    class of the same file that is one.

    ## Why is this bad?
    Unlike the `nn.Dropout` layer, the functional form does not follow
    `model.eval()`: it reads only its `training` argument. `F.dropout` and
    `dropout1d/2d/3d` default to `training=True`, so they keep dropping
    activations at evaluation and inference time (noisy, worse metrics);
    `alpha_dropout` and `feature_alpha_dropout` default to `training=False`,
    so they never drop anything, not even while training.

    Silent when `training` is passed anything (even a variable), when
    `**kwargs` may pass it, and outside nn.Module methods (a function does
    not know the mode unless it is told). To keep dropout on at inference on
    purpose (Tacotron 2's prenet, Monte Carlo dropout), say so:
    `training=True`. Measured on 5 M lines of libraries and applications: 4
    findings, 2 real bugs and 2 such deliberate prenets
    (benchmarks/precision-mlc-modules.md).

    ## Example
    ```python
    import torch.nn.functional as F
    from torch import nn


    class Block(nn.Module):
        def forward(self, x):
            return F.dropout(self.fc(x), p=0.1)
    ```

    ## Use instead
    ```python
    class Block(nn.Module):
        def forward(self, x):
            return F.dropout(self.fc(x), p=0.1, training=self.training)
    ```

    ## References
    - [PyTorch: torch.nn.functional.dropout](https://pytorch.org/docs/stable/generated/torch.nn.functional.dropout.html)
    - [PyTorch: Module.eval](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval)
    """

    code = "MLC007"
    cheap_on_tree = True
    name = "functional-dropout-without-training"
    summary = "functional dropout in an nn.Module method without `training=`"
    triggers: ClassVar[tuple[str, ...]] = ("dropout",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch.nn.functional as F
        from torch import nn


        class Block(nn.Module):
            def forward(self, x):
                x = F.dropout(x, 0.1, self.training)
                return F.dropout(x, p=0.1, training=self.training and self.mc)
        """,
        """
        import torch.nn.functional as F


        def augment(x):
            return F.dropout(x, 0.1)


        class Plain:
            def forward(self, x):
                return F.dropout(x, 0.1)
        """,
        """
        from torch.nn import functional
        from torch import nn


        class Block(nn.Module):
            def forward(self, x, **kwargs):
                return functional.dropout(x, **kwargs)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch.nn.functional as F
        from torch import nn


        class Block(nn.Module):
            def forward(self, x):
                return F.dropout(x, p=0.1)  # error
        """,
        """
        from torch.nn import functional
        import torch


        class Base(torch.nn.Module):
            pass


        class Head(Base):
            def forward(self, x):
                x = functional.dropout2d(x, self.p)  # error
                return functional.alpha_dropout(x, 0.1, inplace=False)  # error
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        code = text.text
        return textscan.calls_may_lack(
            code, SHORT_NAMES, "training", TRAINING_POSITION, after=_MODULE_NAMES
        ) or textscan.imported_as(code, SHORT_NAMES)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return module_dropouts_without_training(context)

    def visit_Call(self, node: cst.Call) -> None:
        name = self.resolve(node.func)
        if name not in DROPOUTS or not self.in_module_method():
            return
        if argument(node, "training", TRAINING_POSITION) is not None:
            return  # passed (or maybe passed by a splat)
        short = name.rsplit(".", 1)[-1]
        if name in NEVER_ON:
            effect = "defaults to `training=False`: it never drops anything, not even in training"
        else:
            effect = "defaults to `training=True`: it keeps dropping in `eval()` mode"
        self.report(node, f"`{short}` without `training=self.training` {effect}")
