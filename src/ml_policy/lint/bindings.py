"""Which names a stdlib `ast` node binds, and how often a module binds each name."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lint.rule imports the import table, which reads bindings
    from ml_policy.lint.rule import FileContext


def bound_names(node: ast.AST) -> Iterator[str]:
    """Names a node binds: by assignment, def, class, parameter, import, except, match,
    global or nonlocal."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        yield node.id
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, ast.alias):
        yield node.asname or node.name.split(".")[0]
    elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
        yield node.name
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest
    elif isinstance(node, ast.Global | ast.Nonlocal):
        yield from node.names


# The node kinds `bound_names` reads (exactly: `FileContext.nodes` compares classes),
# parameters aside, and star imports.
_BINDING_KINDS = (
    *(ast.Name, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.alias),
    *(ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping, ast.Global),
    *(ast.Nonlocal, ast.ImportFrom),
)


def binding_counts(context: FileContext) -> Counter[str]:
    """How often each name is bound anywhere in the module, parameters aside (they never
    shadow at module level); a star import binds anything (counted as "*")."""
    counts: Counter[str] = Counter()
    for node in context.nodes(*_BINDING_KINDS):
        if isinstance(node, ast.ImportFrom):
            if any(a.name == "*" for a in node.names):
                counts["*"] += 1
        elif not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
            counts.update(bound_names(node))
    return counts
