"""libcst reads only the defs and classes that hold a place: findings do not change.

A rule that names its `places` lets the engine cut the bodies of the other top-level defs
and classes to `...` before libcst parses the file (`lint/excerpt.py`). Every finding,
with its position, fix and suppression, must be the one the whole file gives: each
such rule's examples are checked both ways, set among defs and classes that are cut.
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_policy.config import Settings
from ml_policy.diagnostics import Diagnostic
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.excerpt import excerpt
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules import ALL_RULES

SETTINGS = Settings(root=Path(__file__).resolve().parent)
PLACED = [rule for rule in ALL_RULES if rule.places.__func__ is not Rule.places.__func__]  # type: ignore[attr-defined]

# Defs and classes no rule has a place in: cut when they are not the example's own.
BEFORE = '''\
class _Before:
    """Cut to `...`."""

    def method(self, x):
        return x.log() + (1 + x).log()


@staticmethod
def _before(
    x,
):
    return x
'''
AFTER = """\


def _after(x):
    return x
"""


def whole_file(rule: type[Rule]) -> type[Rule]:
    """`rule` without places: libcst parses the whole file."""
    return type(rule.__name__, (rule,), {"places": classmethod(lambda cls, context: None)})


def both_ways(rule: type[Rule], text: str, name: str = "module.py") -> list[Diagnostic]:
    data = text.encode()
    cut = lint_bytes(Path(name), data, SETTINGS, [rule])
    whole = lint_bytes(Path(name), data, SETTINGS, [whole_file(rule)])
    assert cut == whole
    return cut


def padded(example: str) -> str:
    """The example among defs and classes that are cut (after its `__future__` imports)."""
    lines = example.splitlines(keepends=True)
    future = [n for n, line in enumerate(lines) if line.startswith("from __future__")]
    at = future[-1] + 1 if future else 0
    return "".join([*lines[:at], BEFORE, "\n\n", *lines[at:], AFTER])


def test_the_rules_with_places() -> None:
    # The rules whose files dominated the libcst stage on the benchmark corpus.
    codes = {rule.code for rule in PLACED}
    assert {"MLR001", "MLT003", "MLT004", "MLT101", "MLT102", "MLC001"} <= codes


@pytest.mark.parametrize(
    ("rule", "example"),
    [
        pytest.param(rule, example, id=f"{rule.code}-{kind}-{number}")
        for rule in PLACED
        for kind in ("invalid", "valid")
        for number, example in enumerate(rule.examples(kind), start=1)
    ],
)
def test_examples_among_cut_definitions(rule: type[Rule], example: str) -> None:
    text = padded(example)
    found = both_ways(rule, text)
    context = FileContext.of_tree(ast.parse(text), Path("module.py"), SETTINGS)
    assert excerpt(text, context.tree, rule.places(context) or ()) is not None
    if "# error" in example:
        assert found, "the padded invalid example is still reported"


def cut_text(text: str, *place_lines: int) -> str | None:
    tree = ast.parse(text)
    places = [node for node in ast.walk(tree) if getattr(node, "lineno", 0) in place_lines]
    part = excerpt(text, tree, places)
    return None if part is None else part.text


def test_bodies_without_places_are_cut_to_their_headers() -> None:
    text = textwrap.dedent(
        """\
        import torch

        @dataclass
        class Config(Base):  # kept
            '''Doc.'''
            size: int = 1


        def unused(a, b=[]):
            # a comment
            return a


        def used(x):
            return torch.log(1 + x)
        """
    )
    assert cut_text(text, 15) == textwrap.dedent(
        """\
        import torch
        @dataclass
        class Config(Base):  # kept
            ...
        def unused(a, b=[]):
            # a comment
            ...
        def used(x):
            return torch.log(1 + x)
        """
    )


def test_lines_map_back_to_the_file() -> None:
    text = "import torch\n\nclass A:\n    x = 1\n    y = 2\n\n\nz = torch.log(1 + w)\n"
    tree = ast.parse(text)
    part = excerpt(text, tree, [])
    assert part is not None
    assert part.text == "import torch\nclass A:\n    ...\nz = torch.log(1 + w)\n"
    assert [part.file_line(line) for line in (1, 2, 3, 4)] == [1, 3, 4, 8]
    assert part.cut == ((4, 5),)  # the body's lines, which libcst does not see
    y = tree.body[1].body[1]  # type: ignore[attr-defined]
    assert part.is_cut(y)
    assert not part.is_cut(tree.body[1])


def test_nothing_to_cut() -> None:
    # Every def holds a place, a one-line def has no body line, the rest are statements.
    text = "import torch\n\ndef f(x): return x\n\nif True:\n    def g():\n        pass\n"
    assert cut_text(text) is None
    assert cut_text("def f(x):\n    return x\n", 2) is None


def test_carriage_returns_are_not_cut() -> None:
    assert cut_text("class A:\r    x = 1\rdef f():\n    return 1\n") is None


def test_a_decorated_first_statement_is_cut_with_its_decorator() -> None:
    text = "class A:\n    @property\n    def x(self):\n        return 1\n"
    assert cut_text(text) == "class A:\n    ...\n"


def test_statements_sharing_a_line_stay_together() -> None:
    text = "a = (1,\n  2); b = 3\ndef f():\n    return 1\n"
    assert cut_text(text) == "a = (1,\n  2); b = 3\ndef f():\n    ...\n"


TRAPS = {  # rule, text, how many findings
    # A default that the guard right after it assigns again is guarded; a cut def between
    # them keeps them apart, as in the file.
    "override-apart": (
        "MLT004",
        "import torch\n\nf = torch.cuda.amp.autocast\n\n\ndef unrelated():\n    return 1\n\n\n"
        'if hasattr(torch, "amp"):\n    f = torch.amp.autocast\n',
        1,
    ),
    "override-adjacent": (
        "MLT004",
        "import torch\n\nf = torch.cuda.amp.autocast\n"
        'if hasattr(torch, "amp"):\n    f = torch.amp.autocast\n\n\ndef unrelated():\n'
        "    return 1\n",
        0,
    ),
    # A module-level guard that leaves: what follows is the other branch.
    "module-guard": (
        "MLT004",
        'import torch\n\nif not hasattr(torch, "amp"):\n    raise ImportError("old")\n\n\n'
        "class A:\n    x = 1\n\n\ndef f():\n    return torch.cuda.amp.autocast()\n",
        0,
    ),
    # The body starts on the line that closes the header: libcst cannot read the cut
    # text, and the engine parses the whole file.
    "body-on-header-line": (
        "MLT101",
        "import torch\n\ndef g(\n    a,\n): return a\n\n\ndef f(x):\n    return torch.log(1 + x)\n",
        1,
    ),
    "noqa-after-cut": (
        "MLT101",
        "import torch\n\nclass A:\n    x = 1\n\n\ndef f(x):\n"
        "    return torch.log(1 + x)  # noqa: MLT101\n",
        0,
    ),
    "fix-after-cut": (
        "MLT003",
        "from torch.utils.checkpoint import checkpoint\n\n\nclass A:\n    x = 1\n\n\n"
        "def f(block, x):\n    return checkpoint(\n        block, x\n    )\n",
        1,
    ),
    # A module name rebound through `global` in another def is not a known string.
    "global-rebinding": (
        "MLS003",
        'from transformers import AutoModel\n\nREPO = "org/model"\n\n\ndef reset():\n'
        "    global REPO\n    REPO = input()\n\n\ndef load():\n"
        "    return AutoModel.from_pretrained(REPO)\n",
        0,
    ),
    "module-string": (
        "MLS003",
        'from transformers import AutoModel\n\nREPO = "org/model"\n\n\ndef reset():\n'
        "    REPO = input()\n\n\ndef load():\n"
        "    return AutoModel.from_pretrained(REPO)\n",
        1,
    ),
    # A loader only measured with `len` is silent; the same name drawn from elsewhere
    # (another def) makes it a finding again.
    "loader-name-elsewhere": (
        "MLP001",
        "from torch.utils.data import DataLoader\n\n\ndef count(ds):\n"
        "    loader = DataLoader(ds, batch_size=4)\n    return len(loader)\n\n\n"
        "def train(ds):\n    loader = make(ds)\n    for batch in loader:\n        step(batch)\n",
        1,
    ),
    # libcst's classes are matched to the stdlib tree's in source order: the classes in a
    # cut body are not among them.
    "class-after-cut-nested-class": (
        "MLC002",
        "import torch.nn as nn\n\n\nclass Other(nn.Module):\n    class Inner:\n        pass\n\n"
        "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"
        "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = [nn.Linear(2, 2) for _ in range(3)]\n",
        1,
    ),
    # MLC005 reads the defs a loop's calls reach, and the module's optimizer assignments.
    "zero-grad-in-a-called-def": (
        "MLC005",
        "def clear(opt):\n    opt.zero_grad()\n\n\ndef train(model, loader, optimizer):\n"
        "    for x in loader:\n        model(x).backward()\n        optimizer.step()\n"
        "        clear(optimizer)\n",
        0,
    ),
    "optimizer-assigned-in-another-def": (
        "MLC005",
        "import torch\n\n\ndef build(params):\n    o = torch.optim.SGD(params, lr=0.1)\n"
        "    return o\n\n\ndef train(model, loader, o):\n    for x in loader:\n"
        "        model(x).backward()\n        o.step()\n",
        1,
    ),
    # MLC006: a def called under `no_grad` elsewhere in the module is evaluated without it.
    "validate-called-under-no-grad": (
        "MLC006",
        "import torch\n\n\ndef validate(model, val_loader):\n    for x in val_loader:\n"
        "        model(x)\n\n\ndef main(model, val_loader):\n    with torch.no_grad():\n"
        "        validate(model, val_loader)\n",
        0,
    ),
    "validate-alone": (
        "MLC006",
        "import torch\n\n\ndef validate(model, val_loader):\n    for x in val_loader:\n"
        "        model(x)\n\n\ndef main(model, val_loader):\n    validate(model, val_loader)\n",
        1,
    ),
    "loss-accumulated-after-cut": (
        "MLC004",
        "class A:\n    x = 1\n\n\ndef train(model, loader):\n    total = 0\n"
        "    for x in loader:\n        loss = model(x)\n        loss.backward()\n"
        "        total += loss\n",
        1,
    ),
    # MLM001 matches libcst's defs and lambdas to the stdlib tree's in source order: those in
    # a cut body are not among them.
    "mutable-default-after-cut-lambdas": (
        "MLM001",
        "class A:\n    key = staticmethod(lambda x: x)\n\n    def f(self):\n        return 1\n"
        "\n\ndef g(key=lambda y: y):\n    return key\n\n\n"
        "def build(layers=[]):\n    layers.append(1)\n    return layers\n",
        1,
    ),
    "seed-in-method-after-cut": (
        "MLR001",
        "import numpy as np\n\n\nclass A:\n    def seed(self):\n        np.random.seed(0)\n\n\n"
        "class B:\n    def sample(self):\n        np.random.seed(1)\n        return 1\n",
        1,
    ),
}


@pytest.mark.parametrize(("code", "text", "count"), TRAPS.values(), ids=TRAPS.keys())
def test_traps(code: str, text: str, count: int) -> None:
    rule = next(rule for rule in PLACED if rule.code == code)
    found = both_ways(rule, text)
    assert len(found) == count
    if "checkpoint" in text:
        assert found[0].fix is not None


def test_a_notebook_finding_after_a_cut_cell() -> None:
    cells = [
        "import torch",
        "class A:\n    def f(self):\n        return 1",
        "def g(x):\n    return torch.log(1 + x)",
    ]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": cell, "outputs": []} for cell in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    rule = next(rule for rule in PLACED if rule.code == "MLT101")
    found = both_ways(rule, json.dumps(notebook), "train.ipynb")
    assert [(d.cell, d.line) for d in found] == [(3, 2)]


# Top-level statements of every shape the cut reads: defs with decorators and docstrings,
# classes with nested defs, one-line and header-line bodies, statements sharing a line,
# multi-line strings and brackets, comments and blank lines between.
STATEMENTS = [
    "import torch",
    "x = 1; y = 2",
    "z = (1,\n     2)",
    '"""A module\ndocstring."""',
    "# a comment",
    "",
    "def f(a, b=[]):\n    return a",
    '@decorator\n@other(1)\ndef g(\n    a,\n):\n    """Doc.\n    more"""\n    return a',
    "def one(): return 1",
    "def h(\n    a,\n): return a",
    "class A(Base):\n    x = 1\n\n    def m(self):\n        return self.x",
    "class B:\n    @property\n    def p(self):\n        return 1",
    "class C: pass",
    "async def co():\n    # comment first\n    await x",
    "if flag:\n    def inner():\n        pass",
    "s = '''\ndef not_code():\n    pass\n'''",
]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=12))
def test_every_kept_line_is_the_files_line_it_maps_to(statements: list[str]) -> None:
    """Cutting every def and class of a module: each line of the excerpt is the file's line
    `file_line` names (but the `...` standing for a cut body), and libcst reads it."""
    text = "\n".join(statements) + "\n"
    tree = ast.parse(text)
    part = excerpt(text, tree, [])
    if part is None:
        return
    lines = text.split("\n")
    stubs = {first for first, _ in part.cut}
    for number, line in enumerate(part.text.split("\n")[:-1], start=1):
        in_file = part.file_line(number)
        if in_file in stubs:
            assert line.strip() == "..."
        else:
            assert line == lines[in_file - 1]
    if "def h(" not in text:  # a body on the header's last line: the whole file is parsed
        cst.parse_module(part.text)
