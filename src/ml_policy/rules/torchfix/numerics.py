"""What MLT101-MLT103 share: literal ones, calls to torch functions, and their screens.

A value counts as a tensor only when torch says so: the result of a call to a
`torch.*` function, or a method chain that only tensors have. Anything else
(`x.log()` on an unknown `x`) stays silent.
"""

from __future__ import annotations

import ast
import re
from functools import cache

from ml_policy.lint.calls import UNKNOWN, argument
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText

TORCH_LOG = "torch.log"
TORCH_EXP = "torch.exp"
TORCH_SUM = "torch.sum"


def is_one(node: cst.BaseExpression) -> bool:
    """A literal 1 (`1`, `1.0`, `1.`, `1e0`)."""
    if isinstance(node, cst.Integer | cst.Float):
        return bool(node.evaluated_value == 1)
    return False


def only_argument(call: cst.Call) -> cst.BaseExpression | None:
    """The value of a call's single positional argument (no keywords, no splats)."""
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    return call.args[0].value


def method_call(node: cst.BaseExpression, method: str) -> cst.BaseExpression | None:
    """The receiver of `receiver.method(...)`, or None."""
    func = node.func if isinstance(node, cst.Call) else None
    return func.value if isinstance(func, cst.Attribute) and func.attr.value == method else None


def is_torch_call(node: cst.BaseExpression, imports: ImportTable) -> bool:
    """A call to a `torch.*` function: its result is a tensor (or tensors)."""
    if not isinstance(node, cst.Call):
        return False
    name = imports.resolve(node.func)
    return name is not None and name.startswith("torch.")


def has_dim(call: cst.Call, position: int) -> bool:
    """`dim` is given, and is not a literal None (what `logsumexp` needs)."""
    dim = argument(call, "dim", position)
    if dim is None or dim is UNKNOWN:
        return False
    return not (isinstance(dim.value, cst.Name) and dim.value.value == "None")


def names_function(text: ScreenText, *names: str) -> bool:
    """Sound text screen: one of `names` is called (`name(`, maybe across a line or a
    comment), or imported under an alias; and torch is named at all."""
    if "torch" not in text.raw:
        return False
    return any(_call_or_alias(name).search(text.raw) for name in names)


@cache
def _call_or_alias(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{name}\b\s*(?:[()\\#]|as\b)")


def ast_calls_named(tree: ast.Module, imports: ImportTable, qualified: str) -> bool:
    """A call to `qualified` or to a method of its last name: the screens' superset."""
    method = qualified.rsplit(".", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == method:
                return True
            if imports.resolve_ast(func) == qualified:
                return True
    return False
