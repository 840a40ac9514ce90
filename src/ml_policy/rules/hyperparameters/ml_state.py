"""What builds ML state: tensors, parameters, arrays, stateful layers, optimizers, RNGs, frames.

Names are qualified, as `ImportTable.resolve_ast` spells them. MLM002 and MLM003 report
these objects; MLM001 treats tensors, arrays and frames as mutable.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ml_policy.lint.calls import UNKNOWN, Unknown
from ml_policy.lint.imports import ImportTable


def _names_in(prefix: str, *names: str) -> frozenset[str]:
    return frozenset(f"{prefix}{name}" for name in names)


TENSOR_FACTORIES = _names_in(
    "torch.",
    *("tensor", "as_tensor", "zeros", "ones", "empty", "full", "rand", "randn", "randint"),
    *("randperm", "arange", "linspace", "logspace", "eye", "zeros_like", "ones_like"),
    *("empty_like", "full_like", "rand_like", "randn_like", "randint_like", "Tensor"),
    *("FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor"),
    *("ShortTensor", "ByteTensor", "CharTensor", "BoolTensor", "nn.Buffer", "nn.parameter.Buffer"),
)
PARAMETERS = frozenset({"torch.nn.Parameter"})
ARRAY_FACTORIES = _names_in(
    "numpy.",
    *("array", "zeros", "ones", "empty", "full", "arange", "linspace", "logspace", "geomspace"),
    *("eye", "identity", "zeros_like", "ones_like", "empty_like", "full_like", "ndarray"),
    "random.permutation",
)
# Converters return their argument when it already is an array: new state only from a literal.
ARRAY_CONVERTERS = _names_in("numpy.", "asarray", "asanyarray", "ascontiguousarray")
# numpy.random functions that return an array only when given a shape: (size keyword, position).
SIZED_RANDOM = {
    "numpy.random.rand": ("", 0),  # rand(d0, d1, ...): any argument is a dimension
    "numpy.random.randn": ("", 0),
    "numpy.random.random": ("size", 0),
    "numpy.random.random_sample": ("size", 0),
    "numpy.random.standard_normal": ("size", 0),
    "numpy.random.uniform": ("size", 2),
    "numpy.random.normal": ("size", 2),
    "numpy.random.randint": ("size", 2),
    "numpy.random.choice": ("size", 1),
}
STATEFUL_MODULES = _names_in(
    "torch.nn.",
    *("Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d"),
    *("ConvTranspose2d", "ConvTranspose3d", "LazyConv1d", "LazyConv2d", "LazyConv3d"),
    *("LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "BatchNorm1d"),
    *("BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"),
    *("SyncBatchNorm", "LayerNorm", "GroupNorm", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d"),
    *("InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"),
    *("Embedding", "EmbeddingBag", "Embedding.from_pretrained", "EmbeddingBag.from_pretrained"),
    *("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Transformer", "TransformerEncoder"),
    *("TransformerEncoderLayer", "TransformerDecoder", "TransformerDecoderLayer"),
    *("MultiheadAttention", "PReLU", "AdaptiveLogSoftmaxWithLoss"),
)
# Layers whose parameters and buffers can be switched off: (keyword, position, default) flags;
# the layer holds state when one of them is true. A flag we cannot read makes us stay silent.
_NORM = (("affine", 3, True), ("track_running_stats", 4, True))
_LAZY_NORM = (("affine", 2, True), ("track_running_stats", 3, True))
_INSTANCE = (("affine", 3, False), ("track_running_stats", 4, False))
_LAZY_INSTANCE = (("affine", 2, False), ("track_running_stats", 3, False))
STATE_FLAGS: dict[str, tuple[tuple[str, int, bool], ...]] = {
    "LayerNorm": (("elementwise_affine", 2, True),),
    "RMSNorm": (("elementwise_affine", 2, True),),
    "GroupNorm": (("affine", 3, True),),
    "SyncBatchNorm": _NORM,
    **{f"BatchNorm{d}d": _NORM for d in (1, 2, 3)},
    **{f"LazyBatchNorm{d}d": _LAZY_NORM for d in (1, 2, 3)},
    **{f"InstanceNorm{d}d": _INSTANCE for d in (1, 2, 3)},
    **{f"LazyInstanceNorm{d}d": _LAZY_INSTANCE for d in (1, 2, 3)},
}
CONTAINERS = _names_in(
    "torch.nn.", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"
)
GENERATORS = frozenset(
    {"torch.Generator", "numpy.random.default_rng", "numpy.random.RandomState"}
    | {"numpy.random.Generator"}
)
FRAMES = _names_in("pandas.", "DataFrame", "Series")
# Base classes that make a subclass a torch module (MLM003).
MODULE_BASES = frozenset(
    {"torch.nn.Module", "torch.nn.ModuleList", "torch.nn.ModuleDict"}
    | _names_in("lightning.", "LightningModule", "pytorch.LightningModule")
    | _names_in("lightning.pytorch.core.", "LightningModule", "module.LightningModule")
    | _names_in("pytorch_lightning.", "LightningModule", "core.LightningModule")
    | {"pytorch_lightning.core.module.LightningModule"}
)

# Methods that return an object of the same kind (a tensor, array or module), often chained
# onto a factory: `torch.tensor([...]).view(1, 3, 1, 1)`, `nn.Linear(2, 2).cuda()`.
SAME_KIND_METHODS = frozenset(
    {"view", "reshape", "view_as", "to", "float", "double", "half", "bfloat16", "long", "int"}
    | {"bool", "cuda", "cpu", "unsqueeze", "squeeze", "expand", "repeat", "permute", "transpose"}
    | {"contiguous", "clone", "detach", "requires_grad_", "flatten", "astype", "copy", "ravel"}
    | {"eval", "train", "share_memory_"}
)
CHAINABLE = frozenset({"tensor", "array", "module", "frame"})
# Factories whose first argument is the data: `torch.tensor([])` holds nothing.
DATA_FACTORIES = _names_in(
    "torch.", "tensor", "as_tensor", "Tensor", "FloatTensor", "LongTensor"
) | _names_in("numpy.", "array", "asarray", "asanyarray", "ascontiguousarray")
# Factories whose positional arguments are dimensions (`torch.zeros(0, 3)`); numpy's and
# torch.full take the shape as the first argument only.
SIZE_FACTORIES = _names_in("torch.", "zeros", "ones", "empty", "rand", "randn")
SHAPE_FACTORIES = _names_in("numpy.", "zeros", "ones", "empty", "full") | {"torch.full"}


# --- Reading stdlib ast calls (as ml_policy.lint.calls does for libcst) ---


def _argument(call: ast.Call, keyword: str, position: int | None) -> ast.expr | Unknown | None:
    """The value bound to parameter `keyword` (0-based `position`); UNKNOWN behind a splat."""
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if any(item.arg is None for item in call.keywords):
        return UNKNOWN
    if position is None:
        return None
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return UNKNOWN
        if index == position:
            return arg
    return None


def _literal_array(node: ast.expr) -> bool:
    """A list/tuple display or a number: what asarray() must copy into a new array."""
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.List | ast.Tuple) or (
        isinstance(node, ast.Constant) and isinstance(node.value, int | float | complex)
    )


def is_empty_placeholder(node: ast.expr, imports: ImportTable) -> bool:
    """A tensor or array built with no element (`torch.empty(0)`, `np.array([])`): a
    placeholder that holds no state to share, rebound before it is used."""
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SAME_KIND_METHODS
    ):
        node = node.func.value
    if not isinstance(node, ast.Call) or not node.args:
        return False
    name = imports.resolve_ast(node.func)
    first = node.args[0]
    if name in DATA_FACTORIES:
        return isinstance(first, ast.List | ast.Tuple) and not first.elts
    if name in SIZE_FACTORIES:
        dimensions = first.elts if isinstance(first, ast.List | ast.Tuple) else node.args
    elif name in SHAPE_FACTORIES:
        dimensions = first.elts if isinstance(first, ast.List | ast.Tuple) else [first]
    else:
        return False
    return any(
        isinstance(d, ast.Constant) and type(d.value) is int and not d.value for d in dimensions
    )


def ml_state(node: ast.expr, imports: ImportTable) -> str | None:
    """What ML state a call builds: tensor, parameter, array, module, optimizer, ..., or None."""
    chained = False
    while (  # torch.tensor([...]).view(1, 3, 1, 1): the kind of the innermost call
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SAME_KIND_METHODS
    ):
        node, chained = node.func.value, True
    kind = _built_state(node, imports)
    if not chained:
        return kind
    return "tensor" if kind == "parameter" else kind if kind in CHAINABLE else None


def _built_state(node: ast.expr, imports: ImportTable) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    name = imports.resolve_ast(node.func)
    if name is None:
        return None
    simple = _simple_state(name)
    if simple is not None:
        return simple
    if name in ARRAY_CONVERTERS:
        return "array" if node.args and _literal_array(node.args[0]) else None
    if name in SIZED_RANDOM:
        return "array" if _has_size(node, *SIZED_RANDOM[name]) else None
    if name in STATEFUL_MODULES:
        return "module" if _holds_state(node, name) else None
    if name in CONTAINERS:
        return (
            "module"
            if any(ml_state(item, imports) in {"module", "parameter"} for item in _items(node))
            else None
        )
    return None


def _simple_state(name: str) -> str | None:
    """Kinds decided by the name alone."""
    parts = name.split(".")
    if name in TENSOR_FACTORIES:
        return "tensor"
    if name in PARAMETERS:
        return "parameter"
    if name in ARRAY_FACTORIES:
        return "array"
    if name in GENERATORS:
        return "generator"
    if name in FRAMES:
        return "frame"
    if parts[:2] == ["torch", "optim"] and len(parts) == 3 and parts[2][:1].isupper():
        return "optimizer"
    if (
        parts[:3] == ["torch", "optim", "lr_scheduler"]
        and len(parts) == 4
        and parts[3][:1].isupper()
    ):
        return "scheduler"
    return None


def _has_size(call: ast.Call, keyword: str, position: int) -> bool:
    if not keyword:
        return bool(call.args)
    size = _argument(call, keyword, position)
    return isinstance(size, ast.expr) and not (
        isinstance(size, ast.Constant) and size.value is None
    )


def _holds_state(call: ast.Call, name: str) -> bool:
    """Whether a layer has parameters or buffers (norm layers can have none)."""
    flags = STATE_FLAGS.get(name.rsplit(".", 1)[-1])
    if flags is None:
        return True
    for keyword, position, default in flags:
        value = _argument(call, keyword, position)
        if value is None and default:
            return True
        if isinstance(value, ast.Constant) and value.value is True:
            return True
    return False


def _items(call: ast.Call, depth: int = 3) -> Iterator[ast.expr]:
    """What a container call is given: arguments, and the elements of displays among them."""
    values = [*call.args, *(k.value for k in call.keywords)]
    for _ in range(depth):
        nested: list[ast.expr] = []
        for value in values:
            if isinstance(value, ast.List | ast.Tuple | ast.Set):
                nested.extend(value.elts)
            elif isinstance(value, ast.Dict):
                nested.extend(value.values)
            elif isinstance(value, ast.Call) and _is_mapping_call(value):
                nested.extend(value.args)
            elif not isinstance(value, ast.Starred):
                yield value
        values = nested


def _is_mapping_call(call: ast.Call) -> bool:
    """OrderedDict([...]) / dict(...) inside Sequential(...) or ModuleDict(...)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in {"OrderedDict", "dict"}


# kind -> (what it is, why sharing it hurts)
STATE_WORDS = {
    "tensor": ("a tensor", " (and its device and in-place changes)"),
    "parameter": ("an `nn.Parameter`", " (one set of weights)"),
    "array": ("a NumPy array", " (and its in-place changes)"),
    "module": ("a layer with parameters or buffers", " (one set of weights for every caller)"),
    "optimizer": ("an optimizer", " (and its state)"),
    "scheduler": ("an LR scheduler", " (and its step count)"),
    "generator": ("a random generator", " (one random stream across calls)"),
    "frame": ("a pandas object", " (and its in-place changes)"),
}
