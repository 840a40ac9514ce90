"""Large inputs (issue 8 section 4): bounded stages, said out loud, and cheaper positions.

Speed itself is measured in benchmarks/large_files.py, not here: these tests check
the behaviour (what is reported for a file over a stage's limit, that findings in
large files within the limits are still reported) and that the cheaper position
computation gives exactly what libcst's PositionProvider gives.
"""

from __future__ import annotations

from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from ml_policy.lint.positions import positions
from ml_policy.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]

# Constructs whose positions are computed specially (hoisted starts and ends, syntactic
# ranges that skip whitespace and parentheses), odd newlines and wide characters.
TRICKY = (
    "x = 1\r\ny = (\r\n    2\r\n)\r\n",
    "x = 1\ry = [\r  2,\r]\r",
    "x = 1\r\n\ry = 2\n\r\nz = 3\n",
    "@decorator\n@other(1)\ndef f(a, /, b=(1), *c, d: int = 2, **e) -> None:\n    pass\n",
    "class A(B, metaclass=M):\n    '''doc'''\n\n    x: int = 1\n    def f(self): ...\n",
    "if a:\n\tpass\nelif b:\n\tx = 1; y = 2;\nelse:\n\t# comment\n\tpass\n",
    "s = 'é' + \"日本語\" + f'{x!r:>{width}}' + b'\\x00'\n",
    "with (open(a) as f, open(b) as g):\n    async def h():\n        await x\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise\nelse:\n    pass\nfinally:\n    del x\n",
    "match p:\n    case [1, *rest] | {'k': v, **kw} if v:\n        pass\n"
    "    case C(a=1):\n        pass\n",
    "x = (  # comment\n    a\n    + b  # more\n)\nlambda: (yield)\n",
    "for i in range(3):\n    continue\nelse:\n    pass\nwhile x:\n    break\n",
    "def f():\n    global g\n    nonlocal_ = [i for i in x if i for j in i]\n"
    "    return {k: v for k, v in d}\n",
    "x = \\\n    1\n",
    "",
    "\n\n# only a comment\n",
    "pass",
)


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def _all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    collector = _Nodes()
    module.visit(collector)
    return collector.nodes


def _expected(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


def _sources() -> list[tuple[str, str]]:
    found = [(f"tricky-{i}", text) for i, text in enumerate(TRICKY)]
    for rule in ALL_RULES:
        for kind in ("valid", "invalid"):
            for i, snippet in enumerate(rule.examples(kind)):
                found.append((f"{rule.code}-{kind}-{i}", snippet))
    for folder in ("examples", "src/ml_policy/lint", "src/ml_policy/rules"):
        found.extend(
            (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / folder).rglob("*.py"))
        )
    return found


SOURCES = _sources()


@pytest.mark.parametrize(("name", "text"), SOURCES, ids=[name for name, _ in SOURCES])
def test_positions_of_every_node_are_position_providers(name: str, text: str) -> None:
    module = cst.parse_module(text)
    expected = _expected(module)
    assert positions(module, _all_nodes(module)) == expected


@pytest.mark.parametrize(
    ("name", "text"), SOURCES[: len(TRICKY)], ids=[n for n, _ in SOURCES[: len(TRICKY)]]
)
def test_positions_of_one_node_at_a_time(name: str, text: str) -> None:
    """Asked alone, each node still gets its range (hoisted ends, stopping early)."""
    module = cst.parse_module(text)
    expected = _expected(module)
    for node in _all_nodes(module):
        assert positions(module, [node])[node] == expected[node]


def test_positions_of_nothing_generate_nothing() -> None:
    assert positions(cst.parse_module("x = 1\n"), []) == {}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_positions_match_on_generated_programs(source: str) -> None:
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return
    nodes = _all_nodes(module)
    expected = _expected(module)
    assert positions(module, nodes) == expected
    for node in nodes[:: max(1, len(nodes) // 7)]:
        assert positions(module, [node])[node] == expected[node]
