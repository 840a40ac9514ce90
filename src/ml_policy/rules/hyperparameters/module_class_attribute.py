"""MLM003: an nn.Module class attribute that holds a layer, parameter, tensor or array."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.lint.bindings import binding_counts
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.hyperparameters.cst_matching import OrdinalMatcher, source
from ml_policy.rules.hyperparameters.definitions import import_time, source_order
from ml_policy.rules.hyperparameters.ml_state import (
    MODULE_BASES,
    STATE_WORDS,
    is_empty_placeholder,
    ml_state,
)
from ml_policy.rules.hyperparameters.text_screens import may_assign_class_attribute


class ModuleClassAttribute(Rule):
    """## What it does
    Checks for class attributes of `torch.nn.Module` subclasses that hold a
    layer with parameters or buffers (or a Sequential/ModuleList/ModuleDict
    holding one), an `nn.Parameter`, a tensor or a NumPy array. A class is a
    module when it subclasses `torch.nn.Module` (however imported),
    `LightningModule` (`lightning`, `lightning.pytorch`,
    `pytorch_lightning`), or another class in the same file that is one.
    Only assignments directly in the body of a class created at import time
    (not inside a function) count; the finding is at the assigned value.

    ## Why is this bad?
    A class attribute is created once, at import time, and shared by every
    instance: two models share one set of weights. `nn.Module` registers
    submodules, parameters and buffers only when they are assigned to
    `self` (in `__init__`), so a class attribute is missing from
    `parameters()` (the optimizer never updates it) and from `state_dict()`
    (checkpoints do not save it), and it is not moved by `.to()` / `.cuda()`
    (a device mismatch on the GPU).

    Constants, dtypes, devices, stateless layers (`nn.ReLU()`), annotations
    without a value, `__constants__`, and empty placeholders that instances
    rebind (`anchors = torch.empty(0)`: no element to share) are fine.

    ## Example
    ```python
    import torch
    import torch.nn as nn


    class Classifier(nn.Module):
        head = nn.Linear(512, 10)
        mean = torch.tensor([0.485, 0.456, 0.406])
    ```

    ## Use instead
    ```python
    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(512, 10)
            self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]))
    ```

    ## References
    - [PyTorch: torch.nn.Module](https://pytorch.org/docs/stable/generated/torch.nn.Module.html)
    - [PyTorch: Module.register_buffer](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_buffer)
    """

    code = "MLM003"
    cheap_on_tree = True
    name = "module-class-attribute"
    summary = "nn.Module class attribute holds a layer, parameter, tensor or array"
    triggers: ClassVar[tuple[str, ...]] = ("Module",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch.nn as nn


        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)
        """,
        """
        import torch
        import torch.nn as nn


        class M(nn.Module):
            __constants__ = ["dim"]
            dim: int = 4
            dtype = torch.float32
            act = nn.ReLU()
            weight: torch.Tensor
        """,
        """
        import torch


        class M:
            table = torch.zeros(3)
        """,
        """
        import torch


        class Module:
            pass


        class M(Module):
            table = torch.zeros(3)
        """,
        """
        import torch.nn as nn


        class M(nn.Module):
            def forward(self, x):
                w = nn.Linear(2, 2)
        """,
        """
        import torch.nn as nn


        class M(nn.Module):
            body = nn.Sequential(nn.ReLU(), nn.Identity())
            norm = nn.GroupNorm(2, 4, affine=False)
        """,
        """
        from mylib import Module
        import torch


        class M(Module):
            t = torch.zeros(3)
        """,
        """
        import torch
        import torch.nn as nn


        class Head(nn.Module):
            anchors = torch.empty(0)  # rebound on the instance in forward()
            strides = torch.tensor([]).float()
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch.nn as nn


        class M(nn.Module):
            fc = nn.Linear(2, 2)  # error
        """,
        """
        from torch import nn
        import torch


        class M(nn.Module):
            mean: torch.Tensor = torch.tensor([0.5])  # error
        """,
        """
        from torch.nn import Module as Base, Linear as L


        class M(Base):
            fc = L(2, 2)  # error
        """,
        """
        import torch.nn as nn


        class Base(nn.Module):
            pass


        class M(Base):
            w = nn.Parameter(x)  # error
        """,
        """
        import lightning as L
        import numpy as np


        class M(L.LightningModule):
            a = np.zeros(3)  # error
        """,
        """
        import torch
        import torch.nn as nn


        class M(Mid):
            blocks = nn.ModuleList([nn.Linear(2, 2)])  # error


        class Mid(torch.nn.Module):
            pass
        """,
        """
        import pytorch_lightning as pl
        import torch.nn as nn


        class M(pl.LightningModule):
            emb = nn.Embedding(10, 4)  # error
        """,
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.matcher = OrdinalMatcher(context.fact(source_order).classes)

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return may_assign_class_attribute(text)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return bool(context.fact(class_attributes))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        expected = self.matcher.match(node)
        if expected is None:
            return
        found = self.context.fact(class_attributes)
        for index, stmt in enumerate(_statements(node.body)):
            kind = found.get((id(expected), index))
            if kind is None or not isinstance(stmt, cst.Assign | cst.AnnAssign):
                continue
            if stmt.value is not None:
                self.report(stmt.value, _attribute_message(stmt, node.name.value, kind))


def _attribute_message(stmt: cst.Assign | cst.AnnAssign, cls: str, kind: str) -> str:
    target = stmt.targets[0].target if isinstance(stmt, cst.Assign) else stmt.target
    name = source(target)
    if kind in {"tensor", "array"}:
        how = f'`self.register_buffer("{name}", ...)`'
    else:
        how = f"`self.{name} = ...`"
    return (
        f"class attribute `{name}` of nn.Module `{cls}` holds {STATE_WORDS[kind][0]}: it is "
        "shared by all instances, missing from `parameters()` and `state_dict()`, and not "
        f"moved by `.to()`; create it in `__init__` with {how}"
    )


def _statements(body: cst.BaseSuite) -> list[cst.CSTNode]:
    """A class body as the stdlib ast sees it: `a = 1; b = 2` is two statements."""
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    found: list[cst.CSTNode] = []
    for stmt in body.body:
        found.extend(stmt.body if isinstance(stmt, cst.SimpleStatementLine) else [stmt])
    return found


# --- the verdict, on the stdlib tree ---


def class_attributes(context: FileContext) -> dict[tuple[int, int], str]:
    """(id of the class, statement index in its body) -> the kind of ML object."""
    found: dict[tuple[int, int], str] = {}
    loose = module_classes(context, strict=False)
    for node in context.fact(import_time).classes:
        if id(node) in loose:
            found.update(_attributes(node, context))
    if found:
        strict = module_classes(context, strict=True)
        found = {key: kind for key, kind in found.items() if key[0] in strict}
    return found


def module_classes(context: FileContext, *, strict: bool) -> set[int]:
    """Ids of the import-time classes that subclass torch.nn.Module, directly or through
    this file. Loose: a base named like a class of the file is that class; strict: only if
    the name is bound by class statements alone (a full walk: only to confirm findings)."""
    classes = context.fact(import_time).classes
    by_name: dict[str, list[ast.ClassDef]] = {}
    for node in classes:
        by_name.setdefault(node.name, []).append(node)
    found: set[int] = set()
    changed = True
    while changed:  # a fixpoint: classes may subclass classes defined further down
        changed = False
        for node in classes:
            if id(node) in found:
                continue
            if any(_is_module_base(context, b, by_name, found, strict) for b in node.bases):
                found.add(id(node))
                changed = True
    return found


def _is_module_base(
    context: FileContext,
    base: ast.expr,
    by_name: dict[str, list[ast.ClassDef]],
    found: set[int],
    strict: bool,
) -> bool:
    if context.imports.resolve_ast(base) in MODULE_BASES:
        return True
    if not isinstance(base, ast.Name) or base.id not in by_name:
        return False
    classes = by_name[base.id]
    if strict and context.fact(binding_counts)[base.id] != len(classes):
        return False
    return all(id(node) in found for node in classes)


def _attributes(node: ast.ClassDef, context: FileContext) -> Iterator[tuple[tuple[int, int], str]]:
    for index, stmt in enumerate(node.body):
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if value is None or is_empty_placeholder(value, context.imports):
            continue
        kind = ml_state(value, context.imports)
        if kind in {"tensor", "parameter", "array", "module"}:
            yield (id(node), index), kind
