"""MLT001: a PyTorch function that has been removed (TorchFix TOR001, TOR004)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.rules.torchfix.deprecations import REMOVED, Symbol
from ml_policy.rules.torchfix.symbol_use import SymbolUseRule


class RemovedFunction(SymbolUseRule):
    """## What it does
    Checks for calls to, references to and imports of PyTorch functions that
    were deprecated in PyTorch 1.9 and have since been removed:
    `torch.solve`, `torch.symeig`, `torch.matrix_rank`, `torch.lstsq` and
    `torch.eig` (the last is not in TorchFix's list).

    TorchFix: TOR001 (use), TOR004 (import).

    ## Why is this bad?
    The code fails as soon as it runs on a current PyTorch release. The
    `torch.linalg` replacements differ in more than the name (`torch.solve(B,
    A)` is `torch.linalg.solve(A, B)`; `torch.eig` returned real pairs where
    `torch.linalg.eig` returns complex tensors), so there is no automatic fix.

    A name imported with `from torch import solve` is reported at the import
    only. Silent under a version guard (`if torch.__version__ < ...`,
    `hasattr(torch, "solve")`, a `try` that catches `ImportError` or
    `AttributeError`, an `except Exception:` fallback), for tensor methods
    (`A.symeig()`: the receiver's type is not known) and for assignments
    (`torch.symeig = shim`).

    ## Example
    ```python
    import torch

    x, _ = torch.solve(b, A)
    ```

    ## Use instead
    ```python
    import torch

    x = torch.linalg.solve(A, b)
    ```

    ## References
    - [PyTorch: torch.linalg](https://pytorch.org/docs/stable/linalg.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT001"
    name = "removed-torch-function"
    summary = "Use of a PyTorch function that has been removed (`torch.solve`, `torch.symeig`, ...)"
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR001", "TOR004")
    table = REMOVED
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        x = torch.linalg.solve(A, b)
        w, v = torch.linalg.eigh(A)
        """,
        """
        import torch

        if hasattr(torch, "linalg"):
            x = torch.linalg.solve(A, b)
        else:
            x, _ = torch.solve(b, A)
        """,
        """
        import torch

        w, v = A.symeig(eigenvectors=True)  # a method: the receiver is not known
        """,
        """
        import torch


        def solve(b, A):
            try:
                return torch.linalg.solve(A, b)
            except AttributeError:
                return torch.solve(b, A)[0]
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch

        x, _ = torch.solve(b, A)  # error
        rank = torch.matrix_rank(m)  # error
        """,
        """
        import torch as th
        from torch import lstsq, symeig  # error

        w, v = symeig(A, eigenvectors=True)
        x = th.lstsq(b, A)  # error
        """,
        """
        import torch

        eig = torch.eig  # error
        """,
    )

    @classmethod
    def describe(cls, symbol: Symbol) -> str:
        return f"`{symbol.name}` has been removed from PyTorch: use {symbol.advice}"
