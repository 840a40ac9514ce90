"""MLT105: the deprecated `torchvision.transforms.v2.ToTensor`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule

V2 = "torchvision.transforms.v2"
TO_TENSOR = f"{V2}.ToTensor"


class TorchvisionV2ToTensor(Rule):
    """## What it does
    Checks for `torchvision.transforms.v2.ToTensor`: its import (`from
    torchvision.transforms.v2 import ToTensor`, reported once at the import)
    and its uses through the module (`v2.ToTensor()`).

    TorchFix: TOR202

    ## Why is this bad?
    The v2 `ToTensor` is deprecated and will be removed. It does two things
    at once: converts an image to a tensor and rescales `uint8` values to
    floats in `[0, 1]`. The v2 API splits them into `v2.ToImage()` and
    `v2.ToDtype(torch.float32, scale=True)`, so the dtype and scaling are
    stated. The v1 `torchvision.transforms.ToTensor` is not reported.

    ## Example
    ```python
    from torchvision.transforms import v2

    transform = v2.Compose([v2.ToTensor(), v2.Normalize(mean, std)])
    ```

    ## Use instead
    ```python
    import torch
    from torchvision.transforms import v2

    transform = v2.Compose(
        [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)]
    )
    ```

    ## References
    - [torchvision: `v2.ToTensor`](https://pytorch.org/vision/stable/generated/torchvision.transforms.v2.ToTensor.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT105"
    name = "torchvision-v2-to-tensor"
    summary = "deprecated `torchvision.transforms.v2.ToTensor`"
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR202",)
    triggers: ClassVar[tuple[str, ...]] = ("ToTensor",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch
        from torchvision import transforms
        from torchvision.transforms import v2

        a = transforms.ToTensor()
        b = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
        """,
        """
        from torchvision.transforms import ToTensor

        a = ToTensor()
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torchvision
        from torchvision.transforms import v2
        from torchvision.transforms import v2 as T

        a = v2.ToTensor()  # error
        b = T.Compose([T.ToTensor()])  # error
        c = torchvision.transforms.v2.ToTensor  # error
        """,
        """
        from torchvision.transforms.v2 import ToTensor as TT  # error

        a = TT()
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return "v2" in text.raw

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(True for _ in _to_tensor_names(context))

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.AST]:
        return _to_tensor_names(context)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        if cst.helpers.get_full_name_for_node(node.module) != V2:
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "ToTensor":
                self.report(alias, _MESSAGE)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "ToTensor" and self.resolve(node) == TO_TENSOR:
            self.report(node, _MESSAGE)


_MESSAGE = (
    "`v2.ToTensor` is deprecated: use `v2.ToImage()` followed by "
    "`v2.ToDtype(torch.float32, scale=True)`"
)


def _to_tensor_names(context: FileContext) -> Iterator[ast.AST]:
    """The nodes of the stdlib tree that may name `v2.ToTensor` (the screen)."""
    return (node for node in ast.walk(context.tree) if _names_to_tensor(node, context))


def _names_to_tensor(node: ast.AST, context: FileContext) -> bool:
    """An import of the v2 `ToTensor`, or an attribute chain that resolves to it."""
    if isinstance(node, ast.ImportFrom):
        imported = node.module == V2 and not node.level
        return imported and any(alias.name == "ToTensor" for alias in node.names)
    if isinstance(node, ast.Attribute) and node.attr == "ToTensor":
        return context.imports.resolve_ast(node) == TO_TENSOR
    return False
