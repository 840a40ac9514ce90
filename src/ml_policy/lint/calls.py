"""Reading call arguments the way Python binds them, and literal values.

An argument counts whether it is passed by keyword or by position. When a
`*args` or `**kwargs` splat could be supplying it, the answer is UNKNOWN and
the rules stay silent.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.lint.lazy import cst

if TYPE_CHECKING:
    from ml_policy.lint.imports import ImportTable
    from ml_policy.lint.rule import FileContext


class Unknown(enum.Enum):
    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN


def argument(call: cst.Call, keyword: str, position: int | None = None) -> cst.Arg | Unknown | None:
    """The argument bound to parameter `keyword` (0-based `position`), None if absent."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    if any(arg.star == "**" for arg in call.args):
        return UNKNOWN
    if position is None:
        return None
    index = 0
    for arg in call.args:
        if arg.star == "*":
            return UNKNOWN  # positions from here on are not known
        if arg.keyword is None:
            if index == position:
                return arg
            index += 1
    return None


def literal_int(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    return None


def literal_bool(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in {"True", "False"}:
        return node.value == "True"
    return None


def literal_str(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def ast_calls_to(context: FileContext, *names: str) -> bool:
    """Whether the file's stdlib tree has a call to one of the qualified `names` (a rule
    screen; from the screens' shared walk)."""
    return any(True for _ in calls_in(context, *names))


def calls_in(context: FileContext, *names: str) -> Iterator[ast.Call]:
    """The file's calls to one of the qualified `names`, in no particular order (from the
    screens' shared walk)."""
    resolve = context.imports.resolve_ast
    return (node for node in context.nodes(ast.Call) if resolve(node.func) in names)


def ast_calls_of(tree: ast.AST, imports: ImportTable, *names: str) -> Iterator[ast.Call]:
    """The stdlib tree's calls to one of the qualified `names`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and imports.resolve_ast(node.func) in names:
            yield node


def ast_argument(call: ast.Call, keyword: str, position: int) -> ast.expr | Unknown | None:
    """`argument` on the stdlib tree: the value bound to `keyword`, UNKNOWN behind a splat."""
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if any(item.arg is None for item in call.keywords):
        return UNKNOWN
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return UNKNOWN  # positions from here on are not known
        if index == position:
            return arg
    return None


TEST_DIRECTORIES = frozenset({"test", "tests", "testing"})


def is_test_file(path: Path) -> bool:
    """pytest's conventions: test_*.py, *_test.py, conftest.py, or under a tests/ folder."""
    name = path.name
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or bool(TEST_DIRECTORIES.intersection(path.parts[:-1]))
    )


def with_keyword(call: cst.Call, keyword: str, value: str) -> cst.Call:
    """The call with `keyword=value` appended to its arguments (a fix's new node)."""
    items = list(call.args)
    if items and isinstance(items[-1].comma, cst.MaybeSentinel):
        # the last argument gets a comma, so another can follow it
        items[-1] = items[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    added = cst.Arg(
        keyword=cst.Name(keyword),
        value=cst.Name(value),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    return call.with_changes(args=(*items, added))
