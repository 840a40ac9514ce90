"""Which expressions are known to be tensors (MLC003): precision first, so only a few kinds.

A tensor is the result of a `torch.*` function known to return one tensor (factories,
elementwise and shape ops; not `torch.max`, `split`, `load`, `compile`, ... which return
tuples, modules or anything), an out-of-place tensor method called on a tensor, a name
bound once (in its scope) to one of those, or a parameter bound once and annotated
`torch.Tensor`. Everything else, attributes of `self` included, is unknown.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.scopes import Scope
from ml_policy.rules.hyperparameters.ml_state import TENSOR_FACTORIES

# Out-of-place methods that return a new tensor and change nothing: a discarded result is
# lost work. Not `cpu`/`item`/`tolist`/`numpy` (discarded on purpose to synchronise) and
# not the in-place `*_` methods.
OUT_OF_PLACE = frozenset(
    {"unsqueeze", "squeeze", "float", "half", "double", "bfloat16", "long", "int", "bool"}
    | {"byte", "to", "cuda", "view", "view_as", "reshape", "reshape_as", "clamp", "clip"}
    | {"permute", "transpose", "contiguous", "detach", "t", "flatten", "unflatten", "type"}
    | {"expand", "expand_as", "repeat", "repeat_interleave", "clone", "abs", "neg", "exp"}
    | {"log", "sqrt", "sigmoid", "tanh", "relu", "add", "sub", "mul", "div", "pow", "flip"}
    | {"masked_fill", "narrow", "roll", "movedim", "swapaxes", "round", "floor", "ceil"}
)
_TORCH_OPS = frozenset(
    {"cat", "concat", "concatenate", "stack", "hstack", "vstack", "matmul", "mm", "bmm"}
    | {"einsum", "exp", "log", "sigmoid", "tanh", "softmax", "log_softmax", "from_numpy"}
    | {"clamp", "clip", "abs", "sqrt", "flatten", "reshape", "transpose", "permute"}
    | {"squeeze", "unsqueeze", "masked_fill", "gather", "bernoulli", "multinomial", "normal"}
    | {"cumsum", "cumprod", "diag", "tril", "triu", "outer", "cdist", "flip", "roll"}
    | {"repeat_interleave", "tile", "sign", "round", "floor", "ceil", "neg", "add", "mul"}
)
TENSOR_FUNCTIONS = TENSOR_FACTORIES | frozenset(f"torch.{name}" for name in _TORCH_OPS)
TENSOR_TYPES = frozenset({"torch.Tensor"})
if TYPE_CHECKING:
    from ml_policy.lint.rule import FileContext

MAX_DEPTH = 4  # name -> value -> receiver -> ... : deep chains are not followed


Visiting = frozenset[tuple[int, str]]  # (id of the scope, name) being resolved


class TensorKnowledge:
    """Answers "is this expression a tensor?" from the file's imports and scopes.

    A name is a tensor when every binding of it in its scope is a tensor or `None` (and one
    is a tensor): a method called on it then runs on a tensor, or fails on None.
    """

    def __init__(self, imports: ImportTable) -> None:
        self.imports = imports

    def is_tensor(
        self,
        node: cst.BaseExpression,
        scope: Scope,
        depth: int = 0,
        visiting: Visiting = frozenset(),
        *,
        assume: bool = True,
    ) -> bool:
        """`assume`: what a name being resolved counts as when its value refers to it."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, cst.Call):
            if self.imports.resolve(node.func) in TENSOR_FUNCTIONS:
                return True
            func = node.func
            return (
                isinstance(func, cst.Attribute)
                and func.attr.value in OUT_OF_PLACE
                and (func.attr.value != "type" or bool(node.args))  # `x.type()` is a string
                and self.is_tensor(func.value, scope, depth + 1, visiting, assume=assume)
            )
        if isinstance(node, cst.Name):
            return self._name_is_tensor(node.value, scope, depth, visiting, assume)
        return False

    def _name_is_tensor(
        self, name: str, scope: Scope, depth: int, visiting: Visiting, assume: bool
    ) -> bool:
        found = scope.find(name)
        if found is None:
            return False
        owner, values = found
        key = (id(owner), name)
        if key in visiting:
            return assume  # `x = x.float()`: a tensor when x's other bindings are
        visiting = visiting | {key}
        untracked = [value for value in values if value is None]  # parameters, loops, ...
        tracked = [value for value in values if value is not None]
        if untracked:
            if len(untracked) > 1 or not self._tensor_parameter(name, owner):
                return False
        elif not any(  # one binding must make a tensor on its own
            not _is_none(value)
            and self._tensor_or_none(value, owner, depth + 1, visiting, assume=False)
            for value in tracked
        ):
            return False
        return all(
            self._tensor_or_none(value, owner, depth + 1, visiting, assume=assume)
            for value in tracked
        )

    def _tensor_or_none(
        self, node: cst.CSTNode, scope: Scope, depth: int, visiting: Visiting, *, assume: bool
    ) -> bool:
        if _is_none(node):
            return True
        if isinstance(node, cst.IfExp):
            return self._tensor_or_none(
                node.body, scope, depth, visiting, assume=assume
            ) and self._tensor_or_none(node.orelse, scope, depth, visiting, assume=assume)
        return isinstance(node, cst.BaseExpression) and self.is_tensor(
            node, scope, depth, visiting, assume=assume
        )

    def _tensor_parameter(self, name: str, owner: Scope) -> bool:
        """A parameter of the def that owns the scope, annotated `Tensor` (or `Tensor | None`)."""
        if not isinstance(owner.node, cst.FunctionDef):
            return False
        params = owner.node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name and param.annotation is not None:
                return self._is_tensor_type(param.annotation.annotation, optional=True)
        return False

    def _is_tensor_type(self, node: cst.BaseExpression, *, optional: bool = False) -> bool:
        """`torch.Tensor` (however imported, also in a string); with `optional`, also
        `Optional[Tensor]`, `Tensor | None`, `Union[Tensor, None]`."""
        if isinstance(node, cst.SimpleString):
            spelt = node.evaluated_value
            parsed = _parse_annotation(spelt) if isinstance(spelt, str) else None
            return parsed is not None and self._is_tensor_type(parsed, optional=optional)
        if (
            optional
            and isinstance(node, cst.BinaryOperation)
            and isinstance(node.operator, cst.BitOr)
        ):
            sides = (node.left, node.right)
            return any(self._is_tensor_type(side) for side in sides) and all(
                _is_none(side) or self._is_tensor_type(side) for side in sides
            )
        if optional and isinstance(node, cst.Subscript):
            generic = self.imports.resolve(node.value)
            items = [item.slice.value for item in node.slice if isinstance(item.slice, cst.Index)]
            if generic == "typing.Optional" and len(items) == 1:
                return self._is_tensor_type(items[0])
            if generic == "typing.Union" and items:
                return any(self._is_tensor_type(i) for i in items) and all(
                    _is_none(i) or self._is_tensor_type(i) for i in items
                )
        return self.imports.resolve(node) in TENSOR_TYPES


def _is_none(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _parse_annotation(text: str) -> cst.BaseExpression | None:
    try:
        return cst.parse_expression(text.strip())
    except Exception:  # a string annotation may hold anything: then it is not a tensor
        return None


# --- the screen's superset, on the stdlib tree: scopes and rebindings ignored ---


def maybe_tensor_names(context: FileContext) -> frozenset[str]:
    """Names that some binding in the file may make a tensor: parameters annotated with a
    `Tensor`, and targets of assignments from tensor calls or from such names (scopes and
    rebindings ignored: a superset)."""
    found: set[str] = set()
    assignments: list[tuple[str, ast.expr]] = []
    for node in context.nodes(ast.arg, ast.Assign, ast.AnnAssign, ast.withitem):
        if isinstance(node, ast.arg) and node.annotation is not None:
            if _mentions_tensor(node.annotation):
                found.add(node.arg)
        elif isinstance(node, ast.Assign):
            assignments.extend(
                (target.id, node.value) for target in node.targets if isinstance(target, ast.Name)
            )
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            if isinstance(node.target, ast.Name):
                assignments.append((node.target.id, node.value))
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            assignments.append((node.optional_vars.id, node.context_expr))
    # A fixpoint over names, bounded: the verdict follows at most MAX_DEPTH steps from a
    # name to a tensor call or parameter, so no name it can prove is added later than that.
    for _ in range(MAX_DEPTH + 2):
        known = frozenset(found)
        added = {
            name
            for name, value in assignments
            if name not in known and maybe_tensor(value, context, known)
        }
        if not added:
            break
        found |= added
    return frozenset(found)


def _mentions_tensor(annotation: ast.expr) -> bool:
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name | ast.Attribute) and (
            getattr(node, "id", None) == "Tensor" or getattr(node, "attr", None) == "Tensor"
        ):
            return True
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "Tensor" in node.value
        ):
            return True
    return False


def maybe_tensor(node: ast.expr, context: FileContext, names: frozenset[str] | None) -> bool:
    """A tensor call, a name that may be a tensor (None: any name), or an out-of-place
    method chain on one."""
    for _ in range(MAX_DEPTH + 2):
        if isinstance(node, ast.IfExp):
            return maybe_tensor(node.body, context, names) or maybe_tensor(
                node.orelse, context, names
            )
        if isinstance(node, ast.Name):
            return names is None or node.id in names
        if not isinstance(node, ast.Call):
            return False
        if context.imports.resolve_ast(node.func) in TENSOR_FUNCTIONS:
            return True
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in OUT_OF_PLACE):
            return False
        node = func.value
    return False
