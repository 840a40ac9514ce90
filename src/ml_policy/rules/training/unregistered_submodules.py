"""MLC002: an nn.Module keeps layers with parameters in a plain list, tuple or dict."""

from __future__ import annotations

import ast
from typing import ClassVar

from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.rules.training.layer_containers_text import may_put_layers_in_self
from ml_policy.rules.training.module_classes import ModuleClassRule, torch_module_classes
from ml_policy.rules.training.plain_containers import unregistered_attributes

CONTAINERS = {"dict": "nn.ModuleDict", "OrderedDict": "nn.ModuleDict"}


class UnregisteredSubmodules(ModuleClassRule):
    """## What it does
    Checks for `torch.nn.Module` subclasses that keep layers with parameters
    in a plain `list`, `tuple`, `dict` or `set` attribute of `self`: a display
    (`self.heads = [nn.Linear(d, 1), nn.Linear(d, 4)]`), a comprehension
    (`[nn.Conv2d(c, c, 1) for _ in range(3)]`), or an empty container filled
    by `self.x.append(...)` / `.extend` / `.insert` / `self.x[key] = ...`.

    A layer counts when it is a `torch.nn` layer with parameters or buffers
    (`Linear`, `Conv*`, norms with their affine/running statistics,
    `Embedding`, `LSTM`/`GRU`/`RNN`, `MultiheadAttention`, `Transformer*`,
    a `Sequential` holding one, ...), an `nn.Parameter`, or an instance of a
    class of the same file that subclasses `nn.Module` and creates one of
    those (or registers a buffer or parameter) itself. An instance of any
    other class is not judged: it may hold no parameters.

    ## Why is this bad?
    `nn.Module` registers a submodule only when it is assigned to an
    attribute directly (or through `nn.ModuleList`, `nn.ModuleDict`,
    `add_module`). Layers in a plain container are invisible to it: missing
    from `parameters()` (the optimizer never trains them), not moved by
    `.to()` / `.cuda()` (a device error, or they silently stay on the CPU),
    not switched by `.train()` / `.eval()`, and missing from `state_dict()`
    (checkpoints lose their weights).

    Silent when the container is handed to other code anywhere in the class
    (`nn.ModuleList(self.x)`, `nn.Sequential(*self.x)`, a return, an
    argument), when any assignment of the attribute is not a plain container,
    and for classes that register modules by hand (`add_module`,
    `register_module`, `register_parameter`, `setattr`) or override
    `parameters`, `state_dict`, `to`, `_apply` and the like. Reading the
    container (indexing it, looping over it, `len()`, `.items()`) is what the
    bug looks like and does not silence it.

    ## Example
    ```python
    from torch import nn


    class Detector(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.projections = [nn.Conv2d(c, 256, 1) for c in channels]
    ```

    ## Use instead
    ```python
    class Detector(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.projections = nn.ModuleList(nn.Conv2d(c, 256, 1) for c in channels)
    ```

    ## References
    - [PyTorch: torch.nn.ModuleList](https://pytorch.org/docs/stable/generated/torch.nn.ModuleList.html)
    - [PyTorch: torch.nn.ModuleDict](https://pytorch.org/docs/stable/generated/torch.nn.ModuleDict.html)
    - [PyTorch: Module.add_module](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.add_module)
    """

    code = "MLC002"
    name = "unregistered-submodules"
    summary = "nn.Module keeps layers with parameters in a plain list, tuple or dict"
    triggers: ClassVar[tuple[str, ...]] = ("Module",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
                self.acts = [nn.ReLU(), nn.GELU()]
        """,
        """
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                blocks = []
                self.blocks = []
                for i in range(3):
                    self.blocks.append(nn.Conv2d(8, 8, 3))
                self.body = nn.Sequential(*self.blocks)
        """,
        """
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.heads = [nn.Linear(4, 1), nn.Linear(4, 2)]
                for i, head in enumerate(self.heads):
                    self.add_module(f"head{i}", head)
        """,
        """
        from torch import nn


        class Holder:
            def __init__(self):
                self.layers = [nn.Linear(4, 4)]


        class Net(nn.Module):
            def __init__(self, teacher):
                super().__init__()
                self.frozen = [teacher]  # kept out of parameters() on purpose
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from torch import nn


        class Detector(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.projections = [nn.Conv2d(c, 256, 1) for c in channels]  # error

            def forward(self, features):
                return [p(f) for p, f in zip(self.projections, features)]
        """,
        """
        import torch.nn as nn


        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)


        class Net(nn.Module):
            def __init__(self, depth):
                super().__init__()
                self.blocks = []  # error
                for _ in range(depth):
                    block = Block()
                    self.blocks.append(block)
                self.heads = {"cls": nn.Linear(4, 10), "box": nn.Linear(4, 4)}  # error

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return self.heads["cls"](x)
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return may_put_layers_in_self(text.text)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return bool(context.fact(unregistered_attributes))

    @classmethod
    def places(cls, context: FileContext) -> list[ast.ClassDef]:
        # The verdict is the stdlib tree's (`unregistered_attributes`); libcst only finds the
        # assignments to report, in the classes it names.
        found = context.fact(unregistered_attributes)
        return [node for node in context.fact(torch_module_classes) if id(node) in found]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.reported: set[tuple[int, str]] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._check(node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.target, node.value)

    def _check(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if not (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            return
        cls = self.module_class()
        if cls is None or not self.in_module_method():
            return
        attribute = (
            self.context.fact(unregistered_attributes).get(id(cls), {}).get(target.attr.value)
        )
        key = (id(cls), target.attr.value)
        if attribute is None or key in self.reported:
            return
        self.reported.add(key)  # the first assignment, as on the stdlib side
        wrapper = CONTAINERS.get(attribute.kind, "nn.ModuleList")
        self.report(
            value,
            f"`self.{target.attr.value}` keeps layers with parameters in a plain "
            f"{attribute.kind}: nn.Module does not register them, so they are not trained, "
            f"not moved by `.to()` and not saved in `state_dict()`; use `{wrapper}`",
        )
