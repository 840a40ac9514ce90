"""MLT101-MLT106 (TorchFix parity, part B) beyond their documented examples, and TorchFix's
codes in `# noqa` comments (the documented examples run in test_rule_examples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_policy.config import Settings
from ml_policy.diagnostics import Applicability, Diagnostic
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.rule import Rule
from ml_policy.registry import rule_class
from ml_policy.rules import ALL_RULES


def lint(code: str, *codes: str, name: str = "example.py") -> list[Diagnostic]:
    rules = [rule for rule in ALL_RULES if rule.code in codes] if codes else list(ALL_RULES)
    diagnostics = lint_bytes(Path(name), code.encode(), Settings(root=Path.cwd()), rules)
    assert not [d for d in diagnostics if d.code == "MLE001"], diagnostics
    return diagnostics


def lines(code: str, rule_code: str) -> list[int]:
    return [d.line for d in lint(code, rule_code) if d.code == rule_code]


def test_every_rule_names_its_torchfix_code_in_its_docs() -> None:
    for code, torchfix in [
        ("MLT101", "TOR106"),
        ("MLT102", "TOR107"),
        ("MLT103", "TOR108"),
        ("MLT104", "TOR201"),
        ("MLT105", "TOR202"),
        ("MLT106", "TOR402"),
    ]:
        rule = rule_class(code)
        assert rule is not None
        assert issubclass(rule, Rule)
        assert rule.torchfix_codes == (torchfix,)
        assert f"TorchFix: {torchfix}" in rule.documentation()


# --- MLT101 / MLT102 / MLT103 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import torch\na = torch.log(1. + x)\n", [2]),
        ("import torch\na = torch.log(1e0 + x)\n", [2]),
        ("import torch\na = torch.log(\n    1 + x\n)\n", [2]),
        ("import torch\na = (torch.log)(1 + x)\n", [2]),
        ("import torch\na = torch.log(1 + x, out=y)\n", [2]),
        ("import torch\na = torch.log(*args)\n", []),
        ("import torch\na = torch.log(2 * (1 + x))\n", []),
        ("import torch\na = torch.log(x + 1 + y)\n", []),  # (x + 1) + y: not 1 + something
        ("import torch\na = (1 + x.exp()).log()\n", []),  # x is not known to be a tensor
        ("import torch\ntorch = other\na = torch.log(1 + x)\n", []),  # shadowed import
        ("from torch import log as ln\na = ln(x + 1)\n", [2]),
        ("from math import log\na = log(1 + x)\n", []),
        ("import numpy as torch\na = torch.log(1 + x)\n", []),
    ],
)
def test_log1p_boundaries(code: str, expected: list[int]) -> None:
    assert lines(code, "MLT101") == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import torch\na = torch.exp(x) - 1.\n", [2]),
        ("import torch\na = torch.exp(input=x) - 1\n", [2]),
        ("import torch\na = (torch.exp(x) - 1) / x\n", [2]),
        ("import torch\na = y - torch.exp(x) - 1\n", []),  # (y - exp(x)) - 1
        ("import torch\na = torch.exp(x) - 1 - y\n", [2]),
        ("import torch\na = torch.exp(x) - one\n", []),
        ("import torch\na = torch.exp(x) - 0.1\n", []),
        ("import torch\na = x.exp() - 1\n", []),
        ("import torch\na = torch.zeros(2).exp() - 1\n", [2]),
        ("import math\na = math.exp(x) - 1\n", []),
    ],
)
def test_expm1_boundaries(code: str, expected: list[int]) -> None:
    assert lines(code, "MLT102") == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import torch\na = torch.log(torch.sum(torch.exp(x), -1))\n", [2]),
        ("import torch\na = torch.log(torch.sum(torch.exp(x), dim=d))\n", [2]),
        ("import torch\na = torch.log(torch.sum(torch.exp(x), **kw))\n", []),
        ("import torch\na = torch.log(torch.exp(x).sum())\n", []),
        ("import torch\na = torch.log(torch.exp(x).sum(dim=None))\n", []),
        ("import torch\na = torch.log(torch.exp(x - m).sum(1))\n", []),
        ("import torch\na = torch.exp(x).sum(1).log()\n", [2]),
        ("import torch\na = torch.exp(x).sum(1).log(2)\n", []),  # not Tensor.log
        ("a = x.exp().sum(1).log()\n", []),  # no torch in the module
        ("import torch\na = torch.log(x.exp().sum(1) + 1)\n", []),
    ],
)
def test_logsumexp_boundaries(code: str, expected: list[int]) -> None:
    assert lines(code, "MLT103") == expected


# --- MLT104 ---------------------------------------------------------------------------------


def fix_of(code: str) -> list[str]:
    (diagnostic,) = lint(code, "MLT104")
    if diagnostic.fix is None:
        return []
    assert diagnostic.fix.applicability is Applicability.UNSAFE
    edits = [edit.content for edit in diagnostic.fix.edits]
    return [f"{keyword}={value}" for keyword, value in zip(edits[::2], edits[1::2], strict=True)]


def test_pretrained_true_names_the_weights_it_loaded() -> None:
    assert fix_of("from torchvision import models\nm = models.resnet50(pretrained=True)\n") == [
        'weights="IMAGENET1K_V1"'
    ]
    detection = (
        "import torchvision\n"
        "m = torchvision.models.detection.fasterrcnn_resnet50_fpn(\n"
        "    pretrained=True, pretrained_backbone=False\n)\n"
    )
    assert fix_of(detection) == ['weights="COCO_V1"', "weights_backbone=None"]
    ssd = (
        "from torchvision.models.detection import ssd300_vgg16\n"
        "m = ssd300_vgg16(pretrained_backbone=True)\n"
    )
    assert fix_of(ssd) == ['weights_backbone="IMAGENET1K_FEATURES"']


@pytest.mark.parametrize(
    "code",
    [
        "from torchvision import models\nm = models.resnet50(pretrained=flag)\n",
        "from torchvision import models\nm = models.resnet50(True)\n",
        "from torchvision import models\nm = models.vit_h_14(pretrained=True)\n",
        "from torchvision.models import quantization\nm = quantization.resnet50(pretrained=True)\n",
    ],
)
def test_pretrained_without_a_known_replacement_has_no_fix(code: str) -> None:
    assert fix_of(code) == []


def test_pretrained_false_fix_is_weights_none() -> None:
    code = "from torchvision.models.resnet import resnet18\nm = resnet18(pretrained=False)\n"
    assert fix_of(code) == ["weights=None"]


@pytest.mark.parametrize(
    "code",
    [
        "import timm\nm = timm.create_model('resnet50', pretrained=True)\n",
        "from torchvision import models\nm = models.resnet50(pretrained_backbone=True)\n",
        "from torchvision import models\nm = models.resnet50(weights, progress)\n",
        "from torchvision import models\nm = models.get_model('resnet50', pretrained=True)\n",
        "from torchvision import models\nm = models.resnet50(*args)\n",
        "from transformers import AutoModel\nm = AutoModel.from_pretrained('x', pretrained=True)\n",
    ],
)
def test_pretrained_silent(code: str) -> None:
    assert lines(code, "MLT104") == []


# --- MLT105 / MLT106 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "from torchvision.transforms.v2 import Compose, ToTensor\nt = Compose([ToTensor()])\n",
            [1],
        ),
        ("import torchvision.transforms.v2 as T\nt = T.ToTensor()\n", [2]),
        ("from torchvision.transforms import ToTensor\nt = ToTensor()\n", []),
        ("from torchvision import transforms as T\nt = T.ToTensor()\n", []),
        ("from .v2 import ToTensor\nt = ToTensor()\n", []),
        ("from torchvision.transforms.v2 import *\nt = ToTensor()\n", []),
    ],
)
def test_v2_to_tensor_boundaries(code: str, expected: list[int]) -> None:
    assert lines(code, "MLT105") == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("opt.zero_grad(set_to_none=False)\n", [1]),
        ("opt.zero_grad(set_to_none = False)\n", [1]),
        ("opt.zero_grad(True)\n", []),
        ("opt.zero_grad(set_to_none=None)\n", []),
        ("zero_grad(set_to_none=False)\n", []),  # a function, not the method
        ("opt.zero_grad(*args)\n", []),
        ("def zero_grad(self, set_to_none=False):\n    super().zero_grad(set_to_none)\n", []),
    ],
)
def test_zero_grad_boundaries(code: str, expected: list[int]) -> None:
    assert lines(code, "MLT106") == expected


# --- TorchFix codes in noqa comments --------------------------------------------------------


def test_torchfix_code_in_noqa_suppresses_the_matching_rule() -> None:
    code = "import torch\na = torch.log(1 + x)  # noqa: TOR106\n"
    assert lint(code, "MLT101") == []


def test_unknown_torchfix_code_suppresses_nothing() -> None:
    code = "import torch\na = torch.log(1 + x)  # noqa: TOR999\n"
    assert [d.code for d in lint(code, "MLT101")] == ["MLT101"]


def test_another_rules_torchfix_code_does_not_suppress() -> None:
    code = "import torch\na = torch.log(1 + x)  # noqa: TOR107\n"
    assert [d.code for d in lint(code, "MLT101")] == ["MLT101"]


def test_mixed_torchfix_and_ml_policy_codes() -> None:
    code = (
        "import torch\n"
        "a = torch.log(1 + x) + (torch.exp(y) - 1)  # noqa: TOR106, MLM001\n"
        "b = torch.log(1 + x) + (torch.exp(y) - 1)  # noqa: tor106,MLT102\n"
        "c = torch.log(1 + x) + (torch.exp(y) - 1)  # noqa: TOR107 MLT101\n"
    )
    found = lint(code, "MLT101", "MLT102")
    assert [(d.code, d.line) for d in found] == [("MLT102", 2)]


def test_bare_noqa_still_suppresses_everything() -> None:
    code = "import torch\na = torch.log(1 + x) + (torch.exp(y) - 1)  # noqa\n"
    assert lint(code, "MLT101", "MLT102") == []


@pytest.mark.parametrize(
    "code",
    [
        "import torch\ng = torch.cuda.CUDAGraph()\nopt.zero_grad(set_to_none=False)\n",
        "import torch\nwith torch.cuda.graph(g):\n    pass\nopt.zero_grad(set_to_none=False)\n",
        "def step(opt, cuda_graph):\n    opt.zero_grad(set_to_none=not cuda_graph)\n"
        "    opt.zero_grad(set_to_none=False)\n",
    ],
)
def test_zero_grad_silent_where_cuda_graphs_keep_the_buffers(code: str) -> None:
    assert lines(code, "MLT106") == []


def test_zero_grad_silent_in_tests() -> None:
    code = "opt.zero_grad(set_to_none=False)\n"
    assert lint(code, "MLT106", name="tests/test_optim.py") == []
    assert [d.line for d in lint(code, "MLT106", name="train.py")] == [1]


# --- the text screens drop no file the rules report on ----------------------------------------

SPELLINGS = [
    ("MLT101", "import torch as np\na = np.log(1 + x)\n"),
    ("MLT101", "import torch\na = (torch.log  # the log\n    )(1 + x)\n"),
    ("MLT101", "from torch import (\n    log as ln,\n)\na = ln(x + 1)\n"),
    ("MLT102", "import torch\na = torch.exp(x) \\\n    - 1\n"),
    ("MLT102", "import torch\na = (torch.exp(x)  # grows\n     - (1.))\n"),
    ("MLT103", "import torch as math\na = math.log(math.sum(math.exp(x), 1))\n"),
    ("MLT104", "from torchvision import models\nm = models.resnet50(pretrained  # old\n= True)\n"),
    ("MLT104", "from torchvision.models import vgg16 as v\nm = v(  # legacy\n    False)\n"),
    ("MLT104", "from torchvision import models\nm = (models.vgg16)(True)\n"),
]


@pytest.mark.parametrize(("code", "snippet"), SPELLINGS)
def test_text_screens_keep_odd_spellings(code: str, snippet: str) -> None:
    rule = rule_class(code)
    assert rule is not None
    assert issubclass(rule, Rule)
    settings = Settings(root=Path.cwd())
    screened = lint_bytes(Path("x.py"), snippet.encode(), settings, [rule])
    unscreened = lint_bytes(
        Path("x.py"),
        snippet.encode(),
        settings,
        [rule],
        prefilter=False,
    )
    assert [d.code for d in screened] == [code]
    assert screened == unscreened
