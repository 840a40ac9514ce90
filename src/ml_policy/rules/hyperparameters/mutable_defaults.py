"""Which defaults build a mutable object (MLM001), and which are mutable on purpose."""

from __future__ import annotations

import ast

from ml_policy.lint.imports import ImportTable
from ml_policy.rules.hyperparameters.ml_state import ml_state

BUILTIN_KINDS = {"list": "list", "dict": "dict", "set": "set", "bytearray": "list"}
COLLECTION_KINDS = {
    "collections.defaultdict": "dict",
    "collections.OrderedDict": "dict",
    "collections.Counter": "dict",
    "collections.deque": "deque",
}
# Parameters used on purpose as a per-function cache (`_cache={}`, `memo={}`).
CACHE_WORDS = ("cache", "memo", "registry")


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


def is_cache_name(name: str) -> bool:
    """`_cache`, `memo`, `_REGISTRY`: state kept across calls on purpose."""
    return name.startswith("_") or any(word in name.lower() for word in CACHE_WORDS)


def is_empty_container(node: ast.expr) -> bool:
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


def might_be_mutable(node: ast.expr) -> bool:
    """A cheap first look before resolving names."""
    return isinstance(
        node, ast.List | ast.ListComp | ast.Dict | ast.DictComp | ast.Set | ast.SetComp | ast.Call
    ) or (isinstance(node, ast.Name) and node.id not in {"None", "True", "False"})
