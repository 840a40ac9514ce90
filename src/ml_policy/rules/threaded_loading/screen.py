"""MLP002's screen: whether a file may hold a finding, on the stdlib ast."""

from __future__ import annotations

import ast

from ml_policy.lint.imports import ImportTable
from ml_policy.rules.threaded_loading.thread_apis import FACTORIES, HAND_OFF_METHODS, HAND_OFFS


class Candidates:
    """Whether a file may hold a finding, from the stdlib ast in one walk.

    A superset of what the full rule resolves, so it never rejects a file the
    rule would report: a `Thread(...)` or a hand-off method on a pool created
    in the file, whose work is a lambda, a call (partial, an instance), a name
    the module binds, or `x.name` where the module defines `name`; and a loop.
    """

    def __init__(self, imports: ImportTable, tree: ast.Module) -> None:
        self.imports = imports
        self.pools: set[str] = set()  # names bound to a thread-pool factory call somewhere
        self.bound: set[str] = set()  # names bound other than by import (defs included)
        self.defs: set[str] = set()
        self.hand_offs: list[tuple[ast.Call, bool]] = []  # (call, is a Thread(...))
        self.loops = False
        for node in ast.walk(tree):
            self._note(node)

    def found(self) -> bool:
        return self.loops and any(self._could_run(call, thread) for call, thread in self.hand_offs)

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            thread = self._kind(node) == "thread"
            method = isinstance(node.func, ast.Attribute) and node.func.attr in HAND_OFF_METHODS
            if thread or method:
                self.hand_offs.append((node, thread))
        elif isinstance(node, ast.For | ast.While | ast.comprehension):
            self.loops = True
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.defs.add(node.name)
            self.bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            self.bound.add(node.id)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.withitem):
            self._note_pool(node)

    def _note_pool(self, node: ast.Assign | ast.AnnAssign | ast.withitem) -> None:
        value: ast.expr | None
        if isinstance(node, ast.withitem):
            value, targets = node.context_expr, [node.optional_vars]
        else:
            value = node.value
            targets = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
        if isinstance(value, ast.Call) and self._kind(value) in HAND_OFFS:
            self.pools.update(t.id for t in targets if isinstance(t, ast.Name))

    def _kind(self, call: ast.Call) -> str | None:
        return FACTORIES.get(self.imports.resolve_ast(call.func) or "")

    def _could_run(self, call: ast.Call, thread: bool) -> bool:
        if not thread and not self._on_pool(call.func):
            return False
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            return True  # splats: let the full rule decide
        if thread:
            works = [k.value for k in call.keywords if k.arg == "target"] + call.args[1:2]
        else:
            works = [k.value for k in call.keywords if k.arg in {"fn", "func"}] + call.args[:1]
        return any(self._could_name(work) for work in works)

    def _on_pool(self, func: ast.expr) -> bool:
        """`pool.method` on a name bound to a thread pool, or `ThreadPool(...).method`."""
        receiver = func.value if isinstance(func, ast.Attribute) else None
        if isinstance(receiver, ast.Call):
            return self._kind(receiver) in HAND_OFFS
        return isinstance(receiver, ast.Name) and receiver.id in self.pools

    def _could_name(self, work: ast.expr) -> bool:
        if isinstance(work, ast.Lambda | ast.Call):
            return True
        if isinstance(work, ast.Name):
            return work.id in self.bound
        return isinstance(work, ast.Attribute) and work.attr in self.defs
