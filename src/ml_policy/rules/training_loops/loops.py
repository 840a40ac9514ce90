"""What MLC004-MLC006 read in a loop: its nodes, its calls, and the module functions it calls.

A training loop is a `for` or `while` loop whose body calls `X.backward()`. The rules
look at the whole body, nested loops included, but not into nested defs, classes or
lambdas (they run some other time, if at all). A call to a function defined in the
same file (`f(...)` or `self.f(...)`) is followed into that function's body.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from ml_policy.config import Settings
from ml_policy.lint.astwalk import nodes_of
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.data_loading.dataloaders import is_test_code

if TYPE_CHECKING:  # libcst loads on first use, not when the rules are imported
    Loop: TypeAlias = cst.For | cst.While
    Functions: TypeAlias = dict[str, list[cst.FunctionDef]]


def body_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes under `node` (itself excluded) in source order, not inside a nested def,
    class or lambda."""
    stack = list(reversed(node.children))
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            stack.extend(reversed(child.children))


def loop_nodes(loop: Loop) -> list[cst.CSTNode]:
    """The nodes of the loop's body and `else`, not its header (target, iterable, test)."""
    parts: list[cst.CSTNode] = [loop.body] if loop.orelse is None else [loop.body, loop.orelse]
    return [node for part in parts for node in (part, *body_nodes(part))]


def calls_in(nodes: list[cst.CSTNode]) -> list[cst.Call]:
    return [node for node in nodes if isinstance(node, cst.Call)]


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, None for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    return ".".join([node.value, *reversed(parts)])


def method(call: cst.Call) -> str | None:
    """The method name of `x.m(...)`, None for other calls."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def receiver(call: cst.Call) -> cst.BaseExpression | None:
    """The `x` of `x.m(...)`."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def is_backward(call: cst.Call) -> bool:
    """`loss.backward()`, `scaler.scale(loss).backward()`, `accelerator.backward(loss)`."""
    return method(call) == "backward"


def backward_tensors(calls: list[cst.Call]) -> set[str]:
    """The names of the tensors the loop calls backward on (the losses)."""
    names: set[str] = set()
    for call in calls:
        if not is_backward(call):
            continue
        tensor = receiver(call)
        if isinstance(tensor, cst.Call) and method(tensor) == "scale" and tensor.args:
            tensor = tensor.args[0].value  # scaler.scale(loss).backward()
        elif call.args and call.args[0].keyword is None and not call.args[0].star:
            tensor = call.args[0].value  # accelerator.backward(loss)
        if isinstance(tensor, cst.Name):
            names.add(tensor.value)
    return names


def module_functions(module: cst.Module) -> Functions:
    """Every def of the module (methods and nested defs included), by name."""
    functions: Functions = {}
    for node in body_nodes_all(module):
        if isinstance(node, cst.FunctionDef):
            functions.setdefault(node.name.value, []).append(node)
    return functions


def body_nodes_all(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under `node`, defs and classes included."""
    stack = list(node.children)
    while stack:
        child = stack.pop()
        yield child
        stack.extend(child.children)


def called_functions(
    calls: list[cst.Call], functions: Functions, depth: int = 2
) -> list[cst.FunctionDef]:
    """The module's defs that `calls` may reach (`f(...)`, `self.f(...)`), `depth` calls deep."""
    found: dict[int, cst.FunctionDef] = {}
    frontier = calls
    for _ in range(depth):
        reached = [
            function
            for call in frontier
            for function in functions.get(local_callee(call) or "", ())
            if id(function) not in found
        ]
        found.update((id(function), function) for function in reached)
        frontier = [c for function in reached for c in calls_in(list(body_nodes(function)))]
    return list(found.values())


def local_callee(call: cst.Call) -> str | None:
    """`f` for `f(...)` and `self.f(...)`/`cls.f(...)`: calls that may reach a def of the file."""
    if isinstance(call.func, cst.Name):
        return call.func.value
    owner = receiver(call)
    if isinstance(owner, cst.Name) and owner.value in {"self", "cls"}:
        return method(call)
    return None


def ast_loops_with(context: FileContext, *methods: str) -> bool:
    """Whether some loop of the stdlib tree calls each of the `methods` (`x.m(...)`)."""
    return any(True for _ in ast_loops(context, *methods))


def ast_loops(context: FileContext, *methods: str) -> Iterator[ast.stmt]:
    """The loops of the stdlib tree that call each of the `methods` (`x.m(...)`)."""
    for loop in context.nodes(ast.For, ast.AsyncFor, ast.While):
        called = {
            node.func.attr
            for node in nodes_of(loop, (ast.Call,))
            if isinstance(node.func, ast.Attribute)
        }
        if called.issuperset(methods):
            yield loop


def ast_reached_functions(
    context: FileContext, roots: list[ast.stmt], depth: int = 2
) -> list[ast.stmt]:
    """The defs of the stdlib tree that calls under `roots` may reach by name, `depth` calls
    deep (a superset of `called_functions`: every def of a reached name, nested calls too)."""
    functions: dict[str, list[ast.stmt]] = {}
    definitions: Iterator[ast.FunctionDef | ast.AsyncFunctionDef]
    definitions = context.nodes(ast.FunctionDef, ast.AsyncFunctionDef)
    for node in definitions:
        functions.setdefault(node.name, []).append(node)
    found: dict[int, ast.stmt] = {}
    frontier = roots
    for _ in range(depth):
        names = {
            callee
            for root in frontier
            for call in nodes_of(root, (ast.Call,))
            if (callee := _ast_local_callee(call)) is not None
        }
        reached = [f for name in names for f in functions.get(name, ()) if id(f) not in found]
        found.update((id(function), function) for function in reached)
        frontier = reached
    return list(found.values())


def _ast_local_callee(call: ast.Call) -> str | None:
    """`local_callee` on the stdlib tree."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr if func.value.id in {"self", "cls"} else None
    return None


class LoopRule(Rule):
    """A rule that judges each `for` and `while` loop of a file (not in tests: they train toy
    models a few steps on purpose), reporting each node once although outer loops hold it."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.reported: set[int] = set()

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_code(path)

    def visit_For(self, node: cst.For) -> None:
        self.check(node)

    def visit_While(self, node: cst.While) -> None:
        self.check(node)

    def check(self, loop: Loop) -> None:
        """Judge one loop."""
        raise NotImplementedError

    def report_once(self, node: cst.CSTNode, message: str) -> None:
        if id(node) not in self.reported:
            self.reported.add(id(node))
            self.report(node, message)
