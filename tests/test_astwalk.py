"""The shared walk of the screens (`lint/astwalk.py`) finds every node `ast.walk` finds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ml_policy.lint.astwalk import index_nodes

ROOT = Path(__file__).resolve().parent.parent
# Never indexed: the screens do not ask for expression contexts or operators.
UNINDEXED = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
SNIPPETS = {
    "names-and-flags": (
        "from . import a as b\nglobal g\nasync def f(x: int, *, y=1) -> None:\n"
        "    nonlocal h\n    z: int = [i async for i in x]\n    w = f'{x!r:>{y}}'\n"
        "    try:\n        pass\n    except E as e:\n        del e\n"
    ),
    "match": "match p:\n    case [1, *rest] | {'k': v, **kw} if v:\n        pass\n"
    "    case C(a, b=c) as d:\n        pass\n",
}


def _same_nodes(tree: ast.AST) -> None:
    index = index_nodes(tree)
    walked = [node for node in ast.walk(tree) if not isinstance(node, UNINDEXED)]
    assert sorted(map(id, walked)) == sorted(id(node) for nodes in index.values() for node in nodes)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_index_holds_every_node(name: str) -> None:
    _same_nodes(ast.parse(SNIPPETS[name]))


def test_index_holds_every_node_of_the_sources() -> None:
    for path in sorted((ROOT / "src").rglob("*.py")):
        _same_nodes(ast.parse(path.read_text(encoding="utf-8")))
