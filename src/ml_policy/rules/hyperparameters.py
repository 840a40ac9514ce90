"""Hyperparameters and defaults (MLM): state shared between calls, instances and runs.

All four rules decide on the stdlib `ast` (their screens are the full analysis,
so libcst parses only files with findings) and use the libcst tree only to
report at the right node. Callables and classes are matched between the two
trees by their ordinal in source order (libcst visits in pre-order, which is
the order of their start positions), checked by name.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.lint.calls import UNKNOWN, Unknown, literal_str
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule

# --- What constructs ML state (qualified names, as `canonical()` spells them) ---


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

# --- What is mutable, and what mutates it (MLM001) ---

BUILTIN_NAMES = frozenset(dir(builtins))
BUILTIN_KINDS = {"list": "list", "dict": "dict", "set": "set", "bytearray": "list"}
COLLECTION_KINDS = {
    "collections.defaultdict": "dict",
    "collections.OrderedDict": "dict",
    "collections.Counter": "dict",
    "collections.deque": "deque",
}
_LIST = ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__iadd__")
_ITEMS = ("__setitem__", "__delitem__")
_SET = ("add", "discard", "remove", "pop", "clear", "update", "intersection_update")
METHODS = {
    "list": frozenset((*_LIST, *_ITEMS)),
    "dict": frozenset(
        ("pop", "popitem", "clear", "update", "setdefault", "subtract", "move_to_end", *_ITEMS)
    ),
    "set": frozenset((*_SET, "difference_update", "symmetric_difference_update")),
    "deque": frozenset((*_LIST, *_ITEMS, "appendleft", "extendleft", "popleft", "rotate")),
    # ndarray.sort sorts in place; torch's Tensor.sort and Tensor.add return new tensors.
    "array": frozenset(("sort", "fill", "put", "partition", "resize", "itemset", *_ITEMS)),
    "tensor": frozenset(_ITEMS),
    "frame": frozenset(("insert", "pop", "update", *_ITEMS)),
}
SUBSCRIPTABLE = frozenset({"list", "dict", "deque", "array", "tensor", "frame"})
# Attributes through which an item assignment still writes into the object.
VIEWS = {"tensor": frozenset({"data"}), "frame": frozenset({"loc", "iloc", "at", "iat"})}
_HEAPQ = ("heappush", "heappop", "heapify", "heapreplace", "heappushpop")
_NUMPY_WRITERS = ("copyto", "fill_diagonal", "put", "place", "putmask")
# Functions that mutate their first positional argument: name -> the kinds that can be passed.
ARGUMENT_MUTATORS = {
    "random.shuffle": frozenset({"list", "array", "tensor"}),
    "numpy.random.shuffle": frozenset({"list", "array"}),
    **{f"heapq.{name}": frozenset({"list"}) for name in _HEAPQ},
    **{f"bisect.{name}": frozenset({"list"}) for name in ("insort", "insort_left", "insort_right")},
    **{f"numpy.{name}": frozenset({"array"}) for name in _NUMPY_WRITERS},
}
OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^",
    ast.BitAnd: "&", ast.FloorDiv: "//",
}  # fmt: skip
# Parameters used on purpose as a per-function cache (`_cache={}`, `memo={}`).
CACHE_WORDS = ("cache", "memo", "registry")

_Callable = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


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


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


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


# --- ML state (MLM002, MLM003; MLM001 for tensors, arrays and frames) ---


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


def mutable_kind(node: ast.expr, imports: ImportTable, names: dict[str, ast.expr]) -> str | None:
    """list, dict, set, deque, array, tensor or frame: the mutable object a default builds.

    `names` holds the module-level assignments; whether such a name (or a builtin like `list`)
    is bound anywhere else is checked later, only for defaults proven to be mutated.
    """
    if isinstance(node, ast.List | ast.ListComp):
        return "list"
    if isinstance(node, ast.Dict | ast.DictComp):
        return "dict"
    if isinstance(node, ast.Set | ast.SetComp):
        return "set"
    if isinstance(node, ast.Name) and node.id in names:
        return mutable_kind(names[node.id], imports, {})
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name) and node.func.id in BUILTIN_KINDS:
        return BUILTIN_KINDS[node.func.id]
    name = imports.resolve_ast(node.func)
    if name in COLLECTION_KINDS:
        return COLLECTION_KINDS[name]
    state = ml_state(node, imports)
    return {"tensor": "tensor", "parameter": "tensor", "array": "array", "frame": "frame"}.get(
        state or ""
    )


# --- Module-wide facts ---


def binding_counts(tree: ast.Module) -> Counter[str]:
    """How often each name is bound anywhere in the module; a star import binds anything."""
    counts: Counter[str] = Counter()
    for node in ast.walk(tree):
        counts.update(_bound_names(node))
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            counts["*"] += 1
    return counts


def _bound_names(node: ast.AST) -> Iterator[str]:
    """Names a node binds (parameters excluded: they never shadow at module level)."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        yield node.id
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.alias):
        yield node.asname or node.name.split(".")[0]
    elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
        yield node.name
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest
    elif isinstance(node, ast.Global | ast.Nonlocal):
        yield from node.names


def _module_assignments(body: list[ast.stmt]) -> Iterator[tuple[str, ast.expr]]:
    """`NAME = value` statements run at import time (also inside module-level if/try/with)."""
    for stmt in body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            yield stmt.targets[0].id, stmt.value
        elif (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.value is not None
        ):
            yield stmt.target.id, stmt.value
        elif isinstance(stmt, ast.If | ast.With | ast.Try):
            for block in ("body", "orelse", "finalbody"):
                yield from _module_assignments(getattr(stmt, block, []))
            for handler in getattr(stmt, "handlers", []):
                yield from _module_assignments(handler.body)


def _start(node: ast.stmt | ast.expr) -> tuple[int, int]:
    """Where libcst's pre-order reaches a node: a decorated def or class at its first decorator."""
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        return decorators[0].lineno, decorators[0].col_offset - 1
    return node.lineno, node.col_offset


@dataclass
class ImportTime:
    """The defs, lambdas and classes created once, when the module is imported."""

    callables: list[_Callable]
    classes: list[ast.ClassDef]

    @classmethod
    def of(cls, tree: ast.Module) -> ImportTime:
        """Everything but function bodies is walked: module-level code is a small part of a file."""
        found = cls([], [])
        stack: list[ast.AST] = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                found.callables.append(node)
                stack.extend(_evaluated_now(node))
                continue
            if isinstance(node, ast.ClassDef):
                found.classes.append(node)
            stack.extend(ast.iter_child_nodes(node))
        return found


def _evaluated_now(node: _Callable) -> list[ast.expr]:
    """The parts of a def or lambda evaluated where it is defined (not its body)."""
    args = node.args
    parts = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    if not isinstance(node, ast.Lambda):
        parts.extend(node.decorator_list)
    return parts


def all_scoped(tree: ast.Module) -> list[_Callable | ast.ClassDef]:
    """Every def, lambda and class in libcst's visiting order (for matching the two trees)."""
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef)
    ]
    return sorted(found, key=_start)


def _body(node: _Callable) -> list[ast.AST]:
    return [node.body] if isinstance(node, ast.Lambda) else list(node.body)


def _defaults(args: ast.arguments) -> Iterator[tuple[ast.arg, ast.expr]]:
    positional = [*args.posonlyargs, *args.args]
    yield from zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            yield arg, default


# --- MLM001: the first mutation of a parameter, before any rebinding ---


@dataclass(frozen=True)
class Mutation:
    """Proof that a default is mutated: what, where, and whether the fix can be built."""

    what: str
    line: int
    fixable: bool


def first_mutation(
    function: _Callable, param: str, kind: str, imports: ImportTable, *, empty: bool = False
) -> tuple[str, int] | None:
    """The first mutation of `param` in source order, unless a rebinding comes first.

    For an `empty` default, the body of `if KEY in param:` is not followed: the default
    never gets there.
    """
    events: list[tuple[tuple[int, int], str | None]] = []
    stack = _body(function)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == param:  # nested scopes are not followed: their calls are not proven
                events.append(((node.lineno, node.col_offset), None))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if empty and isinstance(node, ast.If) and _tests_membership(node.test, param):
            stack.extend([node.test, *node.orelse])
            continue
        what = _mutation(node, param, kind, imports)
        if what is not None:
            events.append((_position(node), what))
        elif _rebinds(node, param):
            events.append((_position(node), None))
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            stack.append(node.value)  # `p += x` mutates p in place: its target is no rebinding
        else:
            stack.extend(ast.iter_child_nodes(node))
    if not events:
        return None
    (line, _), what = min(events, key=lambda event: event[0])
    return None if what is None else (what, line)


def _tests_membership(test: ast.expr, param: str) -> bool:
    """`KEY in param`: false for an empty container."""
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.In)
        and _is_name(test.comparators[0], param)
    )


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _rebinds(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Name):
        return node.id == name and not isinstance(node.ctx, ast.Load)
    return name in _bound_names(node)


def _mutation(node: ast.AST, param: str, kind: str, imports: ImportTable) -> str | None:
    """How `node` mutates the object bound to `param`, or None."""
    if isinstance(node, ast.AugAssign):
        target = node.target
        operator = OPERATORS.get(type(node.op), "")
        if _is_name(target, param):
            return f"`{param} {operator}= ...`"
        if (
            isinstance(target, ast.Subscript)
            and kind in SUBSCRIPTABLE
            and _is_receiver(target.value, param, kind)
        ):
            return f"`{ast.unparse(target.value)}[...] {operator}= ...`"
    if (
        isinstance(node, ast.Subscript)
        and not isinstance(node.ctx, ast.Load)
        and kind in SUBSCRIPTABLE
        and _is_receiver(node.value, param, kind)
    ):
        item = f"{ast.unparse(node.value)}[...]"
        return f"`del {item}`" if isinstance(node.ctx, ast.Del) else f"`{item} = ...`"
    if isinstance(node, ast.Call):
        return _mutating_call(node, param, kind, imports)
    return None


def _mutating_call(call: ast.Call, param: str, kind: str, imports: ImportTable) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and _is_receiver(func.value, param, kind):
        receiver = ast.unparse(func.value)
        if func.attr in METHODS[kind] or (kind == "tensor" and _is_inplace_method(func.attr)):
            return f"`{receiver}.{func.attr}(...)`"
        if kind == "frame" and any(k.arg == "inplace" and _is_true(k.value) for k in call.keywords):
            return f"`{receiver}.{func.attr}(..., inplace=True)`"
    name = imports.resolve_ast(func) or ""
    first = call.args[0] if call.args else None
    if first is not None and _is_name(first, param) and _mutates_first_argument(call, name, kind):
        return f"`{ast.unparse(func)}({param}, ...)`"
    writes_out = any(k.arg == "out" and _is_name(k.value, param) for k in call.keywords)
    if writes_out and kind in {"tensor", "array"} and name.startswith(("torch.", "numpy.")):
        return f"`{ast.unparse(func)}(..., out={param})`"
    return None


def _mutates_first_argument(call: ast.Call, name: str, kind: str) -> bool:
    if kind in ARGUMENT_MUTATORS.get(name, ()):
        return True
    if kind != "tensor" or not name.startswith("torch."):
        return False
    if _is_inplace_method(name.rsplit(".", 1)[-1]):  # torch.nn.init.zeros_(p), torch.relu_(p)
        return True
    return name.startswith("torch.nn.functional.") and any(
        k.arg == "inplace" and _is_true(k.value) for k in call.keywords
    )


def _is_inplace_method(name: str) -> bool:
    """PyTorch's in-place convention: one trailing underscore (`add_`, `zero_`), not a dunder."""
    return name.endswith("_") and not name.endswith("__") and not name.startswith("_")


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_receiver(node: ast.expr, param: str, kind: str) -> bool:
    """`p`, or a view of it that writes through (`p.data`, `p.loc`)."""
    if isinstance(node, ast.Attribute) and node.attr in VIEWS.get(kind, ()):
        node = node.value
    return _is_name(node, param)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _locals(function: _Callable) -> set[str]:
    """Parameters and names bound in the body (they would shadow names a moved default reads)."""
    args = function.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    names = {a.arg for a in params if a is not None}
    for node in _body(function):
        names.update(n for sub in ast.walk(node) for n in _bound_names(sub))
    return names


# --- One analysis per file, shared by the screens and the rules ---


class Analysis:
    """The findings of MLM001-MLM003 on one stdlib tree, computed on demand.

    The screens need only the import-time part of the module; the whole tree is walked again
    only to confirm a candidate (binding counts) and, in the rules, to match the libcst tree.
    Findings are keyed by the id of their def, lambda or class node (the tree outlives them).
    """

    def __init__(self, tree: ast.Module, imports: ImportTable) -> None:
        self.tree = tree
        self.imports = imports

    @cached_property
    def import_time(self) -> ImportTime:
        return ImportTime.of(self.tree)

    @cached_property
    def module_values(self) -> dict[str, ast.expr]:
        return dict(_module_assignments(self.tree.body))

    @cached_property
    def counts(self) -> Counter[str]:
        return binding_counts(self.tree)

    @cached_property
    def scoped(self) -> list[_Callable | ast.ClassDef]:
        return all_scoped(self.tree)

    @cached_property
    def callables(self) -> list[_Callable]:
        """Defs and lambdas in order: the i-th is libcst's i-th FunctionDef or Lambda."""
        return [node for node in self.scoped if not isinstance(node, ast.ClassDef)]

    @cached_property
    def classes(self) -> list[ast.ClassDef]:
        return [node for node in self.scoped if isinstance(node, ast.ClassDef)]

    @cached_property
    def mutated(self) -> dict[tuple[int, str], Mutation]:
        """MLM001: (id of the def or lambda, parameter) -> the mutation that proves the harm."""
        found: dict[tuple[int, str], Mutation] = {}
        for function in self.import_time.callables:
            for arg, default in _defaults(function.args):
                mutation = self._mutation(function, arg, default)
                if mutation is not None:
                    found[id(function), arg.arg] = mutation
        return found

    def _mutation(self, function: _Callable, arg: ast.arg, default: ast.expr) -> Mutation | None:
        if _is_cache_name(arg.arg) or not _might_be_mutable(default):
            return None
        if isinstance(default, ast.Name) and self._is_registry(default.id):
            return None
        kind = mutable_kind(default, self.imports, self.module_values)
        empty = _is_empty_container(default)
        proof = (
            None
            if kind is None
            else first_mutation(function, arg.arg, kind, self.imports, empty=empty)
        )
        if proof is None or not self._unshadowed(default):
            return None
        return Mutation(proof[0], proof[1], self._fixable(function, arg, default))

    def _is_registry(self, name: str) -> bool:
        """A module-level cache or registry passed in on purpose: a cache-like name, or an
        empty container (a constant would hold values; an empty one exists to be filled)."""
        value = self.module_values.get(name)
        cache_like = any(word in name.lower() for word in CACHE_WORDS)
        return cache_like or (value is not None and _is_empty_container(value))

    def _unshadowed(self, default: ast.expr) -> bool:
        """A module-level name bound nowhere else; `list()` and co. not rebound in the module."""
        if isinstance(default, ast.Name):
            return self.counts[default.id] == 1 and not self.counts["*"]
        func = default.func if isinstance(default, ast.Call) else None
        if isinstance(func, ast.Name) and func.id in BUILTIN_KINDS:
            return not self.counts[func.id] and not self.counts["*"]
        return True

    def _fixable(self, function: _Callable, arg: ast.arg, default: ast.expr) -> bool:
        """Moving the default into the body must evaluate the same names, to a new object."""
        if isinstance(function, ast.Lambda) or isinstance(default, ast.Name):
            return False
        if isinstance(arg.annotation, ast.Constant):
            return False  # "Tensor" | None is not an expression Python can evaluate
        names = _names(default)
        known = all(
            name in self.imports.names or (name in BUILTIN_NAMES and not self.counts[name])
            for name in names
        )
        return known and not names & _locals(function)

    @cached_property
    def ml_defaults(self) -> dict[tuple[int, str], str]:
        """MLM002: (id of the def or lambda, parameter) -> the kind of ML state of its default."""
        found: dict[tuple[int, str], str] = {}
        for function in self.import_time.callables:
            for arg, default in _defaults(function.args):
                kind = ml_state(default, self.imports)
                if kind is None or is_empty_placeholder(default, self.imports):
                    continue
                if (id(function), arg.arg) not in self.mutated:
                    found[id(function), arg.arg] = kind
        return found

    def module_classes(self, *, strict: bool) -> set[int]:
        """Ids of the import-time classes that subclass torch.nn.Module, directly or through
        this file. Loose: a base named like a class of the file is that class; strict: only if
        the name is bound by class statements alone (a full walk: only to confirm findings)."""
        classes = self.import_time.classes
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
                if any(self._is_module_base(b, by_name, found, strict) for b in node.bases):
                    found.add(id(node))
                    changed = True
        return found

    def _is_module_base(
        self, base: ast.expr, by_name: dict[str, list[ast.ClassDef]], found: set[int], strict: bool
    ) -> bool:
        if self.imports.resolve_ast(base) in MODULE_BASES:
            return True
        if not isinstance(base, ast.Name) or base.id not in by_name:
            return False
        classes = by_name[base.id]
        if strict and self.counts[base.id] != len(classes):
            return False
        return all(id(node) in found for node in classes)

    @cached_property
    def class_attributes(self) -> dict[tuple[int, int], str]:
        """MLM003: (id of the class, statement index in its body) -> the kind of ML object."""
        found: dict[tuple[int, int], str] = {}
        loose = self.module_classes(strict=False)
        for node in self.import_time.classes:
            if id(node) in loose:
                found.update(self._attributes(node))
        if found:
            strict = self.module_classes(strict=True)
            found = {key: kind for key, kind in found.items() if key[0] in strict}
        return found

    def _attributes(self, node: ast.ClassDef) -> Iterator[tuple[tuple[int, int], str]]:
        for index, stmt in enumerate(node.body):
            value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
            if value is None or is_empty_placeholder(value, self.imports):
                continue
            kind = ml_state(value, self.imports)
            if kind in {"tensor", "parameter", "array", "module"}:
                yield (id(node), index), kind


def _is_cache_name(name: str) -> bool:
    """`_cache`, `memo`, `_REGISTRY`: state kept across calls on purpose."""
    return name.startswith("_") or any(word in name.lower() for word in CACHE_WORDS)


def _is_empty_container(node: ast.expr) -> bool:
    """`[]`, `{}`, `set()`, `dict()`, `defaultdict(list)`, `OrderedDict()`."""
    if isinstance(node, ast.List | ast.Set):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        empty_args = len(node.args) <= (1 if name == "defaultdict" else 0)
        return empty_args and name in {
            *BUILTIN_KINDS,
            *(n.rsplit(".", 1)[1] for n in COLLECTION_KINDS),
        }
    return False


def _might_be_mutable(node: ast.expr) -> bool:
    """A cheap first look before resolving names."""
    return isinstance(
        node, ast.List | ast.ListComp | ast.Dict | ast.DictComp | ast.Set | ast.SetComp | ast.Call
    ) or (isinstance(node, ast.Name) and node.id not in {"None", "True", "False"})


_last: list[Analysis] = []  # one slot: screens and rules of one file share one analysis


def analysis(tree: ast.Module, imports: ImportTable) -> Analysis:
    if _last and _last[0].tree is tree and _last[0].imports is imports:
        return _last[0]
    _last[:] = [Analysis(tree, imports)]
    return _last[0]


# --- The libcst side: find the nodes the analysis names ---


def _defaulted(params: cst.Parameters) -> Iterator[tuple[cst.Param, cst.BaseExpression]]:
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.default is not None:
            yield param, param.default


def _source(node: cst.CSTNode, limit: int = 40) -> str:
    """Short source text of a node, for messages."""
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


if TYPE_CHECKING:  # evaluating cst.Param here would import libcst with the rules
    Defaulted = list[tuple[cst.Param, cst.BaseExpression]]


class _CallableRule(Rule):
    """Matches libcst's defs and lambdas to the analysis by ordinal (checked by name)."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.analysis = analysis(context.tree, context.imports)
        self.ordinal = -1
        self.in_sync = True
        self.current = 0  # id of the stdlib node of the def or lambda being checked

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node, node.params)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._enter(node, node.params)

    def _enter(self, node: cst.FunctionDef | cst.Lambda, params: cst.Parameters) -> None:
        self.ordinal += 1
        if not self.in_sync or self.ordinal >= len(self.analysis.callables):
            self.in_sync = False
            return
        expected = self.analysis.callables[self.ordinal]
        self.current = id(expected)
        if isinstance(node, cst.FunctionDef):
            self.in_sync = (
                isinstance(expected, ast.FunctionDef | ast.AsyncFunctionDef)
                and expected.name == node.name.value
            )
        else:
            self.in_sync = isinstance(expected, ast.Lambda)
        if self.in_sync:  # once the trees disagree, say nothing rather than something wrong
            self.check(node, list(_defaulted(params)))

    def check(self, node: cst.FunctionDef | cst.Lambda, defaulted: Defaulted) -> None:
        raise NotImplementedError


class MutatedMutableDefault(_CallableRule):
    """## What it does
    Checks for parameters whose default is a mutable object that the function
    mutates. A mutable default is a list, dict or set display or
    comprehension, a call to `list()`, `dict()`, `set()`, `bytearray()`,
    `collections.defaultdict`/`OrderedDict`/`Counter`/`deque`, a NumPy array,
    torch tensor or pandas factory, or a name bound once, at module level, to
    one of these. A mutation is an item assignment or deletion, a mutating
    method (`append`, `update`, `pop`, `add`, ...; for tensors the in-place
    methods ending in `_`), an augmented assignment (`p += ...`),
    `torch.nn.init.*_(p)`, `random.shuffle(p)`, `out=p`, or a pandas method
    with `inplace=True`. The finding is at the default, and names the
    mutation that proves the harm.

    ## Why is this bad?
    A default is evaluated once, when the function is defined. A mutated
    default keeps the changes: the second call sees the layers, metrics or
    hyperparameters the first call added, and a rerun in the same process
    (a notebook, a sweep, a test session) trains a different model from a
    fresh one. Unlike Ruff's B006, which flags every mutable default, this
    rule reports only defaults that are proven to be mutated.

    Precision first: a mutation counts only if no rebinding of the parameter
    (`p = list(p)`, `if p is None: p = []`, even a conditional one) comes
    before it in the body, and, for an empty default, not inside
    `if KEY in p:` (the default never gets there). Mutations through aliases (`q = p`,
    `self.x = p`) and in nested functions, classes and lambdas are not
    followed; functions created at call time (nested `def`s) are not
    checked. State kept on purpose is skipped: parameters used as a
    per-function cache (a name that starts with `_` or contains `cache`,
    `memo` or `registry`), and module-level registries passed as defaults (a
    name bound to an empty container, or named like a cache).

    ## Example
    ```python
    def build_mlp(sizes=(128, 64), layers=[]):
        for size in sizes:
            layers.append(size)
        return layers
    ```

    ## Use instead
    ```python
    def build_mlp(sizes=(128, 64), layers=None):
        if layers is None:
            layers = []
        for size in sizes:
            layers.append(size)
        return layers
    ```

    ## Fix
    Defaults the parameter to `None` (an annotation `T` becomes `T | None`)
    and creates the object at the top of the body, after the docstring. Not
    offered when the default is a module-level name, reads names the function
    shadows, or is annotated with a string. Unsafe: callers that pass `None`
    explicitly now get the default.

    ## References
    - [Python tutorial: Default Argument Values](https://docs.python.org/3/tutorial/controlflow.html#default-argument-values)
    - [Ruff B006: mutable-argument-default](https://docs.astral.sh/ruff/rules/mutable-argument-default/)
    """

    code = "MLM001"
    name = "mutated-mutable-default"
    summary = (
        "Mutable default that the function mutates: every call sees the previous call's values"
    )
    triggers: ClassVar[tuple[str, ...]] = ("def", "lambda")
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE
    valid: ClassVar[tuple[str, ...]] = (
        """
        def f(layers=None):
            if layers is None:
                layers = []
            layers.append(1)
        """,
        """
        def f(layers=[]):
            if not layers:
                layers = [64]
            layers.append(1)
        """,
        """
        def f(layers=[]):
            layers = list(layers)
            layers.append(1)
        """,
        """
        def f(layers=[], config={}):
            config = {**config}
            config["lr"] = 0.1
            return layers + [1]
        """,
        """
        def f(cfg={}):
            alias = cfg
            alias["lr"] = 1
        """,
        """
        def f(cfg={}):
            def inner():
                cfg["lr"] = 1

            return inner
        """,
        """
        import torch


        def f(t=torch.zeros(3), u=torch.ones(2)):
            return t.add(1), u.sort()
        """,
        """
        def f(t=[]):
            t.add_(1)
        """,
        """
        def f(_seen=set(), memo={}):
            _seen.add(1)
            memo[1] = 2
        """,
        """
        def outer():
            def f(acc=[]):
                acc.append(1)

            return f
        """,
        """
        LAYERS = []
        LAYERS = [1]


        def f(layers=LAYERS):
            layers.append(2)
        """,
        """
        def list():
            return ()


        def f(xs=list()):
            xs.append(1)
        """,
        """
        from mylib import make_list


        def f(xs=make_list(), ys=()):
            xs.append(1)
            ys += (1,)
        """,
        """
        def f(xs=[], **kwargs):
            kwargs["a"] = 1
            return xs
        """,
        """
        def f(params={}):
            if "quantiles" in params:  # never true for the default
                params["intervals"] = [10, 50, 90]
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        def f(layers=[]):  # error
            layers.append(1)
        """,
        """
        def f(a, /, b={}):  # error
            b["lr"] = 0.1
        """,
        """
        def f(*, seen=set()):  # error
            seen.add(1)
        """,
        """
        class Trainer:
            def fit(self, callbacks=[]):  # error
                callbacks.extend([1])
        """,
        """
        async def f(xs=[]):  # error
            for x in range(3):
                xs.append(x)
        """,
        """
        import torch


        def f(t=torch.zeros(3)):  # error
            t.add_(1)
        """,
        """
        import torch
        import torch.nn as nn


        def f(w=torch.empty(3, 3)):  # error
            nn.init.xavier_uniform_(w)
        """,
        """
        import numpy as np


        def f(a=np.zeros(3)):  # error
            a += 1
        """,
        """
        import pandas as pd


        def f(df=pd.DataFrame()):  # error
            df.dropna(inplace=True)
        """,
        """
        from collections import defaultdict


        def f(d=defaultdict(list)):  # error
            d.update(a=1)
        """,
        """
        DEFAULT_LAYERS = [64, 32]


        def f(layers=DEFAULT_LAYERS):  # error
            layers.append(16)
        """,
        """
        def f(xs=[]):  # error
            xs.append(1)
            xs = []
        """,
        """
        def f(xs=[]):  # error
            if xs:
                xs.pop()
            else:
                xs = [1]
        """,
        """
        f = lambda x, acc=[]: acc.append(x)  # error
        """,
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.module: cst.Module | None = None
        self.indents: list[str] = []  # of the enclosing indented blocks, for the fix

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        return bool(analysis(tree, imports).mutated)

    def visit_Module(self, node: cst.Module) -> None:
        self.module = node

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.indents.append(self._indent(node))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.indents.pop()

    def check(self, node: cst.FunctionDef | cst.Lambda, defaulted: Defaulted) -> None:
        mutated = self.analysis.mutated
        reported = [
            (param, default, mutated[self.current, param.name.value])
            for param, default in defaulted
            if (self.current, param.name.value) in mutated
        ]
        fix = self._fix(node, reported) if isinstance(node, cst.FunctionDef) else ()
        for param, default, mutation in reported:
            name = param.name.value
            self.report(
                default,
                self._message(name, default, mutation),
                fix=fix,
                fix_message=f"Default `{name}` to `None` and create the object in the body",
            )

    def _message(self, name: str, default: cst.BaseExpression, mutation: Mutation) -> str:
        # Notebook cells are joined into one text: its line numbers are not the cell's.
        notebook = self.context.path.suffix == ".ipynb"
        where = "in the body" if notebook else f"on line {mutation.line}"
        return (
            f"mutable default `{_source(default)}` of `{name}` is mutated ({mutation.what} "
            f"{where}): every call after the first sees the previous call's values"
        )

    def _indent(self, block: cst.IndentedBlock) -> str:
        if block.indent is not None:
            return block.indent
        return self.module.default_indent if self.module is not None else "    "

    def _fix(
        self,
        node: cst.FunctionDef | cst.Lambda,
        reported: list[tuple[cst.Param, cst.BaseExpression, Mutation]],
    ) -> tuple[tuple[cst.CSTNode, cst.CSTNode], ...]:
        """One fix for all reported parameters of a def (their edits would overlap)."""
        body = node.body
        if not isinstance(body, cst.IndentedBlock) or not all(m.fixable for *_, m in reported):
            return ()
        edits: list[tuple[cst.CSTNode, cst.CSTNode]] = []
        checks: list[cst.BaseStatement] = []
        for param, default, _ in reported:
            param_edits = _none_default(param, default)
            if param_edits is None:
                return ()
            edits.extend(param_edits)
            checks.append(_if_none(param.name.value, default))
        # The checks go after the docstring (or the `def` line), indented like the body; the
        # edit replaces the end of that line with itself plus the new lines.
        anchor = _anchor(body)
        indent = "".join(self.indents) + self._indent(body)
        edits.append((anchor, cst.IndentedBlock(header=anchor, body=checks, indent=indent)))
        return tuple(edits)


def _none_default(
    param: cst.Param, default: cst.BaseExpression
) -> list[tuple[cst.CSTNode, cst.CSTNode]] | None:
    """Edits that make the default `None` and the annotation `T | None`; None if not possible."""
    edits: list[tuple[cst.CSTNode, cst.CSTNode]] = [(default, cst.Name("None"))]
    if param.annotation is None:
        return edits
    annotation = param.annotation.annotation
    if any(isinstance(n, cst.Name) and n.value in {"None", "Optional"} for n in _walk(annotation)):
        return edits
    if not isinstance(annotation, cst.Name | cst.Attribute | cst.Subscript | cst.BinaryOperation):
        return None
    optional = cst.BinaryOperation(left=annotation, operator=cst.BitOr(), right=cst.Name("None"))
    return [*edits, (annotation, optional)]


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _if_none(name: str, default: cst.BaseExpression) -> cst.If:
    """`if name is None: name = default`."""
    assign = cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=default)
    return cst.If(
        test=cst.Comparison(cst.Name(name), [cst.ComparisonTarget(cst.Is(), cst.Name("None"))]),
        body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[assign])]),
    )


def _anchor(body: cst.IndentedBlock) -> cst.TrailingWhitespace:
    """The end of the line the checks follow: the docstring's line, else the `def` line."""
    first = body.body[0] if body.body else None
    if (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        return first.trailing_whitespace
    return body.header


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


class MLObjectDefault(_CallableRule):
    """## What it does
    Checks for parameter defaults that build ML state: torch tensors and
    `nn.Parameter`s, NumPy arrays, `torch.nn` layers that hold parameters or
    buffers (Linear, Conv, norms, Embedding, RNNs, Transformer layers, and
    Sequential/ModuleList/ModuleDict holding one), `torch.optim` optimizers and
    LR schedulers, `torch.Generator`, `numpy.random.default_rng` /
    `RandomState` / `Generator`, and pandas DataFrame / Series. The finding
    is at the default.

    ## Why is this bad?
    A default is built once, when the function is defined (usually at import
    time), and every call shares it: every model built with a default
    `head=nn.Linear(512, 10)` trains the same weights, a default tensor stays
    on one device and keeps any in-place change, a default generator draws
    one stream across calls, and importing the module allocates memory
    nobody asked for.

    Immutable values (`torch.device`, dtypes, `torch.Size`, `torch.finfo`),
    stateless layers (`nn.ReLU()`, `nn.Identity()`, `nn.Dropout()`,
    pooling, norm layers built with `affine=False` and no running stats) and
    empty placeholders (`torch.empty(0)`, `np.array([])`: no element to
    share) are fine. Names are resolved through the imports; a default that MLM001
    reports as mutated is not reported again. Functions created at call time
    (nested `def`s, lambdas in a function body) are not checked.

    ## Example
    ```python
    import torch.nn as nn


    def make_model(backbone, head=nn.Linear(512, 10)):
        return nn.Sequential(backbone, head)
    ```

    ## Use instead
    ```python
    def make_model(backbone, head=None):
        if head is None:
            head = nn.Linear(512, 10)
        return nn.Sequential(backbone, head)
    ```

    ## References
    - [Python tutorial: Default Argument Values](https://docs.python.org/3/tutorial/controlflow.html#default-argument-values)
    - [Ruff B008: function-call-in-default-argument](https://docs.astral.sh/ruff/rules/function-call-in-default-argument/)
    - [PyTorch: What is a state_dict?](https://pytorch.org/tutorials/recipes/recipes/what_is_state_dict.html)
    """

    code = "MLM002"
    name = "ml-object-default"
    summary = "Default builds a tensor, array, layer, optimizer or RNG shared by every call"
    triggers: ClassVar[tuple[str, ...]] = ("torch", "numpy", "pandas")
    valid: ClassVar[tuple[str, ...]] = (
        """
        import torch


        def f(device=torch.device("cpu"), dtype=torch.float32, shape=torch.Size([2])):
            pass
        """,
        """
        import torch.nn as nn


        def f(act=nn.ReLU(), drop=nn.Dropout(0.1), pool=nn.MaxPool2d(2), out=nn.Identity()):
            pass
        """,
        """
        import torch.nn as nn


        def f(a=nn.LayerNorm(8, elementwise_affine=False), b=nn.InstanceNorm2d(8)):
            pass
        """,
        """
        import torch.nn as nn


        def f(body=nn.Sequential(nn.ReLU(), nn.Identity())):
            pass
        """,
        """
        import numpy as np


        def f(a=np.asarray(x), dtype=np.float32, seed=np.random.randint(10)):
            pass
        """,
        """
        import torch

        torch = None


        def f(t=torch.zeros(3)):
            pass
        """,
        """
        import torch


        class Linear:
            pass


        def f(layer=Linear(), t=torch.finfo(torch.float32).eps):
            pass
        """,
        """
        from mylib import Linear


        def f(layer=Linear(2, 2)):
            pass
        """,
        """
        import torch


        def outer():
            def f(t=torch.zeros(3)):
                pass
        """,
        """
        import torch


        def f(t=torch.zeros(3)):  # MLM001 reports it: mutated in place
            t.zero_()
        """,
        """
        import torch.nn as nn


        def f(norm=nn.BatchNorm1d(8, **norm_kwargs), **kwargs):
            pass
        """,
        """
        import numpy as np
        import torch


        def f(t=torch.empty(0), a=np.array([]), b=np.zeros((0, 3))):
            pass
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torch


        def f(x, mask=torch.ones(4)):  # error
            return x * mask
        """,
        """
        import torch.nn as nn


        def f(head=nn.Linear(512, 10)):  # error
            pass
        """,
        """
        from torch import nn


        def f(*, norm=nn.BatchNorm2d(64)):  # error
            pass
        """,
        """
        from torch.nn import Linear as L


        class A:
            def f(self, layer=L(2, 2), /):  # error
                pass
        """,
        """
        import numpy as np


        async def f(rng=np.random.default_rng(0)):  # error
            pass
        """,
        """
        import numpy as np


        def f(
            w=np.zeros((3, 3)),  # error
            b=np.asarray([1.0]),  # error
        ):
            pass
        """,
        """
        import torch.nn as nn


        def f(m=nn.Sequential(nn.Linear(2, 2), nn.ReLU())):  # error
            pass
        """,
        """
        import torch


        def f(opt=torch.optim.SGD([torch.zeros(1)], lr=0.1)):  # error
            pass
        """,
        """
        import torch


        def f(gen=torch.Generator()):  # error
            pass
        """,
        """
        import pandas as pd

        h = lambda df=pd.DataFrame(): df  # error
        """,
        """
        import torch.nn as nn


        def f(p=nn.Parameter(w)):  # error
            pass
        """,
    )

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        return bool(analysis(tree, imports).ml_defaults)

    def check(self, node: cst.FunctionDef | cst.Lambda, defaulted: Defaulted) -> None:
        for param, default in defaulted:
            kind = self.analysis.ml_defaults.get((self.current, param.name.value))
            if kind is None:
                continue
            what, why = STATE_WORDS[kind]
            self.report(
                default,
                f"default `{_source(default)}` of `{param.name.value}` builds {what} once, "
                f"when the function is defined: every call shares it{why}; "
                "default to `None` and build it in the body",
            )


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
        self.analysis = analysis(context.tree, context.imports)
        self.ordinal = -1

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        return bool(analysis(tree, imports).class_attributes)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.ordinal += 1
        classes = self.analysis.classes
        expected = classes[self.ordinal] if self.ordinal < len(classes) else None
        if expected is None or expected.name != node.name.value:
            return  # the trees disagree: say nothing rather than something wrong
        for index, stmt in enumerate(_statements(node.body)):
            kind = self.analysis.class_attributes.get((id(expected), index))
            if kind is None or not isinstance(stmt, cst.Assign | cst.AnnAssign):
                continue
            if stmt.value is not None:
                self.report(stmt.value, _attribute_message(stmt, node.name.value, kind))


def _attribute_message(stmt: cst.Assign | cst.AnnAssign, cls: str, kind: str) -> str:
    target = stmt.targets[0].target if isinstance(stmt, cst.Assign) else stmt.target
    name = _source(target)
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


APPEND_ACTIONS = frozenset({"append", "extend"})


class ArgparseAppendDefault(Rule):
    """## What it does
    Checks for `add_argument(..., action="append" | "extend", default=[...])`
    with a non-empty list or tuple literal as the default. Any receiver
    counts (parsers and argument groups are passed around); `action` and
    `default` must be literal keywords, else the rule stays silent. The
    finding is at the `add_argument` call.

    ## Why is this bad?
    argparse does not replace a list default with the values given on the
    command line: it appends them to it. With `default=[128, 64]`,
    `--hidden 256` yields `[128, 64, 256]`, so a sweep that sets the layer
    sizes silently trains a bigger model than it asked for.

    ## Example
    ```python
    parser.add_argument("--hidden", type=int, action="append", default=[128, 64])
    args = parser.parse_args()
    ```

    ## Use instead
    ```python
    parser.add_argument("--hidden", type=int, action="append", default=None)
    args = parser.parse_args()
    if args.hidden is None:
        args.hidden = [128, 64]
    ```

    ## References
    - [argparse: action](https://docs.python.org/3/library/argparse.html#action)
    - [CPython issue #60603: append action with a default list](https://github.com/python/cpython/issues/60603)
    """

    code = "MLM004"
    name = "argparse-append-default"
    summary = 'argparse `action="append"` or `"extend"` with a non-empty default list'
    triggers: ClassVar[tuple[str, ...]] = ("add_argument",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        parser.add_argument("--x", action="append")
        parser.add_argument("--y", action="append", default=[])
        parser.add_argument("--z", action="extend", default=None)
        """,
        """
        parser.add_argument("--x", action="store", default=[1, 2])
        parser.add_argument("--y", nargs="+", default=[1, 2])
        """,
        """
        parser.add_argument("--x", action=ACTION, default=[1, 2])
        """,
        """
        parser.add_argument("--x", action="append", default=DEFAULTS)
        """,
        """
        parser.add_argument("--x", action="append", default=[*DEFAULTS])
        """,
        """
        add_argument("--x", action="append", default=[1])
        """,
        """
        parser.add_argument("--x", **{"action": "append", "default": [1]})
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        parser.add_argument("--x", action="append", default=[1, 2])  # error
        """,
        """
        group.add_argument("--tag", action="extend", nargs="+", default=("a",))  # error
        """,
        """
        self.parser.add_argument(  # error
            "--x",
            action="append",
            default=["a"],
        )
        """,
        """
        def add_options(p, **kw):
            p.add_argument("-l", type=int, action="append", default=[1], **kw)  # error
        """,
    )

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        del imports
        return any(isinstance(n, ast.Call) and _appends_to_default(n) for n in ast.walk(tree))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "add_argument":
            return
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        action = literal_str(keywords["action"]) if "action" in keywords else None
        default = keywords.get("default")
        if (
            action in APPEND_ACTIONS
            and isinstance(default, cst.List | cst.Tuple)
            and any(not isinstance(e, cst.StarredElement) for e in default.elements)
        ):
            self.report(
                node,
                f'`add_argument(action="{action}")` with a non-empty default: argparse appends '
                "the command-line values to the default instead of replacing it; use "
                "`default=None` and fill in the default after parsing",
            )


def _appends_to_default(call: ast.Call) -> bool:
    """The stdlib-ast twin of ArgparseAppendDefault.visit_Call (its screen)."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "add_argument":
        return False
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    action = keywords.get("action")
    default = keywords.get("default")
    return (
        isinstance(action, ast.Constant)
        and action.value in APPEND_ACTIONS
        and isinstance(default, ast.List | ast.Tuple)
        and any(not isinstance(e, ast.Starred) for e in default.elts)
    )
