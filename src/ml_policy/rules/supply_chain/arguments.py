"""Reading the arguments of a download or load call beyond `lint/calls.py`.

A keyword may be passed directly, in a literal `**{...}` / `**dict(...)`, or in a
`**name` whose name is bound once, in scope, to such a literal and never changed
in place. A string may be a literal or a name bound once to one (a module-level
constant). Anything else is not known, and the rules stay silent.
"""

from __future__ import annotations

import ast

from ml_policy.deps.commits import is_commit
from ml_policy.lint.calls import UNKNOWN, Unknown, literal_str
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope

# Methods that change a dict in place: a splatted dict they touch is no longer known.
_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})


def mutated_names(context: FileContext) -> frozenset[str]:
    """Names whose value the file changes in place (`d[k] = v`, `d.update(...)`, `del d[k]`)."""
    names: set[str] = set()
    for node in context.nodes(ast.Subscript, ast.Attribute):
        if (
            isinstance(node, ast.Subscript | ast.Attribute)
            and isinstance(node.value, ast.Name)
            and _changes_in_place(node)
        ):
            names.add(node.value.id)
    return frozenset(names)


def _changes_in_place(node: ast.Subscript | ast.Attribute) -> bool:
    if isinstance(node, ast.Subscript):
        return not isinstance(node.ctx, ast.Load)
    return node.attr in _MUTATORS


def string_names(context: FileContext) -> frozenset[str]:
    """Names some statement binds to a string literal (`string_value`'s candidates)."""
    names: set[str] = set()
    for node in context.nodes(ast.Assign, ast.AnnAssign):
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_string(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
    return frozenset(names)


def ast_string_candidate(node: ast.expr, names: frozenset[str]) -> bool:
    """Whether `string_value` may read a string from this stdlib node (a sound screen)."""
    return _is_string(node) or (isinstance(node, ast.Name) and node.id in names)


def _is_string(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def keyword_value(
    call: cst.Call, keyword: str, scope: Scope, mutated: frozenset[str]
) -> cst.BaseExpression | Unknown | None:
    """The value passed as `keyword=`; None when absent, UNKNOWN when a splat may pass it."""
    unknown = False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
        if arg.star == "*":
            continue  # positional values: never a keyword
        if arg.star == "**":
            entries = splatted_entries(arg.value, scope, mutated)
            if entries is None:
                unknown = True
            elif keyword in entries:
                return entries[keyword]
    return UNKNOWN if unknown else None


def splatted_entries(
    node: cst.BaseExpression, scope: Scope, mutated: frozenset[str]
) -> dict[str, cst.BaseExpression] | None:
    """The keywords a `**` argument passes, when they are all known."""
    if isinstance(node, cst.Name):
        if node.value in mutated:
            return None
        bound = scope.only(node.value)
        if not isinstance(bound, cst.Dict | cst.Call):
            return None
        node = bound
    if isinstance(node, cst.Dict):
        return _dict_display(node)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        return _dict_call(node)
    return None


def _dict_display(node: cst.Dict) -> dict[str, cst.BaseExpression] | None:
    entries: dict[str, cst.BaseExpression] = {}
    for element in node.elements:
        key = literal_str(element.key) if isinstance(element, cst.DictElement) else None
        if key is None or not isinstance(element, cst.DictElement):
            return None  # a `**other` or a computed key could be anything
        entries[key] = element.value
    return entries


def _dict_call(node: cst.Call) -> dict[str, cst.BaseExpression] | None:
    entries: dict[str, cst.BaseExpression] = {}
    for arg in node.args:
        if arg.keyword is None:
            return None  # dict(other, ...) or dict(**other)
        entries[arg.keyword.value] = arg.value
    return entries


def string_value(node: cst.BaseExpression, scope: Scope) -> str | None:
    """A string literal, or the literal a name is bound to once in scope (a constant)."""
    if isinstance(node, cst.Name):
        found = scope.find(node.value)
        if found is None or len(found[1]) != 1:
            return None
        bound = found[1][0]
        return literal_str(bound) if isinstance(bound, cst.BaseExpression) else None
    return literal_str(node)


def pins_commit(value: cst.BaseExpression | Unknown | None, scope: Scope) -> bool | None:
    """Whether a revision is a full commit id (a branch or tag can move); None: not known."""
    if value is None:
        return False
    if isinstance(value, Unknown):
        return None
    text = string_value(value, scope)
    return None if text is None else is_commit(text)
