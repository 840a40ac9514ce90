"""MLT003: `torch.utils.checkpoint.checkpoint` without `use_reentrant` (TorchFix TOR003)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.lint import textscan
from ml_policy.lint.calls import argument, calls_in, with_keyword
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.spelled import GAP, imports_word
from ml_policy.rules.torchfix.guarded_rule import TorchFixRule

CHECKPOINT = "torch.utils.checkpoint.checkpoint"
# `checkpoint` called (closing parentheses may wrap the name) or imported under an alias.
# From the literal, not `\b` (tried at every position); the word start checked apart.
_CALLED_OR_ALIASED = re.compile(rf"checkpoint{GAP}(?:\){GAP})*(?:\(|as\b)")
# Where the module `torch.utils.checkpoint` may be reached: `utils.checkpoint` (maybe
# parenthesised), `from torch.utils import ...`, `import torch.utils as u` (or `utils` in
# a `from` import's list, `imports_word`). A call resolves through the file's imports, so
# one of them is written where a call is `torch.utils.checkpoint.checkpoint`.
_REACHES_MODULE = re.compile(rf"utils(?:{GAP}\))*{GAP}(?:\.{GAP}checkpoint|import|as)(?!\w)")
# Not a parameter position: `checkpoint(function, *args, use_reentrant=None, ...)`.
KEYWORD_ONLY = None
_NEVER_POSITIONAL = 1 << 30  # for the text screen: no positional argument passes it
_MODULES = frozenset({"checkpoint"})  # torch.utils.checkpoint


class CheckpointUseReentrant(TorchFixRule):
    """## What it does
    Checks for calls to `torch.utils.checkpoint.checkpoint` that do not pass
    `use_reentrant` explicitly.

    TorchFix: TOR003.

    ## Why is this bad?
    Since PyTorch 2.1 a call without `use_reentrant` warns, and PyTorch plans
    to make it an error. The default it falls back to, the reentrant variant,
    is the one PyTorch recommends against: it does not record the autograd
    graph of inputs that do not require grad (a checkpointed first layer gets
    no gradients), does not support `torch.autograd.grad` or keyword
    arguments, and ignores nested structures. `use_reentrant=False` has none
    of these limits.

    Silent when `**kwargs` are splatted into the call (they may carry it) and
    under a version guard (PyTorch before 1.11 has no such parameter).

    ## Example
    ```python
    from torch.utils.checkpoint import checkpoint

    hidden = checkpoint(block, hidden, mask)
    ```

    ## Use instead
    ```python
    from torch.utils.checkpoint import checkpoint

    hidden = checkpoint(block, hidden, mask, use_reentrant=False)
    ```

    ## Fix
    Adds `use_reentrant=False`. Unsafe: it changes how the segment is
    recomputed (code that relies on the reentrant variant, such as a
    `detach()`ed input that must not get gradients, changes behaviour).

    ## References
    - [PyTorch: torch.utils.checkpoint](https://pytorch.org/docs/stable/checkpoint.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT003"
    name = "checkpoint-without-use-reentrant"
    summary = "`torch.utils.checkpoint.checkpoint` without an explicit `use_reentrant`"
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR003",)
    triggers: ClassVar[tuple[str, ...]] = ("checkpoint",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.checkpoint import checkpoint

        y = checkpoint(block, x, use_reentrant=False)
        """,
        """
        import torch.utils.checkpoint

        y = torch.utils.checkpoint.checkpoint(block, x, **ckpt_kwargs)
        """,
        """
        import torch
        from torch.utils.checkpoint import checkpoint

        if _TORCH_1_11:
            y = checkpoint(block, x, use_reentrant=True)
        else:
            y = checkpoint(block, x)
        """,
        """
        from deepspeed.checkpointing import checkpoint

        y = checkpoint(block, x)  # another library's checkpoint
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.checkpoint import checkpoint

        y = checkpoint(block, x, mask)  # error
        """,
        """
        import torch.utils.checkpoint as cp


        class Encoder(torch.nn.Module):
            def forward(self, x):
                for layer in self.layers:
                    x = cp.checkpoint(layer, x, preserve_rng_state=False)  # error
                return x
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        # A call names `checkpoint` right before its parenthesis, or through an alias
        # (`from torch.utils.checkpoint import checkpoint as ckpt`); `_checkpoint(` is not one.
        if not textscan.word_search(_CALLED_OR_ALIASED, text.raw):
            return False
        if not (_REACHES_MODULE.search(text.raw) or imports_word(text.raw, "utils")):
            return False  # a `checkpoint` of another module (timm's, say)
        # It must be `checkpoint.checkpoint(`, a bare `checkpoint(` or through an `as` name
        # (`self.checkpoint(...)` is a method), and may lack `use_reentrant=`.
        code = text.text
        return textscan.calls_may_lack(
            code, ("checkpoint",), "use_reentrant", _NEVER_POSITIONAL, after=_MODULES
        ) or textscan.imported_as(code, ("checkpoint",))

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        calls = calls_in(context, CHECKPOINT)
        # Keyword-only: passed by name, or maybe through `**kwargs` (`arg` None).
        return any(
            all(item.arg not in {"use_reentrant", None} for item in call.keywords) for call in calls
        )

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        # The verdict reads the call and the guards around it (or at module level).
        return calls_in(context, CHECKPOINT)

    def visit_Call(self, node: cst.Call) -> None:
        if self.resolve(node.func) != CHECKPOINT or self.guarded:
            return
        if argument(node, "use_reentrant", KEYWORD_ONLY) is not None:
            return  # passed, or maybe passed through `**kwargs`
        fixed = with_keyword(node, "use_reentrant", "False")
        self.report(
            node,
            "`checkpoint` without `use_reentrant`: pass it explicitly "
            "(`use_reentrant=False` is the recommended variant)",
            fix=((node, fixed),),
            fix_message="Add `use_reentrant=False`",
        )
