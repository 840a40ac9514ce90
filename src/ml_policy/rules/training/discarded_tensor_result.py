"""MLC003: the result of an out-of-place tensor method thrown away."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.lint import textscan
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope, ScopedRule
from ml_policy.rules.training.tensor_values import (
    OUT_OF_PLACE,
    TENSOR_FUNCTIONS,
    TensorKnowledge,
    maybe_tensor,
    maybe_tensor_names,
)

# `.method(`, with what may stand between the parts: spaces, line continuations, newlines
# and comments (inside brackets).
_GAP = r"(?:\s|\\\n|#[^\n]*(?![^\n]))*"  # a comment runs to the end of its line
METHOD_CALL = re.compile(
    rf"\.{_GAP}(?:{'|'.join(sorted(OUT_OF_PLACE, key=len, reverse=True))}){_GAP}\("
)
# What may stand before the `.method(` of a discarded call, from where its statement starts
# on the line: a name (not `self`, unless the file binds or annotates it), a parenthesised
# receiver, or a call chain that starts with a tensor function (maybe renamed on import)
# or a method of a name; a line that starts inside brackets or after a continuation may
# be anything.
_NAME = re.compile(rf"{textscan.IDENTIFIER}[ \t]*")
_ROOT_CALL = re.compile(rf"(?:{textscan.IDENTIFIER}[ \t]*\.[ \t]*)*({textscan.IDENTIFIER})[ \t]*\(")
_PART_START = re.compile("[;:]")  # a statement or block body may start after one
_SELF_BOUND = re.compile(r"self[ \t]*(?::|=(?!=))")
ROOT_FUNCTIONS = frozenset(name.rsplit(".", 1)[1] for name in TENSOR_FUNCTIONS) | OUT_OF_PLACE


def may_discard(text: str) -> bool:
    """Whether some `.method(` call of the list may be a whole statement on a receiver that
    may be a tensor (the text screen: sound, so loose where the text is not plain)."""
    roots: frozenset[str] | None = None
    starts: list[int] | None = None
    for call in METHOD_CALL.finditer(text):
        if roots is None:
            roots = ROOT_FUNCTIONS | textscan.renamed(text)  # a tensor function renamed
            starts = textscan.logical_line_starts(text)
        if _may_start_receiver(
            _receiver_text(text, call.start(), starts), text, roots
        ) and textscan.may_end_statement(text, call.end() - 1):
            return True
    return False


def _receiver_text(text: str, end: int, starts: list[int] | None) -> str:
    """The text of the logical line before `end`, continuations joined. Where the text
    could not be split into logical lines: from the start of the physical line, or ""
    (not known) when the receiver may have started on an earlier line."""
    if starts is None:
        line_start = text.rfind("\n", 0, end) + 1
        before = text[line_start:end]
        if any(c in before for c in ")]}") or text[line_start - 2 : line_start] == "\\\n":
            return ""
    else:
        before = text[starts[bisect.bisect_right(starts, end) - 1] : end]
    return before.replace("\\\n", " ").rstrip(" \t\f")


def _may_start_receiver(before: str, text: str, roots: frozenset[str]) -> bool:
    if not before.strip():
        return True  # the receiver is not on this line: not known
    for start in (0, *(part.end() for part in _PART_START.finditer(before))):
        part = before[start:].lstrip(" \t\f")
        if part.startswith("("):
            return True
        if _NAME.fullmatch(part) and (part.rstrip() != "self" or _SELF_BOUND.search(text)):
            return True
        root = _ROOT_CALL.match(part)
        if root is not None and root.group(1) in roots:
            return True
    return False


def _discarded_method_calls(context: FileContext) -> bool:
    """A discarded out-of-place call on what may be a tensor (the screen; scopes ignored)."""
    if not context.imports.mentions("torch"):
        return False
    receivers = [
        node.value.func.value
        for node in context.nodes(ast.Expr)
        if isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr in OUT_OF_PLACE
    ]
    if not receivers:
        return False
    names = maybe_tensor_names(context)
    return any(maybe_tensor(receiver, context, names) for receiver in receivers)


class DiscardedTensorResult(ScopedRule):
    """## What it does
    Checks for statements that call an out-of-place tensor method
    (`unsqueeze`, `squeeze`, `float`, `half`, `to`, `cuda`, `view`, `reshape`,
    `clamp`, `permute`, `transpose`, `contiguous`, `detach`, `t`, `flatten`,
    `type(...)`, `add`, `masked_fill`, ...) and throw its result away, on a
    value known to be a tensor: a name bound once in its scope to a `torch`
    function that returns a tensor (`torch.zeros`, `torch.tensor`,
    `torch.cat`, ..., however imported) or to such a method of a tensor, or
    a parameter annotated `torch.Tensor`.

    ## Why is this bad?
    These methods return a new tensor and leave their receiver unchanged:
    `x.unsqueeze(1)` on its own line does nothing, and the code after it
    works on the old shape, dtype or device (a shape assert that cannot hold,
    a float64 tensor fed to a float32 model, a tensor left on the CPU). The
    in-place forms end with an underscore (`x.unsqueeze_(1)`), or the result
    must be assigned (`x = x.unsqueeze(1)`).

    `nn.Module.to()`, `.cuda()`, `.float()`, `.half()` do act in place, so a
    receiver that may be a module is never reported. Precision first: the
    rule is silent whenever it does not know the receiver is a tensor
    (attributes such as `self.x`, names bound more than once, results of
    unknown functions), and for `cpu()`, `item()`, `tolist()`, `numpy()`,
    which are discarded on purpose to synchronise with the GPU.

    ## Example
    ```python
    import torch


    def pad_mask(lengths: torch.Tensor):
        mask = torch.arange(lengths.max())
        mask.unsqueeze(0)
        return mask < lengths[:, None]
    ```

    ## Use instead
    ```python
    def pad_mask(lengths: torch.Tensor):
        mask = torch.arange(lengths.max()).unsqueeze(0)
        return mask < lengths[:, None]
    ```

    ## References
    - [PyTorch: Tensor views and in-place operations](https://pytorch.org/docs/stable/tensor_view.html)
    - [PyTorch: torch.Tensor.to](https://pytorch.org/docs/stable/generated/torch.Tensor.to.html)
    """

    code = "MLC003"
    cheap_on_tree = True
    name = "discarded-tensor-result"
    summary = "result of an out-of-place tensor method thrown away"
    # A tensor is known only through a name imported from torch.
    triggers: ClassVar[tuple[str, ...]] = ("torch",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        x = torch.zeros(3)
        x = x.unsqueeze(0)
        x.unsqueeze_(0)
        y = x.float()
        """,
        """
        import torch
        from torch import nn

        model = nn.Linear(2, 2)
        model.to("cuda")
        model.half()
        net = build_model()
        net.float()
        """,
        """
        import torch


        def f(x, y: torch.Tensor):
            x.unsqueeze(1)  # x: not known to be a tensor
            y = y.cuda()
            y.cpu()
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch


        def pad_mask(lengths: torch.Tensor):
            mask = torch.arange(lengths.max())
            mask.unsqueeze(0)  # error
            lengths.to("cuda")  # error
            return mask < lengths[:, None]
        """,
        """
        from torch import Tensor, tensor as make


        def scale(x: "Tensor", mean=make([0.5])):
            std = make([0.2]).float()
            std.clamp(min=1e-6)  # error
            x.type(torch.float16)  # error
            return (x - mean) / std
        """,
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.tensors = TensorKnowledge(context.imports)
        self.candidates: list[tuple[cst.Call, cst.Attribute, Scope]] = []

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return may_discard(text.text)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return _discarded_method_calls(context)

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Expr]:
        # A call's verdict reads the bindings of the scopes around it.
        for node in context.nodes(ast.Expr):
            func = node.value.func if isinstance(node.value, ast.Call) else None
            if isinstance(func, ast.Attribute) and func.attr in OUT_OF_PLACE:
                yield node

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
            method = call.func.attr.value
            if method in OUT_OF_PLACE and (method != "type" or call.args):
                self.candidates.append((call, call.func, self.scope))

    def finish(self) -> None:
        """Decided once every binding of the module is known (a later rebinding counts)."""
        for call, func, scope in self.candidates:
            if self.tensors.is_tensor(func.value, scope):
                method = func.attr.value
                self.report(
                    call,
                    f"the result of `.{method}()` is thrown away: it returns a new tensor and "
                    f"leaves this one unchanged; assign it, or use an in-place method",
                )
