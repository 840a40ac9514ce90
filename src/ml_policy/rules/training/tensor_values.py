"""Which expressions are known to be tensors (MLC003): precision first, so only a few kinds.

A tensor is the result of a `torch.*` function known to return one tensor (factories,
elementwise and shape ops; not `torch.max`, `split`, `load`, `compile`, ... which return
tuples, modules or anything), an out-of-place tensor method called on a tensor, a name
bound once (in its scope) to one of those, or a parameter bound once and annotated
`torch.Tensor`. Everything else, attributes of `self` included, is unknown.
"""

from __future__ import annotations

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
MAX_DEPTH = 4  # name -> value -> receiver -> ... : deep chains are not followed


class TensorKnowledge:
    """Answers "is this expression a tensor?" from the file's imports and scopes."""

    def __init__(self, imports: ImportTable) -> None:
        self.imports = imports

    def is_tensor(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, cst.Call):
            return self._returns_tensor(node, scope, depth)
        if isinstance(node, cst.Name):
            return self._name_is_tensor(node.value, scope, depth)
        return False

    def _returns_tensor(self, call: cst.Call, scope: Scope, depth: int) -> bool:
        if self.imports.resolve(call.func) in TENSOR_FUNCTIONS:
            return True
        func = call.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in OUT_OF_PLACE
            and (func.attr.value != "type" or bool(call.args))  # `x.type()` is a string
            and self.is_tensor(func.value, scope, depth + 1)
        )

    def _name_is_tensor(self, name: str, scope: Scope, depth: int) -> bool:
        found = scope.find(name)
        if found is None:
            return False
        owner, values = found
        if len(values) != 1:
            return False  # rebound: which value reaches here is not followed
        value = values[0]
        if value is None:
            return self._annotated_tensor_parameter(name, owner)
        return isinstance(value, cst.BaseExpression) and self.is_tensor(value, owner, depth + 1)

    def _annotated_tensor_parameter(self, name: str, owner: Scope) -> bool:
        if not isinstance(owner.node, cst.FunctionDef):
            return False
        params = owner.node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name and param.annotation is not None:
                return self._is_tensor_type(param.annotation.annotation)
        return False

    def _is_tensor_type(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.SimpleString):
            spelt = node.evaluated_value
            if not isinstance(spelt, str):
                return False
            head, _, rest = spelt.partition(".")
            target = self.imports.names.get(head)
            return target is not None and f"{target}.{rest}".rstrip(".") in TENSOR_TYPES
        return self.imports.resolve(node) in TENSOR_TYPES
