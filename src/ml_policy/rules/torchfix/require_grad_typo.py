"""MLT002: `x.require_grad = ...`, a typo for `requires_grad` (TorchFix TOR002)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext
from ml_policy.rules.torchfix.guarded_rule import TorchFixRule

TYPO = "require_grad"


class RequireGradTypo(TorchFixRule):
    """## What it does
    Checks for assignments to an attribute named `require_grad`, a typo for
    `requires_grad`, in a module that imports `torch`.

    TorchFix: TOR002.

    ## Why is this bad?
    Python lets any object take a new attribute, so `param.require_grad =
    False` raises nothing and changes nothing: the parameter keeps training.
    Freezing a backbone this way silently fine-tunes all of it.

    Silent when the file uses `require_grad` any other way (it reads the
    attribute, or names a parameter, keyword or variable so): then it is a
    name of the project's own, not a typo.

    ## Example
    ```python
    for param in backbone.parameters():
        param.require_grad = False
    ```

    ## Use instead
    ```python
    for param in backbone.parameters():
        param.requires_grad = False
    ```

    ## Fix
    Renames the attribute to `requires_grad`. Unsafe: it changes what the
    code does (which is the point: the parameters are then frozen).

    ## References
    - [PyTorch: Tensor.requires_grad](https://pytorch.org/docs/stable/generated/torch.Tensor.requires_grad.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT002"
    name = "require-grad-typo"
    summary = "Assignment to `.require_grad`, a typo for `requires_grad`"
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR002",)
    triggers: ClassVar[tuple[str, ...]] = (TYPO,)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        for p in model.parameters():
            p.requires_grad = False
        """,
        """
        import torch


        class Block(torch.nn.Module):
            def __init__(self, require_grad=True):
                super().__init__()
                self.require_grad = require_grad  # the project's own flag
        """,
        """
        config.require_grad = False  # no torch import: not a tensor
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        for p in model.backbone.parameters():
            p.require_grad = False  # error
        """,
        """
        from torch import nn

        head = nn.Linear(4, 2)
        head.weight.require_grad = True  # error
        """,
    )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        if not context.imports.mentions("torch"):
            return False
        assigned = 0
        for node in ast.walk(context.tree):
            if isinstance(node, ast.Attribute) and node.attr == TYPO:
                if not isinstance(node.ctx, ast.Store):
                    return False  # read or deleted: the project's own attribute
                assigned += 1
            elif _names_typo(node):
                return False
        return assigned > 0

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Attribute]:
        return (node for node in context.nodes(ast.Attribute) if node.attr == TYPO)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if not isinstance(target, cst.Attribute) or target.attr.value != TYPO or self.guarded:
            return
        fixed = target.with_changes(attr=cst.Name("requires_grad"))
        self.report(
            target,
            "`require_grad` is not a tensor attribute (a typo for `requires_grad`?): "
            "assigning it changes nothing",
            fix=((target, fixed),),
            fix_message="Rename to `requires_grad`",
        )


def _names_typo(node: ast.AST) -> bool:
    """A variable, parameter or keyword called `require_grad`."""
    if isinstance(node, ast.Name):
        return node.id == TYPO
    if isinstance(node, ast.arg | ast.keyword):
        return node.arg == TYPO
    return False
