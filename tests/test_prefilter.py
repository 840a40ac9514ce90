"""The text pre-filter never changes a finding: the engine with and without it agrees.

Without it every rule that applies to a file goes on to the stdlib parse and its screen;
with it, rules whose text tests say no are dropped before any parse, and a file no rule
is left for is not parsed at all. The only allowed difference is MLE001 for a file that
no rule could fire on (its syntax errors are Ruff's to report).
"""

from __future__ import annotations

import ast
import io
import time
import tokenize
from pathlib import Path

import hypothesmith
import pytest
from conftest import PYTHON_PROGRAMS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_policy.config import Settings
from ml_policy.diagnostics import Diagnostic
from ml_policy.lint import textscan
from ml_policy.lint.calls import ast_argument
from ml_policy.lint.engine import _candidates, _text_screened, lint_bytes
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import Rule
from ml_policy.lint.source import Source, read_source
from ml_policy.rules import ALL_RULES
from ml_policy.rules.data_loading import DataLoaderPinMemory, SynchronousDataLoader
from ml_policy.rules.hyperparameters.definitions import module_assignments
from ml_policy.rules.training.discarded_tensor_result import ROOT_FUNCTIONS, may_discard
from ml_policy.rules.training.tensor_values import OUT_OF_PLACE

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(root=ROOT)


def both(path: Path, data: bytes) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The findings with and without the pre-filter."""
    on = lint_bytes(path, data, SETTINGS, ALL_RULES)
    off = lint_bytes(path, data, SETTINGS, ALL_RULES, prefilter=False)
    return on, off


def assert_same(path: Path, data: bytes) -> list[Diagnostic]:
    on, off = both(path, data)
    if on != off:
        source = read_source(path, data)
        left = _candidates(path, source, SETTINGS, ALL_RULES, prefilter=True)
        # Only a parse error in a file that no rule could fire on may disappear.
        assert not left, (on, off)
        assert not on, (on, off)
        assert all(d.code == "MLE001" for d in off), (on, off)
    return off


def repository_files() -> list[Path]:
    found = [
        path
        for folder in ("tests", "src", "examples")
        for pattern in ("*.py", "*.ipynb")
        for path in sorted((ROOT / folder).rglob(pattern))
    ]
    return [path for path in found if "__pycache__" not in path.parts]


@pytest.mark.parametrize("path", repository_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_repository_files(path: Path) -> None:
    assert_same(path, path.read_bytes())


EXAMPLES = [
    (rule, kind, snippet)
    for rule in ALL_RULES
    for kind in ("valid", "invalid")
    for snippet in rule.examples(kind)
]


@pytest.mark.parametrize(
    ("rule", "kind", "snippet"), EXAMPLES, ids=lambda v: getattr(v, "code", None)
)
def test_rule_examples(rule: type[Rule], kind: str, snippet: str) -> None:
    found = assert_same(Path("example.py"), snippet.encode())
    if kind == "invalid":
        assert any(d.code == rule.code for d in found)


# Each snippet is reported (checked without the pre-filter) and tests one corner of the
# text scans: comments and strings with brackets, multi-line and parenthesised code,
# continuation lines, other newlines, aliases, NFKC identifiers, one-line bodies.
TRICKY = {
    "comment-in-signature": (
        "MLM001",
        'def f(\n    a,  # (see ")" below\n    layers=[],  # ]\n):\n    layers.append(1)\n',
    ),
    "multi-line-annotation": (
        "MLM001",
        "def f(layers: dict[\n    str, int] = {}):\n    layers['a'] = 1\n",
    ),
    "string-with-brackets": ("MLM001", 'def f(sep="):", layers=[]):\n    layers.append(sep)\n'),
    "parenthesised-chain": (
        "MLM001",
        "import torch\n\ndef f(t=(torch).zeros(3), u=(torch.ones)(2)):\n    t.add_(1)\n",
    ),
    "backslashes": ("MLM001", "def \\\n  f(x=\\\n    []):\n    x.append(1)\n"),
    "tabs": ("MLM001", "class A:\n\tdef f(self, x=[]):\n\t\tx.append(1)\n"),
    "name-bound-in-try": (
        "MLM001",
        "try: LAYERS = [1, 2]\nexcept ImportError: pass\n\n"
        "def f(layers=LAYERS):\n    layers.append(3)\n",
    ),
    "parenthesised-target": (
        "MLM001",
        "(LAYERS) = [1]\n\ndef f(layers=(LAYERS)):\n    layers.pop()\n",
    ),
    "annotated-module-name": (
        "MLM001",
        "LAYERS: list[int] = [1]\n\ndef f(layers=LAYERS):\n    layers.pop()\n",
    ),
    "lambda-dict-default": ("MLM001", "f = lambda x, acc={1: 2}: acc.update(x)\n"),
    "lambda-in-lambda-default": ("MLM001", "f = lambda g=lambda: 0, acc=[]: acc.append(g)\n"),
    "lambda-comment": ("MLM001", "f = (lambda x,  # note: here\n     acc=[]: acc.append(x))\n"),
    "carriage-returns": ("MLM001", "x = 1\rdef f(x=[]):\r    x.append(1)\r"),
    "crlf": ("MLM001", "x = 1\r\ndef f(x=[]):\r\n    x.append(1)\r\n"),
    "fullwidth-identifier": ("MLM001", "def f(x=\uff4c\uff49\uff53\uff54()):\n    x.append(1)\n"),
    "chain-with-comment": (
        "MLM001",
        "import torch\n\ndef f(t=torch  # c\n      .zeros(3)):\n    t.add_(1)\n",
    ),
    "collections-module": (
        "MLM001",
        "import collections\n\ndef f(d=collections.defaultdict(list)):\n    d.update(a=1)\n",
    ),
    "one-line-def": ("MLM001", "def f(x=[]): x.append(1)\n"),
    "non-ascii-outside-identifiers": (
        "MLM001",
        '"""Caf\u00e9 \u2026 \uff08\uff1a"""\n\ndef f(x=[], s="\uff09"):\n    x.append(s)\n',
    ),
    "fake-def-in-docstring": ("MLM001", '"""\ndef g(\n"""\ndef f(x=[]):\n    x.append(1)\n'),
    "call-default-after-string": (
        "MLM002",
        'import torch\n\ndef f(s="a=b", w=torch.zeros(3)):\n    return s, w\n',
    ),
    "parenthesised-call-default": (
        "MLM002",
        "import torch.nn as nn\n\ndef f(w=(nn.Linear)(2, 2)):\n    return w\n",
    ),
    "lambda-call-default": (
        "MLM002",
        "import numpy as np\n\ng = (lambda a,\n     b=np.zeros(\n        3): b)\n",
    ),
    "attribute-after-code-like-docstring": (
        "MLM003",
        'import torch.nn as nn\n\nclass M(nn.Module):\n    """\ndef helper():\n    x = 1\n'
        '    """\n    head = nn.Linear(2, 2)\n',
    ),
    "one-line-class": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(nn.Module): head = nn.Linear(2, 2)\n",
    ),
    "one-line-class-multi-line-header": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(\n    nn.Module): head = nn.Linear(2, 2)\n",
    ),
    "semicolons": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(nn.Module):\n    x = 1; head = nn.Linear(2, 2)\n",
    ),
    "multi-line-target": (
        "MLM003",
        "import torch.nn as nn\nfrom typing import Annotated\n\nclass M(nn.Module):\n"
        '    head: Annotated[\n        nn.Module, "x"] = nn.Linear(2, 2)\n',
    ),
    "backslash-value": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(nn.Module):\n    head = \\\n        nn.Linear(2, 2)\n",
    ),
    "parenthesised-value": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(nn.Module):\n"
        "    head = (\n        (nn).Linear(2, 2)\n    )\n",
    ),
    "factory-alias": (
        "MLM003",
        "import torch.nn as nn\nfrom torch.nn import Linear as L\n\n"
        "class M(nn.Module):\n    head = L(2, 2)\n",
    ),
    "tab-indented-class": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(nn.Module):\n\thead = nn.Linear(2, 2)\n",
    ),
    "nested-class": (
        "MLM003",
        "import torch\nimport torch.nn as nn\n\nclass Outer:\n    class M(nn.Module):\n"
        "        w = nn.Parameter(torch.zeros(3))\n",
    ),
    "class-in-if": (
        "MLM003",
        "import torch\nimport torch.nn as nn\n\nif True:\n    class M(nn.Module):\n"
        "        mean = torch.tensor([0.5])\n",
    ),
    "local-base": (
        "MLM003",
        "import torch\nimport torch.nn as nn\n\nclass Base(nn.Module):\n    pass\n\n"
        "class M(Base):\n    w = nn.Parameter(torch.zeros(3))\n",
    ),
    "comment-at-column-0": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(nn.Module):\n# a comment\n    head = nn.Linear(2, 2)\n",
    ),
    "continuation-at-column-0": (
        "MLM003",
        "import torch.nn as nn\n\nclass M(nn.Module):\n    sizes = [\n1, 2]\n"
        "    head = nn.Linear(2, 2)\n",
    ),
    "class-crlf": (
        "MLM003",
        "import torch.nn as nn\r\n\r\nclass M(nn.Module):\r\n    head = nn.Linear(2, 2)\r\n",
    ),
    "after-top-level-function": (
        "MLM003",
        "import torch\nimport torch.nn as nn\n\ndef make():\n    x = torch.zeros(3)\n"
        "    return x\n\nclass M(nn.Module):\n    mean = torch.zeros(3)\n",
    ),
    "softmax-aliased": (
        "MLC001",
        "from torch.nn.functional import (\n    softmax  # the function\n    as sm,\n)\n"
        "\np = sm(x)\n",
    ),
    "softmax-nested-dim": (
        "MLC001",
        "import torch.nn.functional as F\n\np = F.softmax(f(x, dim=1), dtype=t)\n",
    ),
    "softmax-comment-before-paren": (
        "MLC001",
        "import torch\n\np = (torch.softmax  # see dim= below\n    )(x, dim=(None))\n",
    ),
    "softmax-continued": (
        "MLC001",
        "import torch\n\nlayer = torch.nn \\\n  .Softmax \\\n  (\n  # dim=1\n)\n",
    ),
    "dropout-keyword-continued": (
        "MLC007",
        "import torch.nn.functional as F\nfrom torch import nn\n\nclass B(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return F.dropout(x, p=(0.1, 2)[0], inplace  \\\n= True)\n",
    ),
    "discard-continued": (
        "MLC003",
        "import torch\n\nx = torch.zeros(3)\nx \\\n  .unsqueeze(0)\n",
    ),
    "discard-parenthesised": (
        "MLC003",
        "import torch\n\nx = torch.zeros(3)\n(x\n ).unsqueeze(0)\n",
    ),
    "discard-after-colon": (
        "MLC003",
        "import torch\n\nx = torch.zeros(3)\nif x.sum(): x.unsqueeze(0)\n",
    ),
    "discard-after-semicolon": (
        "MLC003",
        "import torch\n\nx = torch.zeros(3); x.unsqueeze(0)  # (\n",
    ),
    "discard-renamed-factory": ("MLC003", "from torch import zeros as z\n\nz(3).float()\n"),
    "discard-chain-over-lines": (
        "MLC003",
        "import torch\n\ntorch.zeros(\n    3,\n).float(\n).cuda()\n",
    ),
    "discard-comment-in-arguments": (
        "MLC003",
        "import torch\n\nx = torch.zeros(3)\nx.to(  # device )\n    'cuda'); y = 1\n",
    ),
    "layers-annotated-over-lines": (
        "MLC002",
        "from torch import nn\n\nclass M(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.heads: dict[\n            str, nn.Module\n"
        "        ] = {}\n        self.heads['a'] = nn.Linear(2, 2)\n",
    ),
    "layers-after-compound-statement": (
        "MLC002",
        "from torch import nn\n\nclass M(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        if self.training: self.heads = []\n"
        "        self.heads.append(nn.Linear(2, 2))\n",
    ),
    "layers-renamed-ordered-dict": (
        "MLC002",
        "from collections import OrderedDict as OD\nfrom torch import nn\n\n"
        "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.heads = OD()\n        self.heads['a'] = nn.Linear(2, 2)\n",
    ),
    "layers-through-a-local": (
        "MLC002",
        "from torch import nn\n\nclass M(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        layer = \\\n            nn.Linear(2, 2)\n"
        "        self.heads = (layer, layer)\n",
    ),
    "layers-renamed-layer": (
        "MLC002",
        "from torch.nn import Linear as L\nfrom torch import nn\n\nclass M(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.heads = [L(2, 2) for _ in range(3)]\n",
    ),
    "layers-bound-to-an-underscore": (  # `_` is a name here, not a group made ` _ `
        "MLC002",
        "from torch import nn\n\nclass M(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        _ = nn.Linear(2, 2)\n        self.heads = [_, (1, 2)]\n",
    ),
    # Before Python 3.12 an f-string is read as any other string (its fields cannot
    # nest its own quotes): brackets and quotes of the other kind in it are text.
    "fstring-with-brackets-in-a-default": (
        "MLM001",
        "def f(sep=f\"{')'}(\", layers=[]):\n    layers.append(sep)\n",
    ),
    "layers-beside-an-fstring": (
        "MLC002",
        "from torch import nn\n\nclass M(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.heads = [nn.Linear(2, 2), f\"{')'}]\"]\n",
    ),
    "deprecated-through-an-alias": ("MLT004", "import torch as t\n\nn = t.norm(x)\n"),
    "deprecated-parenthesised-over-lines": (
        "MLT004",
        "import torch\n\nn = (torch  # the module\n).norm(x)\n",
    ),
    "deprecated-module-renamed": (
        "MLT004",
        "import torch.cuda.amp as mp\n\nscaler = mp.GradScaler()\n",
    ),
    "download-name-bound-to-a-string": (
        "MLS003",
        'from transformers import AutoModel\n\nA = MODEL = "org/name"\n'
        "m = AutoModel.from_pretrained((MODEL))\n",
    ),
    "download-comment-before-the-id": (
        "MLS003",
        "from transformers import AutoModel\n\nm = AutoModel.from_pretrained(\n"
        '    # the id, (pinned later\n    "org/name",\n)\n',
    ),
    "download-renamed-function": (
        "MLS003",
        "from huggingface_hub import hf_hub_download as fetch\n\n"
        'path = fetch("org/name", "f.bin")\n',
    ),
    "download-keyword-after-splat": (
        "MLS003",
        'from transformers import pipeline\n\np = pipeline(*tasks, model="org/name")\n',
    ),
    "download-positional-parenthesised": (
        "MLS003",
        'from transformers import pipeline\n\np = pipeline("text-generation", (\n'
        '    "org/name"))\n',
    ),
    "download-name-bound-over-lines": (
        "MLS003",
        "from transformers import AutoModel\n\nMODEL: Annotated[str, Doc(a=1)] = (  # the id\n"
        '    "org/name"\n)\nm = AutoModel.from_pretrained(MODEL)\n',
    ),
    "dropout-module-over-lines": (
        "MLC007",
        "import torch\nfrom torch import nn\n\nclass B(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return (torch.nn.functional  # the module\n        ).dropout(x, 0.1)\n",
    ),
    "seed-through-renamed-module": (
        "MLR001",
        "import numpy.random as npr\n\n\ndef augment(x):\n    npr.seed(0)\n    return x\n",
    ),
    "seed-imported-by-name": (
        "MLR001",
        "from torch import manual_seed\n\n\ndef augment(x):\n    manual_seed(0)\n    return x\n",
    ),
    "log-of-a-parenthesised-sum": (
        "MLT101",
        "import torch\n\ny = (1 + torch.exp(x)) \\\n    .log()\n",
    ),
    "log-through-a-renamed-module": (
        "MLT101",
        "import torch as math\n\ny = math.log(1 + x)\n",
    ),
    "seed-in-a-default-in-a-def": (
        "MLR001",
        "import numpy as np\n\n\ndef build(x):\n    def helper(s=np.random.seed(0)):\n"
        "        pass\n    return x\n",
    ),
    "seed-in-a-class-in-a-def": (
        "MLR001",
        "import numpy as np\n\n\ndef build(x):\n    class Noise:\n"
        "        def draw(self):\n            np.random.seed(0)\n    return Noise\n",
    ),
    "checkpoint-through-its-module": (
        "MLT003",
        "import torch.utils.checkpoint\n\ny = torch.utils.checkpoint \\\n    .checkpoint(f, x)\n",
    ),
    "unpickle-renamed-load": (
        "MLS001",
        "from torch import load as restore\n\nstate = restore(path, weights_only=False)\n",
    ),
    "unpickle-module-over-lines": (
        "MLS001",
        "import torch\n\nstate = (torch  # the module\n).load(path, weights_only=False)\n",
    ),
    "softmax-layer-by-its-module-path": (
        "MLC001",
        "from torch.nn.modules import activation\n\nlayer = activation.Softmax()\n",
    ),
    "log-sum-after-a-comment": (
        "MLT101",
        "import torch\n\ny = torch.log(  # see (1)\n    input=x + 1.)\n",
    ),
    "dropout-aliased": (
        "MLC007",
        "from torch.nn.functional import dropout as drop\nfrom torch import nn\n\n"
        "class B(nn.Module):\n    def forward(self, x):\n        return drop(x, 0.1)\n",
    ),
    # The scans find names with `str.find` and check the word start apart: a longer word
    # holding the name first, or another name earlier, must not hide the call.
    "softmax-after-a-longer-word": (
        "MLC001",
        "import torch.nn.functional as F\n\ny = F.log_softmax(x, 1)\nz = F.softmax(x)\n",
    ),
    # MLT003 needs `torch.utils.checkpoint` reachable: each way of spelling it.
    "checkpoint-through-renamed-utils": (
        "MLT003",
        "import torch.utils as tu\n\ny = tu.checkpoint.checkpoint(f, x)\n",
    ),
    "checkpoint-through-utils-from-torch": (
        "MLT003",
        "from torch import nn, utils as u\n\ny = u.checkpoint.checkpoint(f, x)\n",
    ),
    "checkpoint-module-from-utils-over-lines": (
        "MLT003",
        "from torch.utils \\\n    import (data,\n    checkpoint)\n\n"
        "y = checkpoint.checkpoint(f, x)\n",
    ),
    "checkpoint-through-parenthesised-utils": (
        "MLT003",
        "import torch\n\ny = (torch.utils  # the package\n).checkpoint.checkpoint(f, x)\n",
    ),
    "class-attribute-in-a-continued-header": (  # MLM003 needs `class` in the text
        "MLM003",
        "import torch.nn as nn\n\nclass\\\n    M(nn.Module): fc = nn.Linear(2, 2)\n",
    ),
    "pretrained-after-a-longer-word": (
        "MLT104",
        "from torchvision.models import resnet50\n\n"
        "m = resnet50(use_pretrained=1, pretrained=True)\n",
    ),
    "builder-after-a-longer-word": (
        "MLT104",
        "from torchvision.models import resnet18\n\nm = my_resnet18(1) or resnet18(True)\n",
    ),
    "checkpoint-after-a-longer-word": (
        "MLT003",
        "from torch.utils.checkpoint import checkpoint\n\ny = my_checkpoint(f) or checkpoint(f)\n",
    ),
    "discard-renamed-on-the-next-line": (
        "MLC003",
        "from torch import (zeros\nas z)\n\nz(3).float()\n",
    ),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_snippets(name: str) -> None:
    code, snippet = TRICKY[name]
    found = assert_same(Path("snippet.py"), snippet.encode())
    assert code in {d.code for d in found}, found


# Code that no rule could fire on: the pre-filter clears it, so it is never parsed.
CLEARED = {
    "plain-module": """\
import torch
import torch.nn as nn


class Block(nn.Module):
    expansion = 4

    def __init__(self, dim, act=nn.GELU, eps=1e-6):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        x = torch.zeros(3)

    def forward(self, x, mask=None):
        return self.fc(x)


def helper(x, scale=1.0):
    y = torch.zeros(3)
    return x * scale + y
""",
    "no-default-worth-a-look": "import os\n\ndef f(path='a', mode=\"r\"):\n    return open(path)\n",
    "dropout-layers-not-functional-dropout": (
        "import torch.nn.functional as F\nfrom torch import nn\n\n\nclass B(nn.Module):\n"
        "    def forward(self, x):\n        return F.relu(self.dropout(x))\n"
    ),
    "norm-methods-not-torch-norm": (
        "import torch\n\n\ndef f(self, x):\n"
        "    return self.norm(x) + x.norm() + torch.linalg.norm(x)\n"
    ),
    "syntax-error": 'print "hello"\n',
}


@pytest.mark.parametrize("name", sorted(CLEARED))
def test_cleared_before_parsing(name: str) -> None:
    path = Path("module.py")
    assert _candidates(path, Source(CLEARED[name]), SETTINGS, ALL_RULES, prefilter=True) == []
    assert lint_bytes(path, CLEARED[name].encode(), SETTINGS, ALL_RULES) == []


def test_unreadable_text_is_still_mle001(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    [diagnostic] = lint_bytes(path, b"s = '\xe9t\xe9'\n", SETTINGS, ALL_RULES)
    assert diagnostic.code == "MLE001"
    assert "cannot decode" in diagnostic.message
    [notebook] = lint_bytes(tmp_path / "x.ipynb", b"{not json", SETTINGS, ALL_RULES)
    assert notebook.code == "MLE001"


def test_syntax_error_in_a_candidate_file_is_mle001() -> None:
    data = b"from torch.utils.data import DataLoader\nloader = DataLoader(ds\n"
    [diagnostic] = lint_bytes(Path("broken.py"), data, SETTINGS, ALL_RULES)
    assert diagnostic.code == "MLE001"


def test_identifiers_the_parser_reads_differently() -> None:
    # Characters that cannot be in an identifier do not matter, wherever they are.
    assert ScreenText("x = 1  # caf\u00e9 \u2026 \uff0c\nname = '\uff08'\n").exact
    assert not ScreenText("\uff44ef = 1\n").exact  # fullwidth: NFKC makes it `def`
    assert not ScreenText("\ufb01le = 1\n").exact  # a ligature: NFKC makes it `file`
    assert not ScreenText("a\u00b7b = 1\n").exact  # middle dot: an identifier part \\w misses
    assert not ScreenText("e\u0301 = 1\n").exact  # a combining mark: composed by NFKC
    assert not ScreenText("\u1100\u1161 = 1\n").exact  # conjoining jamo: composed by NFKC


def test_triggers_are_looked_for_as_the_parser_reads_identifiers() -> None:
    data = "from torch.utils.data import \uff24ataLoader\nloader = DataLoader(ds)\n"
    source = Source(data)
    left = _candidates(Path("m.py"), source, SETTINGS, [SynchronousDataLoader], prefilter=True)
    assert left == [SynchronousDataLoader]


def test_unreadable_signature_keeps_the_rules() -> None:
    deep = "def f(x=" + "(" * 20 + "1" + ")" * 20 + "):\n    pass\n"
    assert textscan.parameter_defaults("\n" + deep) is None
    fstring = 'def f(x=f"{y}", z=[]):\n    pass\n'
    defaults = textscan.parameter_defaults("\n" + fstring)
    if textscan.NESTED_QUOTES:  # PEP 701 (3.12): its fields may nest its own quotes
        assert defaults is None
    else:  # lexed as any other string
        assert defaults is not None
        assert defaults.displays


SCREENED = [
    *((path.relative_to(ROOT).as_posix(), path.read_bytes()) for path in repository_files()),
    *(
        (f"{rule.code}-{kind}-{n}", snippet.encode())
        for n, (rule, kind, snippet) in enumerate(EXAMPLES)
    ),
    *((name, snippet.encode()) for name, (_, snippet) in TRICKY.items()),
]


@pytest.mark.parametrize(("name", "data"), SCREENED, ids=[name for name, _ in SCREENED])
def test_dataloader_screens_drop_nothing(
    name: str, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLP001's and MLP003's stdlib-ast screens read the arguments `finish` reads: without
    that test (any DataLoader call passes) the findings are the same."""
    path = ROOT / name if (ROOT / name).is_file() else Path("snippet.py")
    screened = lint_bytes(path, data, SETTINGS, ALL_RULES)
    for rule in (SynchronousDataLoader, DataLoaderPinMemory):
        monkeypatch.setattr(rule, "may_report", classmethod(lambda cls, call: True))
    assert lint_bytes(path, data, SETTINGS, ALL_RULES) == screened


# --- generated variants: the rule examples with their layout perturbed -------------------

PERTURBABLE = [(rule.code, snippet) for rule in ALL_RULES for snippet in rule.examples("invalid")]
FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
# Inserted inside brackets after `(`, `[`, `{` or `,`: a comment full of what confuses text.
NOISE = "  # ) ] } ' \" class def lambda x=[]: = torch.zeros(\n"


def insertion_points(code: str) -> list[tuple[int, str]]:
    """(offset, text) that keep `code` equivalent: comments and newlines inside brackets,
    a backslash continuation after `=` and before `.` outside them."""
    lines = code.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    points: list[tuple[int, str]] = []
    depth = 0
    formatted = 0  # inside an f-string (its own tokens from Python 3.12): left alone
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        formatted += {FSTRING_START: 1, FSTRING_END: -1}.get(token.type, 0)
        if token.type != tokenize.OP or formatted:
            continue
        end = offsets[token.end[0] - 1] + token.end[1]
        start = offsets[token.start[0] - 1] + token.start[1]
        if token.string in "([{":
            depth += 1
            points.append((end, NOISE))
        elif token.string in ")]}":
            depth -= 1
        elif token.string == "," and depth:
            points.append((end, NOISE))
        elif token.string == "=":
            points.append((end, "\n" if depth else " \\\n    "))
        elif token.string == ".":
            points.append((start, " \\\n  " if not depth else "\n  "))
    return points


def perturb(code: str, chosen: list[bool]) -> str:
    points = insertion_points(code)
    for (offset, text), use in reversed(list(zip(points, chosen, strict=False))):
        if use:
            code = code[:offset] + text + code[offset:]
    return code


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(PERTURBABLE),
    st.lists(st.booleans(), min_size=40, max_size=40),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_perturbed_examples(example: tuple[str, str], chosen: list[bool], newline: str) -> None:
    code, snippet = example
    variant = perturb(snippet, chosen).replace("\n", newline)
    found = assert_same(Path("variant.py"), variant.encode())
    assert code in {d.code for d in found}, variant


# --- the scans against the parser, on generated programs ---------------------------------


def _offset(text: str, line: int, column: int) -> int:
    """The offset in ScreenText.text (a newline first) of an ast position (UTF-8 column);
    `text` has its newlines made `\\n`, as the parser counts lines."""
    lines = text.split("\n")
    start = sum(len(one) + 1 for one in lines[: line - 1])
    return 1 + start + len(lines[line - 1].encode()[:column].decode())


def _call_root(node: ast.expr) -> str | None:
    """The root name of the call chain a default starts with (`torch` of
    `torch.zeros(3).float()`), if it starts with one."""
    while isinstance(node, ast.Call):
        func = node.func
        chain = func
        while isinstance(chain, ast.Attribute):
            chain = chain.value
        if isinstance(chain, ast.Name):
            return chain.id
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)):
            return None
        node = func.value
    return None


def check_scans(text: str) -> None:
    """Everything the rules' analyses read, the text scans must have seen."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    screen = ScreenText(text)
    if not screen.exact:
        return
    defaults = screen.defaults
    for node in ast.walk(tree):
        if defaults is not None and isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        ):
            _check_defaults(node.args, defaults)
        if isinstance(node, ast.ClassDef):
            _check_class(screen, node)
        if isinstance(node, ast.Call):
            _check_call(screen, node)
        if isinstance(node, ast.Expr) and _may_discard_tensor(node):
            assert may_discard(screen.text), node.lineno
    for name, value in module_assignments(tree.body):
        if isinstance(
            value, ast.List | ast.ListComp | ast.Dict | ast.DictComp | ast.Set | ast.SetComp
        ) or _call_root(value):
            assert textscan.binds_at_statement_start(screen.text, name), name


def _may_discard_tensor(node: ast.AST) -> bool:
    """A statement MLC003 could report: `<receiver>.<method>(...)` on a name (not `self`)
    or on a call chain (`torch.zeros(3).float()`); which chains it judges is its concern."""
    if not (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr in OUT_OF_PLACE
    ):
        return False
    receiver = node.value.func.value
    if isinstance(receiver, ast.Name):
        return receiver.id != "self"
    return isinstance(receiver, ast.Call) and _last_name(receiver) in ROOT_FUNCTIONS


def _check_call(screen: ScreenText, call: ast.Call) -> None:
    """A call the parser sees without an argument (or with a literal None), the text may lack."""
    func = call.func
    if not isinstance(func, ast.Attribute | ast.Name):
        return
    name = func.attr if isinstance(func, ast.Attribute) else func.id
    if isinstance(func, ast.Attribute):
        assert textscan.calls_method(screen.text, name), name
    for position in (0, 1, 2):
        value = ast_argument(call, "dim", position)
        if value is None:
            assert textscan.calls_may_lack(screen.text, (name,), "dim", position), name
        elif isinstance(value, ast.Constant) and value.value is None:
            assert textscan.calls_may_lack(screen.text, (name,), "dim", position, none_lacks=True)


def _check_defaults(args: ast.arguments, defaults: textscan.Defaults) -> None:
    for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
        if isinstance(
            default, ast.List | ast.ListComp | ast.Dict | ast.DictComp | ast.Set | ast.SetComp
        ):
            assert defaults.displays
        elif isinstance(default, ast.Name) and default.id not in {"None", "True", "False"}:
            assert default.id in defaults.names
        elif (root := _call_root(default)) is not None:
            assert root in defaults.call_roots


def _check_class(screen: ScreenText, node: ast.ClassDef) -> None:
    spans = screen.class_statement_spans
    bodies = screen.class_bodies
    for stmt in node.body:
        if spans is not None:
            start = _offset(screen.text[1:], stmt.lineno, stmt.col_offset)
            assert any(a <= start < b for a, b in spans), stmt.lineno
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if value is None or _call_root(value) is None or bodies is None:
            continue
        end = _offset(screen.text[1:], stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        start = _offset(screen.text[1:], stmt.lineno, stmt.col_offset)
        sinks = [
            m.start()
            for m in textscan.factory_assignments(frozenset({_last_name(value)})).finditer(
                screen.text, start, end
            )
        ]
        possible = textscan.possible_class_statements(screen.text, sinks, bodies)
        assert possible is None or possible, stmt.lineno


def _last_name(node: ast.expr) -> str:
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Call)
    ):
        node = node.func.value
    assert isinstance(node, ast.Call)
    func = node.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(PYTHON_PROGRAMS)
def test_scans_see_what_the_parser_sees_generated(text: str) -> None:
    check_scans(text)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_scans_see_what_the_parser_sees_generated_nodes(text: str) -> None:
    check_scans(text)


@pytest.mark.parametrize("path", repository_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_scans_see_what_the_parser_sees_here(path: Path) -> None:
    check_scans(read_source(path, path.read_bytes()).text)


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_scans_see_what_the_parser_sees_tricky(name: str) -> None:
    check_scans(TRICKY[name][1])


# --- bad input: the scans stay linear -------------------------------------------------------

ADVERSARIAL = {
    "unclosed-defs-in-a-docstring": '"""\n' + "def f(\n" * 20_000 + '"""\nimport torch\n',
    "lambdas-without-a-colon": "import torch\nx = [" + "lambda x=1, " * 20_000 + "]\n",
    "lambdas-before-a-far-colon": "import torch\nx = (" + "lambda a " * 20_000 + ")\ny = {1: 2}\n",
    "assignments-on-one-line": "import torch.nn as nn\n\nclass M(nn.Module):\n    pass\n"
    + "a=nn.Linear(1);" * 20_000
    + "\n",
    "classes-on-one-line": "import torch.nn as nn\nx = '" + "class A(nn.Module" * 20_000 + "'\n",
    "defs-on-one-line": "import torch\nx = '" + " def f(x=[]" * 30_000 + "'\n",
    "a-name-spelt-everywhere": "import torch\ndef f(x=NAME): pass\n" + "NAME NAME, " * 20_000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_scans_stay_linear_on_bad_input(name: str) -> None:
    """Each scan reads a bounded stretch of text: ~300 KB built to make a naive scan
    quadratic (minutes) is screened in a fraction of a second."""
    source = Source(ADVERSARIAL[name])
    start = time.process_time()
    _candidates(Path("bad.py"), source, SETTINGS, ALL_RULES, prefilter=True)
    assert time.process_time() - start < 3.0


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
@pytest.mark.parametrize(
    "code",
    [
        "from torch.utils \\\n  .checkpoint import checkpoint\ny = checkpoint(block, x)\n",
        "import torch\nm = torch \\\n  .load(path, weights_only=False)\n",
        "import torch\ny = torch.log(x \\\n + 1)\n",
    ],
)
def test_continuations_after_other_newlines(code: str, newline: str) -> None:
    """Found by test_perturbed_examples: a backslash continuation ends in `\\r\\n` or `\\r`
    too, and the screens' gaps are written for `\\n` (ScreenText reads every newline as
    one)."""
    found = assert_same(Path("variant.py"), code.replace("\n", newline).encode())
    assert found


# --- rules cheap on the tree skip their text screens once the file is parsed anyway ---


def screening(code: str, says: bool, cheap: bool, asked: list[str]) -> type[Rule]:
    """A rule whose text screen says `says` and notes that it was asked."""

    def text_screen(cls: type[Rule], text: ScreenText) -> bool:
        asked.append(code)
        return says

    attributes = {"code": code, "cheap_on_tree": cheap, "text_screen": classmethod(text_screen)}
    return type(code, (Rule,), attributes)


@pytest.mark.parametrize(
    ("rules", "kept", "asked"),
    [
        # A rule that is not cheap on the tree keeps the file: the cheap ones are not asked.
        ([("A", True, False), ("B", False, True), ("C", False, False)], ["A", "B"], ["A", "C"]),
        # Only cheap ones: asked until one keeps the file.
        ([("A", False, True), ("B", True, True), ("C", False, True)], ["B", "C"], ["A", "B"]),
        ([("A", False, True), ("B", False, False)], [], ["B", "A"]),
    ],
)
def test_cheap_on_tree_rules_skip_their_text_screens(
    rules: list[tuple[str, bool, bool]], kept: list[str], asked: list[str]
) -> None:
    calls: list[str] = []
    made = [screening(code, says, cheap, calls) for code, says, cheap in rules]
    assert [rule.code for rule in _text_screened(made, ScreenText("x = 1\n"))] == kept
    assert calls == asked
