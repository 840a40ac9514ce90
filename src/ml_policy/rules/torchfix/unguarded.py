"""The stdlib-tree side of `guards.py`, for the screens: the nodes no guard covers.

A subset of the guards the libcst tracker knows, so the screens keep every node the
rules could report: an `if` or conditional expression whose test reads a version name or
probes (`hasattr`, `getattr`, `dir`) and the rest of its block when its body leaves it
(`return`, ...), a default that the guarded `if` right after it assigns again, a `try`
that catches `ImportError`-like errors, and a fallback handler (`except Exception:`,
bare `except:`) of a plain `try`. Version strings in tests are not read (the libcst side
reads them, but the stdlib tree merges implicitly concatenated strings), nor `elif`s
that leave the block: the nodes they cover stay in. Annotations are left out, as the
rules skip them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ml_policy.lint.astwalk import CHILD_FIELDS
from ml_policy.rules.torchfix.guards import (
    FALLBACK_EXCEPTIONS,
    PROBING_CALLS,
    PROBING_EXCEPTIONS,
    is_version_identifier,
)

_ANNOTATIONS = frozenset({"annotation", "returns"})
_BLOCKS = frozenset({"body", "orelse", "finalbody"})  # lists of statements
_LEAVING = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def unguarded_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of `tree` outside guards and annotations, in no particular order."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.Try):
            if _probes(node):
                continue
            stack.extend(h for h in node.handlers if not _is_fallback(h))
            for block in (node.body, node.orelse, node.finalbody):
                stack.extend(_unguarded_statements(block))
            continue
        if isinstance(node, ast.If | ast.IfExp) and _is_guard_test(node.test):
            continue
        for name in CHILD_FIELDS.get(type(node), ()):
            if name in _ANNOTATIONS:
                continue
            value = getattr(node, name, None)
            if name in _BLOCKS and isinstance(value, list):
                stack.extend(_unguarded_statements(value))
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)


def _unguarded_statements(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a block but those after a guarded `if` that leaves it and the
    defaults a guarded `if` right after them assigns again."""
    kept = []
    for index, statement in enumerate(statements):
        following = statements[index + 1] if index + 1 < len(statements) else None
        if isinstance(following, ast.If) and _overrides(statement, following):
            continue
        kept.append(statement)
        if (
            isinstance(statement, ast.If)
            and statement.body
            and isinstance(statement.body[-1], _LEAVING)
            and _is_guard_test(statement.test)
        ):
            break  # the rest of the block is the other branch
    return kept


def _overrides(statement: ast.stmt, guard: ast.If) -> bool:
    """`f = old` followed by `if hasattr(...):` assigning `f` again."""
    if not _is_guard_test(guard.test):
        return False
    assigned = set().union(*(_assigned_names(s) for s in guard.body))
    return bool(_assigned_names(statement) & assigned)


def _assigned_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    else:
        return set()
    return {target.id for target in targets if isinstance(target, ast.Name)}


def _is_guard_test(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Name) and is_version_identifier(node.id):
            return True
        if isinstance(node, ast.Attribute) and is_version_identifier(node.attr):
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in PROBING_CALLS
        ):
            return True
    return False


def _caught_names(handler: ast.ExceptHandler) -> set[str] | None:
    if handler.type is None:
        return None
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = set()
    for kind in kinds:
        if isinstance(kind, ast.Name):
            names.add(kind.id)
        elif isinstance(kind, ast.Attribute):
            names.add(kind.attr)
    return names


def _probes(node: ast.Try) -> bool:
    return any((_caught_names(h) or set()) & PROBING_EXCEPTIONS for h in node.handlers)


def _is_fallback(handler: ast.ExceptHandler) -> bool:
    names = _caught_names(handler)
    return names is None or bool(names & (FALLBACK_EXCEPTIONS | PROBING_EXCEPTIONS))
