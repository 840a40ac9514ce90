"""The PyTorch names MLT001, MLT004 and MLT005 look for, and what to use instead.

The facts follow TorchFix 0.7.0's list of deprecated symbols (which names are
removed, which deprecated, which have drop-in replacements) and PyTorch's own
deprecation notes; names TorchFix does not list are marked `beyond_torchfix`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Symbol:
    """A PyTorch name that should no longer be used."""

    name: str  # qualified, as the import table resolves it
    advice: str  # what to use instead, as the message says it
    # The qualified name of an exact, drop-in equivalent (same signature and behaviour):
    # only these get a fix.
    rename: str | None = None
    beyond_torchfix: bool = False
    # The release that deprecated it, where a repository may still declare an older torch
    # (then the name is the API, not a finding).
    deprecated_in: tuple[int, ...] | None = None


def _table(*symbols: Symbol) -> dict[str, Symbol]:
    return {symbol.name: symbol for symbol in symbols}


# Deprecated since PyTorch 1.9 and since removed: calls fail on current releases.
REMOVED = _table(
    Symbol(
        "torch.solve",
        "`torch.linalg.solve(A, B)` (the arguments are swapped and only the solution is returned)",
    ),
    Symbol("torch.symeig", "`torch.linalg.eigh` (or `torch.linalg.eigvalsh` for eigenvalues only)"),
    Symbol("torch.matrix_rank", "`torch.linalg.matrix_rank`"),
    Symbol(
        "torch.lstsq",
        "`torch.linalg.lstsq(A, B)` (the arguments are swapped)",
    ),
    Symbol(
        "torch.eig",
        "`torch.linalg.eig` (complex results) or `torch.linalg.eigvals`",
        beyond_torchfix=True,
    ),
)

AMP_DEPRECATED_IN = (2, 4)
_AMP_SINCE = "PyTorch 2.4"
_FUNCTORCH_MOVED = ("vmap", "grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "functionalize")
_FUNCTORCH_REPLACED = {
    "make_functional": "`torch.func.functional_call`",
    "make_functional_with_buffers": "`torch.func.functional_call`",
    "combine_state_for_ensemble": "`torch.func.stack_module_state`",
}


def _amp(device: str, name: str, advice: str) -> tuple[Symbol, ...]:
    """A `torch.<device>.amp` name, also as spelt through its defining submodule."""
    module = "autocast_mode" if name != "GradScaler" else "grad_scaler"
    return tuple(
        Symbol(
            qualified,
            f"{advice} (deprecated since {_AMP_SINCE})",
            beyond_torchfix=True,
            deprecated_in=AMP_DEPRECATED_IN,
        )
        for qualified in (f"torch.{device}.amp.{name}", f"torch.{device}.amp.{module}.{name}")
    )


# Deprecated, still present: they warn, or their docs say they will be removed.
DEPRECATED = _table(
    Symbol("torch.qr", "`torch.linalg.qr`"),
    Symbol("torch.chain_matmul", "`torch.linalg.multi_dot` (the matrices as one list)"),
    Symbol("torch.cholesky", "`torch.linalg.cholesky` (`upper=True`: `.mH` of the result)"),
    Symbol("torch.ger", "`torch.outer`", rename="torch.outer"),
    Symbol("torch.lu_solve", "`torch.linalg.lu_solve` (the arguments are reordered)"),
    Symbol("torch.norm", "`torch.linalg.vector_norm` or `torch.linalg.matrix_norm`"),
    Symbol("torch.range", "`torch.arange` (which excludes the end point)"),
    Symbol("torch.svd", "`torch.linalg.svd` (which returns `Vh`, not `V`)"),
    Symbol("torch.triangular_solve", "`torch.linalg.solve_triangular`"),
    Symbol("torch.lu", "`torch.linalg.lu_factor`"),
    Symbol("torch.nn.UpsamplingNearest2d", "`torch.nn.Upsample(mode='nearest')`"),
    Symbol(
        "torch.nn.UpsamplingBilinear2d",
        "`torch.nn.Upsample(mode='bilinear', align_corners=True)`",
    ),
    Symbol("torch.testing.assert_allclose", "`torch.testing.assert_close`"),
    Symbol(
        "torch.nn.utils.weight_norm",
        "`torch.nn.utils.parametrizations.weight_norm` (its state_dict keys differ)",
    ),
    Symbol(
        "torch.utils._pytree._register_pytree_node",
        "`torch.utils._pytree.register_pytree_node`",
    ),
    Symbol(
        "torch.backends.cuda.sdp_kernel",
        "`torch.nn.attention.sdpa_kernel` (it takes a list of backends)",
    ),
    *(
        Symbol(f"functorch.{name}", f"`torch.func.{name}`", rename=f"torch.func.{name}")
        for name in _FUNCTORCH_MOVED
    ),
    *(
        Symbol(f"functorch.{name}", advice, beyond_torchfix=True)
        for name, advice in _FUNCTORCH_REPLACED.items()
    ),
    *_amp("cuda", "autocast", '`torch.amp.autocast("cuda", ...)`'),
    *_amp("cpu", "autocast", '`torch.amp.autocast("cpu", ...)`'),
    *_amp("cuda", "custom_fwd", '`torch.amp.custom_fwd(device_type="cuda", ...)`'),
    *_amp("cuda", "custom_bwd", '`torch.amp.custom_bwd(device_type="cuda")`'),
    *_amp("cuda", "GradScaler", '`torch.amp.GradScaler("cuda", ...)`'),
    *_amp("cpu", "GradScaler", '`torch.amp.GradScaler("cpu", ...)`'),
)

# Non-public spellings of public functions (the same function objects).
PRIVATE_ALIASES = _table(
    *(
        Symbol(
            f"torch.utils.data._utils.collate.{name}",
            f"`torch.utils.data.{name}`",
            rename=f"torch.utils.data.{name}",
        )
        for name in ("default_collate", "default_convert")
    ),
)


def last_names(table: dict[str, Symbol]) -> tuple[str, ...]:
    """The last component of every name: the text a file must contain (the rules' triggers)."""
    return tuple(sorted({name.rsplit(".", 1)[-1] for name in table}))
