"""MLT004: a deprecated PyTorch function or class (TorchFix TOR101, TOR103)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.rules.torchfix.deprecations import DEPRECATED, Symbol
from ml_policy.rules.torchfix.symbol_use import SymbolUseRule


class DeprecatedFunction(SymbolUseRule):
    """## What it does
    Checks for uses and imports of deprecated PyTorch APIs: the old linear
    algebra functions (`torch.norm`, `torch.svd`, `torch.qr`, `torch.lu`,
    `torch.cholesky`, `torch.chain_matmul`, `torch.ger`, `torch.range`, ...),
    `torch.nn.utils.weight_norm`, `torch.backends.cuda.sdp_kernel`,
    `torch.testing.assert_allclose`, the `functorch` transforms (now in
    `torch.func`), and the device-specific mixed-precision API
    (`torch.cuda.amp.autocast`, `torch.cpu.amp.autocast`,
    `torch.cuda.amp.custom_fwd`/`custom_bwd`, `torch.cuda.amp.GradScaler`),
    deprecated since PyTorch 2.4 in favour of `torch.amp`.

    TorchFix: TOR101 (use), TOR103 (import). One rule for both, as the fix
    is the same API change; TorchFix 0.7.0 does not list the `torch.*.amp`
    names or `functorch.make_functional*`/`combine_state_for_ensemble`.

    ## Why is this bad?
    Deprecated APIs warn at run time and are removed in a later release (as
    `torch.solve` was, see MLT001). Most replacements are not pure renames:
    `torch.svd` returns `V` where `torch.linalg.svd` returns `Vh`;
    `torch.range` includes its end point; `torch.amp.autocast` takes the
    device type as its first argument.

    The mixed-precision replacements are safe to use from PyTorch 2.4, the
    release that deprecates the old names (`torch.amp.GradScaler` and
    `torch.amp.custom_fwd` are missing from older releases): a library that
    still supports those keeps the old call under a version guard. Where every
    torch the repository declares is older than 2.4 (read as MLS001 reads it:
    `torch==2.1.0`, `torch<2.4`), the `torch.<device>.amp` names are the API
    and are not reported.

    A name imported with `from ... import` is reported at the import only.
    Silent under a version guard (a library that supports PyTorch releases
    older than the replacement calls the old API on purpose there: `if
    torch.__version__ < ...`, `hasattr(...)`, a `try` that catches
    `ImportError` or `AttributeError`, an `except Exception:` fallback), for
    tensor methods (`x.norm()`) and for assignments.

    ## Example
    ```python
    import torch
    from functorch import vmap

    with torch.cuda.amp.autocast():
        loss = model(x)
    scaler = torch.cuda.amp.GradScaler()
    outer = torch.ger(a, b)
    ```

    ## Use instead
    ```python
    import torch
    from torch.func import vmap

    with torch.amp.autocast("cuda"):
        loss = model(x)
    scaler = torch.amp.GradScaler("cuda")
    outer = torch.outer(a, b)
    ```

    ## Fix
    Only for exact drop-in equivalents, and safe: `torch.ger` -> `torch.outer`,
    the `functorch` transforms -> `torch.func` (an import statement is fixed
    when every name it imports moves to the same module). The mixed-precision
    replacements take the device type as a new first parameter and are not
    offered as fixes.

    ## References
    - [PyTorch: Automatic Mixed Precision](https://pytorch.org/docs/stable/amp.html)
    - [PyTorch: Migrating from functorch to torch.func](https://pytorch.org/docs/stable/func.migrating.html)
    - [PyTorch: torch.linalg](https://pytorch.org/docs/stable/linalg.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT004"
    name = "deprecated-torch-function"
    summary = "Use of a deprecated PyTorch API (`torch.cuda.amp.autocast`, `functorch.vmap`, ...)"
    fix_applicability: ClassVar[Applicability | None] = Applicability.SAFE
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR101", "TOR103")
    table = DEPRECATED
    # Every listed name is in `torch` or `functorch`, which the import it resolves through
    # spells: one search instead of one per name (31); the text screen reads the names.
    triggers: ClassVar[tuple[str, ...]] = ("torch",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch
        from torch.func import vmap

        with torch.amp.autocast("cuda"):
            y = model(x)
        n = torch.linalg.vector_norm(x)
        """,
        """
        import torch

        if version.parse(torch.__version__) >= version.parse("2.4"):
            scaler = torch.amp.GradScaler("cuda")
        else:
            scaler = torch.cuda.amp.GradScaler()
        """,
        """
        try:
            from torch.amp import custom_fwd
        except ImportError:
            from torch.cuda.amp import custom_fwd
        """,
        """
        import torch


        def autocast():
            if not _TORCH_GREATER_EQUAL_2_4:
                return torch.cuda.amp.autocast()
            return torch.amp.autocast("cuda")
        """,
        """
        import torch

        n = x.norm(dim=-1)  # a tensor method
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        with torch.cuda.amp.autocast():  # error
            loss = model(x)
        scaler = torch.cuda.amp.GradScaler(enabled=True)  # error
        """,
        """
        from torch.cuda.amp import custom_bwd, custom_fwd  # error


        class Fn(torch.autograd.Function):
            @staticmethod
            @custom_fwd(cast_inputs=torch.float32)
            def forward(ctx, x):
                return x
        """,
        """
        import functorch
        import torch as t

        batched = functorch.vmap(f)(xs)  # error
        prod = t.ger(a, b)  # error
        """,
        """
        from functorch import grad, vmap  # error
        from torch.nn.utils import weight_norm  # error

        layer = weight_norm(nn.Linear(4, 4))
        """,
    )

    @classmethod
    def describe(cls, symbol: Symbol) -> str:
        return f"`{symbol.name}` is deprecated: use {symbol.advice}"
