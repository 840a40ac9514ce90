"""What a module or function binds, what runs at import time, and in which order.

The rules match the stdlib tree to libcst's by the source order of defs, lambdas and
classes (libcst visits in pre-order, which is the order of their start positions).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

DefOrLambda = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def binding_counts(tree: ast.Module) -> Counter[str]:
    """How often each name is bound anywhere in the module; a star import binds anything."""
    counts: Counter[str] = Counter()
    for node in ast.walk(tree):
        counts.update(bound_names(node))
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            counts["*"] += 1
    return counts


def bound_names(node: ast.AST) -> Iterator[str]:
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


def _evaluated_now(node: DefOrLambda) -> list[ast.expr]:
    """The parts of a def or lambda evaluated where it is defined (not its body)."""
    args = node.args
    parts = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    if not isinstance(node, ast.Lambda):
        parts.extend(node.decorator_list)
    return parts


def all_scoped(tree: ast.Module) -> list[DefOrLambda | ast.ClassDef]:
    """Every def, lambda and class in libcst's visiting order (for matching the two trees)."""
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef)
    ]
    return sorted(found, key=_start)


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
    for node in function_body(function):
        names.update(n for sub in ast.walk(node) for n in bound_names(sub))
    return names
