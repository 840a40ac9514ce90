"""A faster `ast.walk` for the screens: only the nodes of the kinds asked for.

`ast.walk` makes a generator per node and visits expression contexts and
operators, a third of all nodes; in the screens (and the import table's scan
for bindings) that walk was half their cost or more.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any, TypeVar


def _node_kinds() -> Iterator[type[ast.AST]]:
    """Every node class of the `ast` module."""
    kinds = [ast.AST]
    while kinds:
        kind = kinds.pop()
        yield kind
        kinds.extend(kind.__subclasses__())


# Fields that never hold a node: names, numbers and flags (not stacked to be skipped),
# expression contexts (Load, Store, Del) and operators (never asked for).
_NOT_NODES = frozenset(
    {"ctx", "op", "ops", "id", "attr", "name", "asname", "arg", "module", "level"}
    | {"type_comment", "kind", "conversion", "simple", "is_async", "tag"}
)
# Per node class, the fields that can hold child nodes (a TypeAlias's name is a Name).
CHILD_FIELDS = {
    kind: tuple(
        name
        for name in kind._fields
        if name not in _NOT_NODES or (name == "name" and kind.__name__ == "TypeAlias")
    )
    for kind in _node_kinds()
}
CHILD_FIELDS[ast.Constant] = CHILD_FIELDS[ast.Global] = CHILD_FIELDS[ast.Nonlocal] = ()

Node = TypeVar("Node", bound=ast.AST)
NodeIndex = dict[type[ast.AST], list[ast.AST]]  # every node of a tree, by class


def nodes_of(tree: ast.AST, kinds: tuple[type[Node], ...]) -> Iterator[Node]:
    """The nodes of `tree` whose class is one of `kinds` (exactly), in no particular order."""
    stack: list[Any] = [tree]  # nodes, and the strings, numbers and Nones of some fields
    while stack:
        node = stack.pop()
        if type(node) in kinds:
            yield node
        for name in CHILD_FIELDS.get(type(node), ()):
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(value)
            else:
                stack.append(value)


def index_nodes(tree: ast.AST) -> NodeIndex:
    """Every node of `tree` by class, in no particular order: one walk that the screens of
    every rule and the import table share (`FileContext.nodes`)."""
    index: NodeIndex = {}
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        fields = CHILD_FIELDS.get(kind)
        if fields is None:
            continue  # a string, number or None of some field
        bucket = index.get(kind)
        if bucket is None:
            index[kind] = [node]
        else:
            bucket.append(node)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(value)
            else:
                stack.append(value)
    return index
