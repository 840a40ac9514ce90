"""MLM001's proof of harm: the first mutation of a parameter, before any rebinding."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ml_policy.lint.bindings import bound_names
from ml_policy.lint.imports import ImportTable
from ml_policy.rules.hyperparameters.definitions import DefOrLambda, function_body

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


@dataclass(frozen=True)
class Mutation:
    """Proof that a default is mutated: what, where, and whether the fix can be built."""

    what: str
    line: int
    fixable: bool


def first_mutation(
    function: DefOrLambda, param: str, kind: str, imports: ImportTable, *, empty: bool = False
) -> tuple[str, int] | None:
    """The first mutation of `param` in source order, unless a rebinding comes first.

    For an `empty` default, the body of `if KEY in param:` is not followed: the default
    never gets there.
    """
    events: list[tuple[tuple[int, int], str | None]] = []
    stack = function_body(function)
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
    return name in bound_names(node)


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


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True
