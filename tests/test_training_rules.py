"""The training-correctness rules (MLC001, MLC002, MLC007) beyond their documented examples:
aliased imports, positional arguments, non-literal values, splats, and the traps the
precision review found."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_policy.config import Settings
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.rule import Rule
from ml_policy.rules.training import (
    DiscardedTensorResult,
    FunctionalDropoutWithoutTraining,
    SoftmaxWithoutDim,
    UnregisteredSubmodules,
)


def findings(rule: type[Rule], code: str) -> list[int]:
    """The lines `rule` reports in `code` (with and without the pre-filter: they agree)."""
    settings = Settings(root=Path.cwd())
    lines = []
    for prefilter in (True, False):
        diagnostics = lint_bytes(
            Path("example.py"), code.encode(), settings, [rule], prefilter=prefilter
        )
        assert all(d.code == rule.code for d in diagnostics), diagnostics
        lines.append(sorted(d.line for d in diagnostics))
    assert lines[0] == lines[1]
    return lines[0]


# --- MLC001 softmax-without-dim ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import torch.nn.functional as F\nF.softmax(x)\n", [2]),
        ("import torch.nn.functional as F\nF.softmax(x, 1)\n", []),
        ("import torch.nn.functional as F\nF.softmax(x, dim)\n", []),
        ("import torch.nn.functional as F\nF.softmax(x, None)\n", [2]),
        ("import torch.nn.functional as F\nF.softmax(x, _stacklevel=5)\n", [2]),
        ("import torch.nn.functional as F\nF.log_softmax(x, dtype=t)\n", [2]),
        ("import torch.nn.functional as F\nF.softmax(*xs)\n", []),
        ("import torch.nn.functional as F\nF.softmax(x, **kw)\n", []),
        ("from torch.nn.functional import softmin as smin\nsmin(x)\n", [2]),
        ("from torch.nn import functional\nfunctional.softmax(x, dim=-1)\n", []),
        ("import torch\ntorch.nn.functional.softmax(x)[:, :, :-1]\n", [2]),
        ("from torch import nn\nnn.Softmax(1)\nnn.LogSoftmax(dim=2)\nnn.Softmin(d)\n", []),
        ("from torch import nn\nnn.Softmax()\nnn.Softmin(None)\nnn.Softmax2d()\n", [2, 3]),
        ("from torch.nn import Softmax as S\nS(dim=None)\n", [2]),
        ("import torch\ntorch.log_softmax(x)\ntorch.special.softmax(x, 0)\n", [2]),
        ("import torch\nx.softmax()\ny = torch.randn(3).softmax()\n", []),  # methods: not judged
        ("from mylib import F\nF.softmax(x)\n", []),
        ("import torch.nn.functional as F\nF = other\nF.softmax(x)\n", []),  # rebound: unknown
    ],
)
def test_softmax_without_dim(code: str, expected: list[int]) -> None:
    assert findings(SoftmaxWithoutDim, code) == expected


# --- MLC007 functional-dropout-without-training -------------------------------------------------

MODULE = "import torch.nn.functional as F\nfrom torch import nn\n\n\nclass M(nn.Module):\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    def forward(self, x):\n        return F.dropout(x)\n", [7]),
        ("    def forward(self, x):\n        return F.dropout(x, 0.1, self.training)\n", []),
        ("    def forward(self, x):\n        return F.dropout(x, 0.1, True)\n", []),  # explicit
        ("    def forward(self, x):\n        return F.dropout(x, 0.1, training=flag)\n", []),
        ("    def forward(self, x, **kw):\n        return F.dropout(x, **kw)\n", []),
        ("    def forward(self, x, *a):\n        return F.dropout(x, *a)\n", []),
        ("    def forward(self, x):\n        return F.dropout(x, 0.1, inplace=True)\n", [7]),
        ("    def forward(self, x):\n        return F.feature_alpha_dropout(x, 0.1)\n", [7]),
        # a nested function and a lambda inside a method are still the module's code
        (
            "    def forward(self, x):\n        f = lambda y: F.dropout3d(y)\n"
            "        return f(x)\n",
            [7],
        ),
        # a class nested in a method is not an nn.Module: its methods are not judged
        (
            "    def forward(self, x):\n        class A:\n            def f(self):\n"
            "                return F.dropout(x)\n        return x\n",
            [],
        ),
        # class-level code is not a method
        ("    mask = F.dropout(ones)\n", []),
        ("    @staticmethod\n    def drop(x):\n        return F.dropout1d(x, 0.2)\n", [8]),
    ],
)
def test_functional_dropout_in_module(body: str, expected: list[int]) -> None:
    assert findings(FunctionalDropoutWithoutTraining, MODULE + body) == expected


@pytest.mark.parametrize(
    "code",
    [
        # not an nn.Module: a function that is not told the mode is not judged
        "import torch.nn.functional as F\n\ndef f(x):\n    return F.dropout(x)\n",
        "import torch.nn.functional as F\n\nclass M:\n"
        "    def f(self, x):\n        return F.dropout(x)\n",
        # a base that only looks like one
        "import torch.nn.functional as F\nfrom mylib import Module\n\nclass M(Module):\n"
        "    def f(self, x):\n        return F.dropout(x)\n",
        # another library's dropout
        "from torch import nn\nfrom mylib import F\n\nclass M(nn.Module):\n"
        "    def f(self, x):\n        return F.dropout(x)\n",
    ],
)
def test_functional_dropout_outside_modules(code: str) -> None:
    assert findings(FunctionalDropoutWithoutTraining, code) == []


def test_functional_dropout_aliases() -> None:
    code = (
        "from torch.nn.functional import dropout as drop\nimport torch\n\n\n"
        "class M(torch.nn.Module):\n    def forward(self, x):\n        return drop(x, 0.5)\n"
    )
    assert findings(FunctionalDropoutWithoutTraining, code) == [7]


# --- MLC002 unregistered-submodules -------------------------------------------------------------

NET = "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("        self.a = [nn.Linear(2, 2), nn.ReLU()]\n", [7]),
        ("        self.a = (nn.LSTM(2, 2),)\n", [7]),
        ("        self.a = {k: nn.Embedding(9, 2) for k in ks}\n", [7]),
        ("        self.a = [nn.Parameter(torch.zeros(2))]\n", [7]),
        ("        self.a: list = []\n        self.a.append(nn.MultiheadAttention(4, 2))\n", [7]),
        ("        self.a = {}\n        self.a['x'] = nn.Conv1d(1, 1, 1)\n", [7]),
        ("        self.a = list()\n        self.a.extend([nn.GRU(2, 2)])\n", [7]),
        ("        self.a = []\n        self.a.insert(0, nn.Sequential(nn.Linear(2, 2)))\n", [7]),
        # stateless layers, norms without parameters, unknown classes: not judged
        ("        self.a = [nn.ReLU(), nn.Dropout(0.1)]\n", []),
        ("        self.a = [nn.LayerNorm(4, elementwise_affine=False)]\n", []),
        ("        self.a = [Block()]\n", []),
        ("        self.a = [nn.Linear(2, 2)]\n        self.b = nn.ModuleList(self.a)\n", []),
        ("        self.a = [nn.Linear(2, 2)]\n        self.body = nn.Sequential(*self.a)\n", []),
        ("        self.a = [nn.Linear(2, 2)]\n        setattr(self, 'l0', self.a[0])\n", []),
        ("        self.a = [nn.Linear(2, 2)]\n        self.a = nn.ModuleList(self.a)\n", []),
        ("        self.a = [nn.Linear(2, 2)]\n        register(self.a)\n", []),
        ("        self.a = [nn.Linear(2, 2)]\n        keep = self.a.append\n", []),
        ("        self.a = [nn.Linear(2, 2)] * 3\n", []),  # not a display: not followed
        ("        self.a, self.b = [nn.Linear(2, 2)], 1\n", []),
        ("        self.a = [nn.Linear(2, 2)]\n        self.a += [nn.Linear(2, 2)]\n", []),
        # reading the container is the bug's symptom, not a registration
        ("        self.a = [nn.Linear(2, 2)]\n        for m in self.a:\n            m(x)\n", [7]),
        (
            "        self.a = [nn.Linear(2, 2)]\n        n = len(self.a)\n        self.a[0](x)\n",
            [7],
        ),
    ],
)
def test_unregistered_submodules(body: str, expected: list[int]) -> None:
    assert findings(UnregisteredSubmodules, NET + body) == expected


def test_unregistered_submodules_wrapped_in_a_later_method() -> None:
    code = (
        NET
        + "        self.a = [nn.Linear(2, 2)]\n"
        + "    def forward(self, x):\n        return nn.Sequential(*self.a)(x)\n"
    )
    assert findings(UnregisteredSubmodules, code) == []


def test_unregistered_submodules_read_before_assigned_in_source_order() -> None:
    code = (
        "from torch import nn\n\n\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return self.layers(x)\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.layers = [nn.Linear(2, 2)]\n"
    )
    assert findings(UnregisteredSubmodules, code) == []  # called: handed on, not followed


@pytest.mark.parametrize(
    "override",
    ["parameters", "state_dict", "to", "_apply"],
)
def test_unregistered_submodules_silent_with_overrides(override: str) -> None:
    code = (
        NET
        + "        self.a = [nn.Linear(2, 2)]\n"
        + f"    def {override}(self, *a):\n        pass\n"
    )
    assert findings(UnregisteredSubmodules, code) == []


def test_unregistered_submodules_same_file_classes() -> None:
    code = (
        "from torch import nn\n\n\n"
        "class Stateless(nn.Module):\n    def forward(self, x):\n        return x\n\n\n"
        "class Scaled(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.register_buffer('s', None)\n\n\n"
        "class Deep(Scaled):\n    pass\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.a = [Stateless()]\n"
        "        self.b = [Deep()]\n"
    )
    assert findings(UnregisteredSubmodules, code) == [23]


@pytest.mark.parametrize(
    "code",
    [
        # not an nn.Module
        "from torch import nn\n\nclass Net:\n"
        "    def __init__(self):\n        self.a = [nn.Linear(2, 2)]\n",
        # a module class nested in a function is not judged (created per call)
        "from torch import nn\n\ndef f():\n    class Net(nn.Module):\n        def __init__(self):\n"
        "            self.a = [nn.Linear(2, 2)]\n",
        # another library's Linear
        "from torch import nn\nfrom mylib import Linear\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        self.a = [Linear(2, 2)]\n",
        # a local list, not an attribute
        "from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        layers = [nn.Linear(2, 2)]\n        self.body = nn.Sequential(*layers)\n",
    ],
)
def test_unregistered_submodules_negatives(code: str) -> None:
    assert findings(UnregisteredSubmodules, code) == []


def test_unregistered_submodules_local_appended_after_rebinding() -> None:
    body = (
        "        self.a = []\n        for i in range(3):\n"
        "            layer = nn.Linear(2, 2) if i else None\n            self.a.append(layer)\n"
    )
    assert findings(UnregisteredSubmodules, NET + body) == []  # not a plain constructor call


@pytest.mark.parametrize(
    "assignment",
    [
        "(self.a) = [nn.Linear(2, 2)]",
        "self . a = \\\n            [nn.Linear(2, 2)]",
        "self.a: Annotated[list, f(k=1)] = [nn.Linear(2, 2)]",
        "self.a = OD([('x', nn.Linear(2, 2))])",
        "self.a = tuple ([nn.Linear(2, 2)])",
    ],
)
def test_unregistered_submodules_text_screen_keeps_odd_spellings(assignment: str) -> None:
    code = "from collections import OrderedDict as OD\n" + NET + f"        {assignment}\n"
    assert findings(UnregisteredSubmodules, code) == [8 + assignment.count("\n")]  # the value


# --- MLC003 discarded-tensor-result -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import torch\nx = torch.zeros(3)\nx.unsqueeze(0)\n", [3]),
        ("import torch\nx = torch.zeros(3)\nx.unsqueeze_(0)\n", []),  # in place
        ("import torch\nx = torch.zeros(3)\nx.cpu()\nx.item()\n", []),  # synchronising idioms
        ("import torch\nx = torch.zeros(3)\nx.type()\nx.type(torch.int8)\n", [4]),
        ("import torch as th\nx = th.cat([a, b]).float()\nx.half()\n", [3]),
        ("from torch import randn as r\nx = r(2, 2)\nx.t()\n", [3]),
        ("import torch\nx = torch.max(a, 1)\nx.float()\n", []),  # a tuple with dim
        ("import torch\nm = torch.compile(model)\nm.half()\n", []),  # a module
        ("import torch\nm = torch.nn.Linear(2, 2)\nm.to('cuda')\nm.float()\n", []),
        ("import torch\nx = load()\nx.to('cuda')\n", []),
        ("import torch\nfor x in xs:\n    x.float()\n", []),
        ("import torch\nx = torch.ones(2)\nx = model(x)\nx.float()\n", []),  # rebound: unknown
        ("import torch\nx = torch.ones(2)\nx = x.float()\nx.cuda()\n", [4]),  # rebound from itself
        ("import torch\nx = None\nx.float()\n", []),  # never a tensor
        ("import torch\nx = x.float()\nx.half()\n", []),  # a tensor only if it is one
        ("import torch\nwith torch.zeros(2) as x:\n    x.t()\n", [3]),
        ("import torch\nx = torch.ones(2) if a else None\nx.view(2, 1)\n", [3]),
        (
            "import torch\n\nclass A:\n    x = torch.ones(2)\n"
            "    def f(self):\n        x.float()\n",  # class scopes do not enclose
            [],
        ),
    ],
)
def test_discarded_tensor_result(code: str, expected: list[int]) -> None:
    assert findings(DiscardedTensorResult, code) == expected


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("torch.Tensor", [5]),
        ('"torch.Tensor"', [5]),
        ("Tensor", [5]),
        ('"Tensor"', [5]),
        ("torch.Tensor | None", [5]),
        ("Optional[torch.Tensor]", [5]),
        ('"Optional[Tensor]"', [5]),
        ("Union[Tensor, None]", [5]),
        ("Union[Tensor, int]", []),
        ("torch.Tensor | int", []),
        ("np.ndarray", []),
        ('"not valid ]["', []),
        ("Any", []),
    ],
)
def test_discarded_tensor_result_annotated_parameters(annotation: str, expected: list[int]) -> None:
    code = (
        "import torch\nfrom torch import Tensor\nfrom typing import Optional, Union\n"
        f"def f(x: {annotation}):\n    x.unsqueeze(1)\n"
    )
    assert findings(DiscardedTensorResult, code) == expected


def test_discarded_tensor_result_the_issue_case() -> None:
    """transformers' gpt_bigcode: a discarded unsqueeze before a shape assert that cannot hold."""
    code = (
        "import torch\n\n\ndef forward(encoder_attention_mask: torch.Tensor | None = None):\n"
        "    if flash:\n"
        "        encoder_attention_mask = encoder_attention_mask.bool() if m else None\n"
        "    elif encoder_attention_mask is not None:\n"
        "        if encoder_attention_mask.dim() == 2:\n"
        "            encoder_attention_mask.unsqueeze(1)\n"
        "        assert encoder_attention_mask.dim() == 3\n"
        "        encoder_attention_mask = encoder_attention_mask.bool().unsqueeze(1)\n"
        "    else:\n        encoder_attention_mask = None\n"
    )
    assert findings(DiscardedTensorResult, code) == [9]


def test_discarded_tensor_result_parameter_rebound_by_a_loop() -> None:
    code = "import torch\ndef f(x: torch.Tensor):\n    for x in xs:\n        pass\n    x.float()\n"
    assert findings(DiscardedTensorResult, code) == []
