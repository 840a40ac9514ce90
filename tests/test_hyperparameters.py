"""The MLM rules (mutable default hyperparameters): examples, exact diagnostics, screens, fixes."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ml_policy.config import Settings
from ml_policy.diagnostics import Applicability, Diagnostic
from ml_policy.fixes import plan_fixes
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.rule import Rule
from ml_policy.rules.hyperparameters import (
    ArgparseAppendDefault,
    MLObjectDefault,
    ModuleClassAttribute,
    MutatedMutableDefault,
)

RULES: tuple[type[Rule], ...] = (
    MutatedMutableDefault,
    MLObjectDefault,
    ModuleClassAttribute,
    ArgparseAppendDefault,
)


def lint(code: str, rules: tuple[type[Rule], ...], name: str = "example.py") -> list[Diagnostic]:
    source = textwrap.dedent(code).lstrip("\n")
    diagnostics = lint_bytes(Path(name), source.encode(), Settings(root=Path.cwd()), rules)
    assert not [d for d in diagnostics if d.code == "MLE001"], diagnostics
    return diagnostics


def lines(code: str, rule: type[Rule]) -> list[int]:
    return [d.line for d in lint(code, (rule,))]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_metadata(rule: type[Rule]) -> None:
    assert re.fullmatch(r"MLM00[1-4]", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name)
    assert rule.summary
    assert rule.triggers
    assert len(rule.valid) >= 6
    assert len(rule.invalid) >= 4
    # The examples run, and every doc section is checked, in test_rule_examples.py.


@pytest.mark.parametrize(
    ("rule", "snippet"), [(r, s) for r in RULES for s in r.examples("invalid")], ids=str
)
def test_screen_passes_every_file_the_rule_reports(rule: type[Rule], snippet: str) -> None:
    tree = ast.parse(snippet)
    assert rule.screen(tree)
    assert any(trigger in snippet for trigger in rule.triggers)


CLEAN = """
import argparse
import torch
import torch.nn as nn

def train(model, lr=1e-3, layers=None, sizes=(64, 32), device=torch.device("cpu"), act=nn.ReLU()):
    layers = [] if layers is None else list(layers)
    layers.append(nn.Linear(2, 2))
    return layers

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

parser = argparse.ArgumentParser()
parser.add_argument("--tag", action="append", default=[])
"""


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_screens_reject_clean_ml_code(rule: type[Rule]) -> None:
    """The screens are the speed lever: ordinary code must not reach libcst."""
    tree = ast.parse(CLEAN)
    assert not rule.screen(tree)


# --- exact positions and messages ---------------------------------------------------------------


def test_mlm001_position_and_message() -> None:
    [d] = lint(
        """
        def build(sizes, layers=[]):
            for size in sizes:
                layers.append(size)
            return layers
        """,
        (MutatedMutableDefault,),
    )
    assert (d.code, d.line, d.column, d.end_line, d.end_column) == ("MLM001", 1, 25, 1, 27)
    assert d.message == (
        "mutable default `[]` of `layers` is mutated (`layers.append(...)` on line 3): "
        "every call after the first sees the previous call's values"
    )
    assert d.fix is not None
    assert d.fix.applicability is Applicability.UNSAFE


def test_mlm001_names_the_mutation() -> None:
    found = lint(
        """
        import torch
        from torch.nn import init
        import numpy as np
        import random

        def a(t=torch.empty(3)):
            init.normal_(t, std=0.02)
        def b(cfg={}):
            del cfg["lr"]
        def c(xs=list(range(10))):
            random.shuffle(xs)
        def d(buf=np.zeros(3), x=None):
            np.add(x, 1, out=buf)
        def e(counts=torch.zeros(2)):
            counts[0] += 1
        """,
        (MutatedMutableDefault,),
    )
    whats = [re.search(r"\((`.*`) on line", d.message) for d in found]
    assert [m.group(1) if m else None for m in whats] == [
        "`init.normal_(t, ...)`",
        "`del cfg[...]`",
        "`random.shuffle(xs, ...)`",
        "`np.add(..., out=buf)`",
        "`counts[...] += ...`",
    ]


def test_mlm002_position_and_message() -> None:
    [d] = lint(
        """
        import torch.nn as nn

        def make_model(backbone, head=nn.Linear(512, 10)):
            return nn.Sequential(backbone, head)
        """,
        (MLObjectDefault,),
    )
    assert (d.code, d.line, d.column, d.end_column) == ("MLM002", 3, 31, 49)
    assert d.message == (
        "default `nn.Linear(512, 10)` of `head` builds a layer with parameters or buffers once, "
        "when the function is defined: every call shares it (one set of weights for every "
        "caller); default to `None` and build it in the body"
    )
    assert d.fix is None


def test_mlm003_position_and_message() -> None:
    [d] = lint(
        """
        import torch
        from torch import nn

        class Classifier(nn.Module):
            mean: torch.Tensor = torch.tensor([0.485, 0.456, 0.406])
        """,
        (ModuleClassAttribute,),
    )
    assert (d.code, d.line, d.column) == ("MLM003", 5, 26)
    assert d.message == (
        "class attribute `mean` of nn.Module `Classifier` holds a tensor: it is shared by all "
        "instances, missing from `parameters()` and `state_dict()`, and not moved by `.to()`; "
        'create it in `__init__` with `self.register_buffer("mean", ...)`'
    )


def test_mlm004_position_and_message() -> None:
    [d] = lint(
        """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument(
            "--hidden", type=int, action="append", default=[128, 64]
        )
        """,
        (ArgparseAppendDefault,),
    )
    assert (d.code, d.line, d.column, d.end_line, d.end_column) == ("MLM004", 3, 1, 5, 2)
    assert d.message == (
        '`add_argument(action="append")` with a non-empty default: argparse appends the '
        "command-line values to the default instead of replacing it; use `default=None` and "
        "fill in the default after parsing"
    )


MUTATED_TENSOR = """
import torch

def step(x, state=torch.zeros(3)):  # mutated in place: MLM001, not MLM002
    state.add_(x)
    return state
"""


def test_mutated_tensor_default_is_reported_once_as_mlm001() -> None:
    found = lint(MUTATED_TENSOR, (MutatedMutableDefault, MLObjectDefault))
    assert [(d.code, d.line, d.column) for d in found] == [("MLM001", 3, 19)]
    assert lint(MUTATED_TENSOR, (MLObjectDefault,)) == []  # MLM001's analysis decides
    unmutated = MUTATED_TENSOR.replace("state.add_(x)", "state = state + x")
    assert [d.code for d in lint(unmutated, (MutatedMutableDefault, MLObjectDefault))] == ["MLM002"]


def test_notebook_message_has_no_text_line() -> None:
    cells = [
        {"cell_type": "code", "source": ["import torch\n"]},
        {"cell_type": "code", "source": ["def f(xs=[]):\n", "    xs.append(1)\n"]},
    ]
    data = json.dumps({"cells": cells}).encode()
    [d] = lint_bytes(Path("nb.ipynb"), data, Settings(root=Path.cwd()), [MutatedMutableDefault])
    assert (d.cell, d.line) == (2, 1)
    assert "(`xs.append(...)` in the body)" in d.message


# --- MLM001 semantics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(xs=[]):\n    for xs in range(3):\n        pass\n    xs.append(1)\n", []),
        ("def f(xs=[]):\n    with open('x') as xs:\n        xs.append(1)\n", []),
        ("def f(xs=[]):\n    if (xs := list(xs)):\n        xs.append(1)\n", []),
        ("def f(xs=[]):\n    try:\n        pass\n    except E as xs:\n        xs.append(1)\n", []),
        ("def f(xs=[]):\n    del xs\n    xs.append(1)\n", []),
        ("def f(xs=[]):\n    xs = xs or [1]\n    xs.append(1)\n", []),
        ("def f(xs=[]):\n    xs = xs.copy()\n    xs.append(1)\n", []),
        ("def f(xs=[]):\n    return [xs.append(i) for i in range(3)]\n", [1]),
        ("def f(xs=[]):\n    g = lambda: xs.append(1)\n    return g\n", []),
        ("def f(xs=[]):\n    class A:\n        xs.append(1)\n", []),
        ("def f(xs=[]):\n    xs.sort()\n", [1]),
        ("def f(xs=set()):\n    xs.sort()\n", []),  # sets have no sort: not a known mutation
        ("import numpy as np\ndef f(a=np.arange(3)):\n    a.sort()\n", [2]),
        ("import numpy as np\ndef f(a=np.asarray(x)):\n    a += 1\n", []),
        ("import torch\ndef f(t=torch.ones(2)):\n    t.data[0] = 1\n", [2]),
        ("import torch\ndef f(t=torch.ones(2)):\n    t.data.zero_()\n", [2]),
        (
            "import torch.nn.functional as F\nimport torch\ndef f(t=torch.ones(2)):\n"
            "    F.relu(t, inplace=True)\n",
            [3],
        ),
        ("import pandas as pd\ndef f(df=pd.DataFrame()):\n    df.loc[0] = 1\n", [2]),
        ("import pandas as pd\ndef f(df=pd.DataFrame()):\n    df['a'] = 1\n", [2]),
        ("import pandas as pd\ndef f(df=pd.DataFrame()):\n    df.dropna()\n", []),
        ("from collections import deque\ndef f(q=deque()):\n    q.appendleft(1)\n", [2]),
        ("import collections\ndef f(c=collections.Counter()):\n    c['a'] += 1\n", [2]),
        ("def f(b=bytearray(3)):\n    b[0] = 1\n", [1]),
        ("def f(xs=[]):\n    xs.append(1)\n", [1]),
        ("def f(cache={}):\n    cache[1] = 2\n", []),
        ("def f(seen_registry=set()):\n    seen_registry.add(1)\n", []),
        # module-level names: bound once (reported), twice, in a loop, global, empty registry
        ("SIZES = [1, 2]\ndef f(sizes=SIZES):\n    sizes.append(3)\n", [2]),
        ("SIZES = [1, 2]\nSIZES += [3]\ndef f(sizes=SIZES):\n    sizes.append(3)\n", []),
        (
            "SIZES = [1, 2]\nfor SIZES in []:\n    pass\n"
            "def f(sizes=SIZES):\n    sizes.append(3)\n",
            [],
        ),
        (
            "SIZES = [1, 2]\ndef g():\n    global SIZES\n"
            "def f(sizes=SIZES):\n    sizes.append(3)\n",
            [],
        ),
        ("_KERNELS = {}\ndef f(mapping=_KERNELS):\n    mapping['a'] = 1\n", []),
        ("from m import *\nSIZES = [1]\ndef f(sizes=SIZES):\n    sizes.append(3)\n", []),
        ("SIZES = (1, 2)\ndef f(sizes=SIZES):\n    sizes += (3,)\n", []),
        # `if KEY in p:` is never entered by an empty default (gluonts, precision review) ...
        ("def f(p=dict()):\n    if 'q' in p:\n        p['i'] = 1\n        p.pop('q')\n", []),
        # ... but is by a non-empty one, and `not in`, `else` and later code still count.
        ("def f(p={'q': 1}):\n    if 'q' in p:\n        p['i'] = 1\n", [1]),
        ("def f(p={}):\n    if 'q' not in p:\n        p['q'] = 1\n", [1]),
        ("def f(p={}):\n    if 'q' in p:\n        pass\n    else:\n        p['q'] = 1\n", [1]),
        ("def f(p=[]):\n    if 1 in p:\n        return\n    p.append(1)\n", [1]),
        ("def f(p={}):\n    if 'q' in p or True:\n        p['q'] = 1\n", [1]),
    ],
)
def test_mlm001_cases(code: str, expected: list[int]) -> None:
    assert lines(code, MutatedMutableDefault) == expected


# --- MLM002 semantics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from torch.optim import Adam\ndef f(opt=Adam(params)):\n    pass\n", [2]),
        ("import torch.optim.adam\ndef f(opt=torch.optim.adam.Adam(params)):\n    pass\n", [2]),
        ("from torch.optim import lr_scheduler as s\ndef f(x=s.StepLR(o, 1)):\n    pass\n", [2]),
        ("import torch.nn as nn\ndef f(m=nn.ModuleList([nn.Linear(2, 2)])):\n    pass\n", [2]),
        (
            "import torch.nn as nn\ndef f(m=nn.ModuleDict({'a': nn.Conv2d(1, 1, 1)})):\n    pass\n",
            [2],
        ),
        ("import torch.nn as nn\ndef f(m=nn.ModuleList([nn.ReLU()])):\n    pass\n", []),
        ("import torch.nn as nn\ndef f(m=nn.InstanceNorm1d(4, affine=True)):\n    pass\n", [2]),
        ("import torch.nn as nn\ndef f(m=nn.BatchNorm1d(4, affine=False)):\n    pass\n", [2]),
        (
            "import torch.nn as nn\n"
            "def f(m=nn.BatchNorm1d(4, affine=False, track_running_stats=False)):\n    pass\n",
            [],
        ),
        ("import torch.nn as nn\ndef f(m=nn.LayerNorm(4, 1e-5, cfg.affine)):\n    pass\n", []),
        ("import torch.nn as nn\ndef f(e=nn.Embedding.from_pretrained(w)):\n    pass\n", [2]),
        ("import torch.nn.modules.linear as lin\ndef f(m=lin.Linear(2, 2)):\n    pass\n", [2]),
        ("import torch\ndef f(m=torch.nn.Linear(2, 2).cuda()):\n    pass\n", [2]),
        ("import torch\ndef f(t=torch.zeros(2).tolist()):\n    pass\n", []),
        ("import numpy as np\ndef f(a=np.random.rand(3), b=np.random.rand()):\n    pass\n", [2]),
        ("import numpy as np\ndef f(a=np.random.normal(size=(3,))):\n    pass\n", [2]),
        ("import numpy as np\ndef f(rs=np.random.RandomState(0)):\n    pass\n", [2]),
        ("import pandas as pd\ndef f(s=pd.Series([1.0])):\n    pass\n", [2]),
        ("import torch\ndef f(s=torch.Size([1]), i=torch.iinfo(torch.int8)):\n    pass\n", []),
        ("import torch\ndef f(**kwargs):\n    kwargs.setdefault('t', torch.zeros(1))\n", []),
        ("import torch\nclass A:\n    f = lambda self, t=torch.zeros(1): t\n", [3]),
        ("import torch\ndef outer():\n    return lambda t=torch.zeros(1): t\n", []),
        # Empty placeholders hold nothing to share (speechbrain, precision review); a scalar or
        # a shape with no zero dimension does.
        ("import torch\ndef f(t=torch.zeros(3, 0), u=torch.full((0,), 1.0)):\n    pass\n", []),
        ("import torch\ndef f(t=torch.tensor([]).cuda(), u=torch.as_tensor(())):\n    pass\n", []),
        ("import numpy as np\ndef f(a=np.empty(0, float), b=np.asarray([])):\n    pass\n", []),
        ("import torch\ndef f(t=torch.tensor(0)):\n    pass\n", [2]),
        ("import torch\ndef f(t=torch.tensor([0])):\n    pass\n", [2]),
        ("import torch\ndef f(t=torch.zeros(False or 1)):\n    pass\n", [2]),
        ("import numpy as np\ndef f(a=np.zeros(3, 0)):\n    pass\n", [2]),  # 0 is the dtype
        ("import numpy as np\ndef f(a=np.zeros(0.0)):\n    pass\n", [2]),
    ],
)
def test_mlm002_cases(code: str, expected: list[int]) -> None:
    assert lines(code, MLObjectDefault) == expected


# --- MLM003 semantics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import torch.nn as nn\nclass M(nn.Module): fc = nn.Linear(2, 2)\n", [2]),
        ("import torch.nn as nn\nclass M(nn.Module):\n    a = 1; fc = nn.Linear(2, 2)\n", [3]),
        (
            "import torch.nn as nn\nclass A(nn.Module):\n    pass\nclass B(A):\n    pass\n"
            "class C(B):\n    w = nn.Parameter(x)\n",
            [7],
        ),
        (
            "import torch.nn as nn\nclass A(nn.Module):\n    pass\nA = make()\nclass B(A):\n"
            "    w = nn.Parameter(x)\n",
            [],
        ),
        (
            "import torch.nn as nn\ndef build():\n    class M(nn.Module):\n"
            "        fc = nn.Linear(2, 2)\n",
            [],
        ),
        (
            "from lightning.pytorch import LightningModule\nimport torch\n"
            "class M(LightningModule):\n    t = torch.zeros(2).cuda()\n",
            [4],
        ),
        ("import torch.nn as nn\nclass M(nn.ModuleList):\n    fc = nn.GRU(2, 2)\n", [3]),
        (
            "import torch.nn as nn\nimport torch\n"
            "class M(nn.Module):\n    opt = torch.optim.SGD(p)\n",
            [],
        ),
        ("import torch.nn as nn\nclass M(nn.Module):\n    layer_cls = nn.Linear\n", []),
        # Empty placeholders that instances rebind (ultralytics Detect.anchors).
        ("import torch\nclass M(torch.nn.Module):\n    a = torch.zeros(0, 2)\n", []),
        ("import numpy as np, torch\nclass M(torch.nn.Module):\n    a = np.array(())\n", []),
        ("import torch\nclass M(torch.nn.Module):\n    a = torch.empty(1)\n", [3]),
        ("import torch\nclass M(torch.nn.Module):\n    a = torch.tensor(0)\n", [3]),
    ],
)
def test_mlm003_cases(code: str, expected: list[int]) -> None:
    assert lines(code, ModuleClassAttribute) == expected


# --- MLM004 semantics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("p.add_argument('--x', action='append', default=['a'])\n", [1]),
        ("p.add_argument('--x', action='append', default=[*base, 'a'])\n", [1]),
        ("p.add_argument('--x', action='append', default=())\n", []),
        ("p.add_argument('--x', action='append_const', const=1, default=[1])\n", []),
        ("p.add_argument('--x', action='app' 'end', default=[1])\n", []),  # not a plain literal
        ("p.add_argument('--x', action=f'append', default=[1])\n", []),
        ("p.add_argument('--x', default=[1], **{'action': 'append'})\n", []),
    ],
)
def test_mlm004_cases(code: str, expected: list[int]) -> None:
    assert lines(code, ArgparseAppendDefault) == expected


# --- the MLM001 fix -----------------------------------------------------------------------------


def fixed(tmp_path: Path, code: str) -> str:
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(code).lstrip("\n"))
    diagnostics = lint_bytes(
        path, path.read_bytes(), Settings(root=tmp_path), [MutatedMutableDefault]
    )
    files, _ = plan_fixes(diagnostics, unsafe=True)
    after = files[0].after if files else path.read_text()
    compile(after, str(path), "exec")
    return after


def test_fix_after_docstring_with_annotations(tmp_path: Path) -> None:
    after = fixed(
        tmp_path,
        '''
        import torch

        class Trainer:
            def fit(self, cbs: list[str] = [], *, state: torch.Tensor = torch.zeros(3)):
                """Train."""  # keep this comment
                cbs.append("log")
                state.add_(1)
        ''',
    )
    assert after == textwrap.dedent(
        '''\
        import torch

        class Trainer:
            def fit(self, cbs: list[str] | None = None, *, state: torch.Tensor | None = None):
                """Train."""  # keep this comment
                if cbs is None:
                    cbs = []
                if state is None:
                    state = torch.zeros(3)
                cbs.append("log")
                state.add_(1)
        '''
    )


def test_fix_without_docstring_keeps_optional_annotation(tmp_path: Path) -> None:
    after = fixed(
        tmp_path,
        """
        from typing import Optional

        def f(cfg: Optional[dict] = {"lr": 0.1}):  # config
            cfg["lr"] = 1.0
            return cfg
        """,
    )
    assert after == textwrap.dedent(
        """\
        from typing import Optional

        def f(cfg: Optional[dict] = None):  # config
            if cfg is None:
                cfg = {"lr": 0.1}
            cfg["lr"] = 1.0
            return cfg
        """
    )


@pytest.mark.parametrize(
    "code",
    [
        "SIZES = [1]\ndef f(sizes=SIZES):\n    sizes.append(1)\n",  # a shared name stays shared
        "def f(xs=[]): xs.append(1)\n",  # one-line body
        "def f(xs=list(range(3))):\n    xs.append(1)\n    range = 2\n",  # reads a shadowed name
        "def f(xs: 'list[int]' = []):\n    xs.append(1)\n",  # string annotation
        "f = lambda acc=[]: acc.append(1)\n",
    ],
)
def test_no_fix_when_moving_the_default_changes_its_meaning(code: str) -> None:
    found = lint(code, (MutatedMutableDefault,))
    assert found
    assert all(d.fix is None for d in found)


# --- start-up -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_rules_and_screens_do_not_import_libcst() -> None:
    probe = (
        "import ast, sys\n"
        "from ml_policy.rules import hyperparameters as h\n"
        "tree = ast.parse(\n"
        "    'import torch\\ndef f(x=torch.device(\"cpu\"), y=[]):\\n    return y\\n'\n"
        ")\n"
        "rules = (h.MutatedMutableDefault, h.MLObjectDefault, h.ModuleClassAttribute,"
        " h.ArgparseAppendDefault)\n"
        "print([r.screen(tree) for r in rules], 'libcst._nodes.base' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[False, False, False, False] False"
