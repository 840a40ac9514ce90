"""MLM002: a default that builds a tensor, array, layer, optimizer or RNG."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, ClassVar

from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.rules.hyperparameters.cst_matching import CallableRule, source
from ml_policy.rules.hyperparameters.definitions import import_time, parameter_defaults
from ml_policy.rules.hyperparameters.ml_state import STATE_WORDS, is_empty_placeholder, ml_state
from ml_policy.rules.hyperparameters.mutated_mutable_default import mutated_defaults
from ml_policy.rules.hyperparameters.text_screens import may_build_ml_default

if TYPE_CHECKING:
    from ml_policy.rules.hyperparameters.cst_matching import Defaulted


class MLObjectDefault(CallableRule):
    """## What it does
    Checks for parameter defaults that build ML state: torch tensors and
    `nn.Parameter`s, NumPy arrays, `torch.nn` layers that hold parameters or
    buffers (Linear, Conv, norms, Embedding, RNNs, Transformer layers, and
    Sequential/ModuleList/ModuleDict holding one), `torch.optim` optimizers and
    LR schedulers, `torch.Generator`, `numpy.random.default_rng` /
    `RandomState` / `Generator`, and pandas DataFrame / Series. The finding
    is at the default.

    ## Why is this bad?
    A default is built once, when the function is defined (usually at import
    time), and every call shares it: every model built with a default
    `head=nn.Linear(512, 10)` trains the same weights, a default tensor stays
    on one device and keeps any in-place change, a default generator draws
    one stream across calls, and importing the module allocates memory
    nobody asked for.

    Immutable values (`torch.device`, dtypes, `torch.Size`, `torch.finfo`),
    stateless layers (`nn.ReLU()`, `nn.Identity()`, `nn.Dropout()`,
    pooling, norm layers built with `affine=False` and no running stats) and
    empty placeholders (`torch.empty(0)`, `np.array([])`: no element to
    share) are fine. Names are resolved through the imports; a default that MLM001
    reports as mutated is not reported again. Functions created at call time
    (nested `def`s, lambdas in a function body) are not checked.

    ## Example
    ```python
    import torch.nn as nn


    def make_model(backbone, head=nn.Linear(512, 10)):
        return nn.Sequential(backbone, head)
    ```

    ## Use instead
    ```python
    def make_model(backbone, head=None):
        if head is None:
            head = nn.Linear(512, 10)
        return nn.Sequential(backbone, head)
    ```

    ## References
    - [Python tutorial: Default Argument Values](https://docs.python.org/3/tutorial/controlflow.html#default-argument-values)
    - [Ruff B008: function-call-in-default-argument](https://docs.astral.sh/ruff/rules/function-call-in-default-argument/)
    - [PyTorch: What is a state_dict?](https://pytorch.org/tutorials/recipes/recipes/what_is_state_dict.html)
    """

    code = "MLM002"
    name = "ml-object-default"
    summary = "Default builds a tensor, array, layer, optimizer or RNG shared by every call"
    triggers: ClassVar[tuple[str, ...]] = ("torch", "numpy", "pandas")
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch


        def f(device=torch.device("cpu"), dtype=torch.float32, shape=torch.Size([2])):
            pass
        """,
        """
        import torch.nn as nn


        def f(act=nn.ReLU(), drop=nn.Dropout(0.1), pool=nn.MaxPool2d(2), out=nn.Identity()):
            pass
        """,
        """
        import torch.nn as nn


        def f(a=nn.LayerNorm(8, elementwise_affine=False), b=nn.InstanceNorm2d(8)):
            pass
        """,
        """
        import torch.nn as nn


        def f(body=nn.Sequential(nn.ReLU(), nn.Identity())):
            pass
        """,
        """
        import numpy as np


        def f(a=np.asarray(x), dtype=np.float32, seed=np.random.randint(10)):
            pass
        """,
        """
        import torch

        torch = None


        def f(t=torch.zeros(3)):
            pass
        """,
        """
        import torch


        class Linear:
            pass


        def f(layer=Linear(), t=torch.finfo(torch.float32).eps):
            pass
        """,
        """
        from mylib import Linear


        def f(layer=Linear(2, 2)):
            pass
        """,
        """
        import torch


        def outer():
            def f(t=torch.zeros(3)):
                pass
        """,
        """
        import torch


        def f(t=torch.zeros(3)):  # MLM001 reports it: mutated in place
            t.zero_()
        """,
        """
        import torch.nn as nn


        def f(norm=nn.BatchNorm1d(8, **norm_kwargs), **kwargs):
            pass
        """,
        """
        import numpy as np
        import torch


        def f(t=torch.empty(0), a=np.array([]), b=np.zeros((0, 3))):
            pass
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch


        def f(x, mask=torch.ones(4)):  # error
            return x * mask
        """,
        """
        import torch.nn as nn


        def f(head=nn.Linear(512, 10)):  # error
            pass
        """,
        """
        from torch import nn


        def f(*, norm=nn.BatchNorm2d(64)):  # error
            pass
        """,
        """
        from torch.nn import Linear as L


        class A:
            def f(self, layer=L(2, 2), /):  # error
                pass
        """,
        """
        import numpy as np


        async def f(rng=np.random.default_rng(0)):  # error
            pass
        """,
        """
        import numpy as np


        def f(
            w=np.zeros((3, 3)),  # error
            b=np.asarray([1.0]),  # error
        ):
            pass
        """,
        """
        import torch.nn as nn


        def f(m=nn.Sequential(nn.Linear(2, 2), nn.ReLU())):  # error
            pass
        """,
        """
        import torch


        def f(opt=torch.optim.SGD([torch.zeros(1)], lr=0.1)):  # error
            pass
        """,
        """
        import torch


        def f(gen=torch.Generator()):  # error
            pass
        """,
        """
        import pandas as pd

        h = lambda df=pd.DataFrame(): df  # error
        """,
        """
        import torch.nn as nn


        def f(p=nn.Parameter(w)):  # error
            pass
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return may_build_ml_default(text)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return bool(context.fact(ml_defaults))

    @classmethod
    def verdicts(cls, context: FileContext) -> Collection[tuple[int, str]]:
        return context.fact(ml_defaults).keys()

    def check(
        self, node: cst.FunctionDef | cst.Lambda, function: int, defaulted: Defaulted
    ) -> None:
        found = self.context.fact(ml_defaults)
        for param, default in defaulted:
            kind = found.get((function, param.name.value))
            if kind is None:
                continue
            what, why = STATE_WORDS[kind]
            self.report(
                default,
                f"default `{source(default)}` of `{param.name.value}` builds {what} once, "
                f"when the function is defined: every call shares it{why}; "
                "default to `None` and build it in the body",
            )


def ml_defaults(context: FileContext) -> dict[tuple[int, str], str]:
    """(id of the def or lambda, parameter) -> the kind of ML state its default builds
    (on the stdlib tree; defaults MLM001 reports as mutated are left to it)."""
    found: dict[tuple[int, str], str] = {}
    for function in context.fact(import_time).callables:
        for arg, default in parameter_defaults(function.args):
            kind = ml_state(default, context.imports)
            if kind is None or is_empty_placeholder(default, context.imports):
                continue
            if (id(function), arg.arg) not in context.fact(mutated_defaults):
                found[id(function), arg.arg] = kind
    return found
