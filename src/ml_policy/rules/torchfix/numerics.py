"""What MLT101-MLT103 share: literal ones, calls to torch functions, and their screens.

A value counts as a tensor only when torch says so: the result of a call to a
`torch.*` function, or a method chain that only tensors have. Anything else
(`x.log()` on an unknown `x`) stays silent.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache

from ml_policy.lint import textscan
from ml_policy.lint.calls import UNKNOWN, argument
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.textscan import word_search

TORCH_LOG = "torch.log"
TORCH_EXP = "torch.exp"
TORCH_SUM = "torch.sum"


def is_one(node: cst.BaseExpression) -> bool:
    """A literal 1 (`1`, `1.0`, `1.`, `1e0`)."""
    if isinstance(node, cst.Integer | cst.Float):
        return bool(node.evaluated_value == 1)
    return False


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


# Modules whose `log`/`exp` are not torch's: `math.log(` cannot be `torch.log(` unless
# one of these names is bound to torch (`import torch as np`), which `_REBINDS` detects.
_OTHER_MODULES = ("math", "np", "numpy", "jnp", "tf", "sympy", "scipy")
_REBINDS = re.compile(rf"as\s+(?:{'|'.join(_OTHER_MODULES)})\b")  # at a word start


def names_function(text: ScreenText, *names: str) -> bool:
    """Sound text screen: one of `names` is called (`name(`, maybe across a line or a
    comment), or imported under an alias, other than as `math.name(`, `np.name(`, ...;
    and torch is named at all."""
    raw = text.raw
    if "torch" not in raw:
        return False
    others = not word_search(_REBINDS, raw)
    return any(word_search(_call_or_alias(name, others), raw) for name in names)


def may_call_torch_log(text: ScreenText) -> bool:
    """A `log(` call that the stdlib screen may read as `torch.log` or as the method on a
    sum or a call: bare, after `torch.` or an `as` name, or after `)`/`]` (`(1 + t).log()`;
    `x.log()` and `math.log(...)` are neither); or `log` renamed by an import."""
    code = text.text
    return textscan.calls_following(
        code, ("log",), frozenset({"torch"}), on_results=True
    ) or textscan.imported_as(code, ("log",))


@cache
def _call_or_alias(name: str, skip_other_modules: bool) -> re.Pattern[str]:
    # The look-behinds follow the name, so they are tried only where it is found.
    skipped = "".join(rf"(?<!\b{module}\.{name})" for module in _OTHER_MODULES)
    # It starts with the name, not `\\b` (searched for fast; `word_search` checks the start).
    return re.compile(rf"{name}\b{skipped if skip_other_modules else ''}\s*(?:[()\\#]|as\b)")


@dataclass(frozen=True)
class Candidates:
    """Where MLT101-MLT103 may fire in a file: a superset of each rule's findings, on the
    stdlib tree, found in one walk shared by the three screens."""

    log1p: list[ast.Call] = field(default_factory=list)
    expm1: list[ast.BinOp] = field(default_factory=list)
    logsumexp: list[ast.Call] = field(default_factory=list)


def candidates(context: FileContext) -> Candidates:
    imports = context.imports
    found = Candidates()
    for node in context.nodes(ast.Call, ast.BinOp):
        if isinstance(node, ast.Call):
            logged = _ast_logged(node, imports)
            if logged is not None and _ast_one_plus(logged):
                found.log1p.append(node)
            if logged is not None and _ast_is_call(logged, imports, TORCH_SUM):
                found.logsumexp.append(node)
        elif isinstance(node, ast.BinOp) and _ast_exp_minus_one(node, imports):
            found.expm1.append(node)
    return found


def _ast_exp_minus_one(node: ast.BinOp, imports: ImportTable) -> bool:
    """`exp(...) - 1` (a superset: any `exp` method)."""
    return (
        isinstance(node.op, ast.Sub)
        and _ast_is_one(node.right)
        and _ast_is_call(node.left, imports, TORCH_EXP)
    )


def _ast_logged(call: ast.Call, imports: ImportTable) -> ast.expr | None:
    """What `torch.log(x)` or `x.log()` takes the logarithm of (a superset: any `log`)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr != "log":
            return None  # cannot be torch.log either: resolved names keep their last part
        if not call.args and not call.keywords:
            return func.value
    if imports.resolve_ast(func) != TORCH_LOG:
        return None
    values = [k.value for k in call.keywords if k.arg == "input"] + call.args[:1]
    return values[0] if values else None


def _ast_one_plus(node: ast.expr) -> bool:
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Add):
        return False
    return _ast_is_one(node.left) or _ast_is_one(node.right)


def _ast_is_one(node: ast.expr) -> bool:
    value = node.value if isinstance(node, ast.Constant) else None
    return type(value) in {int, float} and value == 1


def _ast_is_call(node: ast.expr, imports: ImportTable, qualified: str) -> bool:
    """A call to `qualified`, or to any method of its last name."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr == qualified.rsplit(".", 1)[-1]  # a method, or the function itself
    return imports.resolve_ast(func) == qualified
