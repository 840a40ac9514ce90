"""MLT005: a non-public alias of a public DataLoader function (TorchFix TOR104, TOR105)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.rules.torchfix.deprecations import PRIVATE_ALIASES, Symbol
from ml_policy.rules.torchfix.symbol_use import SymbolUseRule


class PrivateCollate(SymbolUseRule):
    """## What it does
    Checks for `default_collate` and `default_convert` taken from the private
    module `torch.utils.data._utils.collate` (used, passed as
    `collate_fn=...`, or imported) instead of from `torch.utils.data`.

    TorchFix: TOR104 (use), TOR105 (import).

    ## Why is this bad?
    `_utils` is not a public module: PyTorch may move or rename what is in it
    in any release. The same functions are public as
    `torch.utils.data.default_collate` and `torch.utils.data.default_convert`
    (since PyTorch 1.11). The other names of `_utils.collate` (`collate`,
    `default_collate_fn_map`), which PyTorch's docs teach for custom collate
    functions, are not reported.

    ## Example
    ```python
    from torch.utils.data._utils.collate import default_collate

    loader = DataLoader(ds, collate_fn=default_collate)
    ```

    ## Use instead
    ```python
    from torch.utils.data import default_collate

    loader = DataLoader(ds, collate_fn=default_collate)
    ```

    ## Fix
    Safe: the public names are the same functions. An import statement is
    fixed when it imports nothing else; an attribute chain is rewritten
    through an imported `torch`.

    ## References
    - [PyTorch: torch.utils.data.default_collate](https://pytorch.org/docs/stable/data.html#torch.utils.data.default_collate)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT005"
    name = "private-collate-import"
    summary = "`default_collate`/`default_convert` from the private `torch.utils.data._utils`"
    fix_applicability: ClassVar[Applicability | None] = Applicability.SAFE
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR104", "TOR105")
    table = PRIVATE_ALIASES
    valid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data import default_collate
        from torch.utils.data._utils.collate import collate, default_collate_fn_map

        batch = default_collate(samples)
        """,
        """
        try:
            from torch.utils.data import default_collate
        except ImportError:
            from torch.utils.data._utils.collate import default_collate
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        from torch.utils.data._utils.collate import default_collate  # error

        batch = default_collate(samples)
        """,
        """
        import torch

        loader = torch.utils.data.DataLoader(
            ds,
            collate_fn=torch.utils.data._utils.collate.default_convert,  # error
        )
        """,
    )

    @classmethod
    def describe(cls, symbol: Symbol) -> str:
        return f"`{symbol.name}` is a non-public alias: use {symbol.advice}"
