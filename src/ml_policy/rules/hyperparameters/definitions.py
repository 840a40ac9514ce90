"""What a module defines, what of it runs at import time, and in which order (stdlib `ast`).

The rules match the stdlib tree to libcst's by the source order of defs, lambdas and
classes (libcst visits in pre-order, which is the order of their start positions).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ml_policy.lint.bindings import bound_names

if TYPE_CHECKING:
    from ml_policy.lint.rule import FileContext

DefOrLambda = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def module_assignments(body: list[ast.stmt]) -> Iterator[tuple[str, ast.expr]]:
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
                yield from module_assignments(getattr(stmt, block, []))
            for handler in getattr(stmt, "handlers", []):
                yield from module_assignments(handler.body)


def _start(node: ast.stmt | ast.expr) -> tuple[int, int]:
    """Where libcst's pre-order reaches a node: a decorated def or class at its first decorator."""
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        return decorators[0].lineno, decorators[0].col_offset - 1
    return node.lineno, node.col_offset


@dataclass
class ImportTime:
    """The defs, lambdas and classes created once, when the module is imported."""

    callables: list[DefOrLambda]
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


def import_time(context: FileContext) -> ImportTime:
    """The file's defs, lambdas and classes created at import time (MLM001-MLM003 check these)."""
    return ImportTime.of(context.tree)


def _evaluated_now(node: DefOrLambda) -> list[ast.expr]:
    """The parts of a def or lambda evaluated where it is defined (not its body)."""
    args = node.args
    parts = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    if not isinstance(node, ast.Lambda):
        parts.extend(node.decorator_list)
    return parts


@dataclass
class SourceOrder:
    """Every def and lambda, and every class, in libcst's visiting order (to match the trees)."""

    callables: list[DefOrLambda]
    classes: list[ast.ClassDef]


def source_order(context: FileContext) -> SourceOrder:
    found = [
        node
        for node in ast.walk(context.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef)
    ]
    ordered = sorted(found, key=_start)
    return SourceOrder(
        [node for node in ordered if not isinstance(node, ast.ClassDef)],
        [node for node in ordered if isinstance(node, ast.ClassDef)],
    )


def function_body(node: DefOrLambda) -> list[ast.AST]:
    return [node.body] if isinstance(node, ast.Lambda) else list(node.body)


def parameter_defaults(args: ast.arguments) -> Iterator[tuple[ast.arg, ast.expr]]:
    positional = [*args.posonlyargs, *args.args]
    yield from zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            yield arg, default


def local_names(function: DefOrLambda) -> set[str]:
    """Parameters and names bound in the body (they would shadow names a moved default reads)."""
    args = function.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    names = {a.arg for a in params if a is not None}
    for node in function_body(function):  # nested functions' parameters are theirs alone
        names.update(
            n for sub in ast.walk(node) if not isinstance(sub, ast.arg) for n in bound_names(sub)
        )
    return names
