"""The supply-chain rules (MLS) beyond their documented examples: aliased imports,
positional arguments, literal and bound `**` dicts, constants, and the traps the
precision review found (benchmarks/precision-mls.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml_policy.config import Settings
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import Rule
from ml_policy.rules.supply_chain.text_screens import imports_module
from ml_policy.rules.supply_chain.torch_pin import TorchDefault, torch_load_default
from ml_policy.rules.supply_chain.trust_remote_code_unpinned import TrustRemoteCodeUnpinned
from ml_policy.rules.supply_chain.unpinned_model_download import UnpinnedModelDownload
from ml_policy.rules.supply_chain.unsafe_deserialization import UnsafeDeserialization

SHA = "0123456789abcdef0123456789abcdef01234567"


def lines(
    rule: type[Rule], code: str, path: Path = Path("example.py"), root: Path | None = None
) -> list[int]:
    settings = Settings(root=root or Path.cwd())
    found = lint_bytes(path, code.encode(), settings, [rule])
    assert not [d for d in found if d.code == "MLE001"], found
    return [d.line for d in found]


# --- MLS002 -----------------------------------------------------------------------------------

HF = "from transformers import AutoModel\n"
M = HF + "AutoModel.from_pretrained"  # a call follows: M + '("o/m")'
URL = "from torch.hub import load_state_dict_from_url as get\nget"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (M + '("o/m", trust_remote_code=True)\n', [2]),
        (M + '("o/m", trust_remote_code=True, revision="v2")\n', [2]),
        (M + f'("o/m", trust_remote_code=True, revision="{SHA}")\n', []),
        (
            M + f'("o/m", **{{"trust_remote_code": True, "revision": "{SHA}"}})\n',
            [],
        ),
        (M + '("o/m", **dict(trust_remote_code=True))\n', [2]),
        (HF + 'kw = dict(trust_remote_code=True)\nAutoModel.from_pretrained("o/m", **kw)\n', [3]),
        # the dict changes after it is built: not known
        (
            HF + 'kw = {"trust_remote_code": True}\nkw["revision"] = r\n'
            'AutoModel.from_pretrained("o/m", **kw)\n',
            [],
        ),
        (
            HF + 'kw = {"trust_remote_code": True}\nkw.update(x)\n'
            'AutoModel.from_pretrained("o/m", **kw)\n',
            [],
        ),
        # a dict rebound, or a parameter: not known
        (HF + "def f(kw):\n    return AutoModel.from_pretrained('o/m', **kw)\n", []),
        (M + '("o/m", **{"trust_remote_code": True, **extra})\n', []),
        (M + '("o/m", trust_remote_code=1)\n', []),
        (M + '("/models/m", trust_remote_code=True)\n', []),
        (M + '("a/b/c", trust_remote_code=True)\n', []),
        # a revision bound once to a commit, as a module constant defined below its use
        (
            HF + "def f():\n"
            '    return AutoModel.from_pretrained("o/m", trust_remote_code=True, revision=REV)\n'
            f'REV = "{SHA}"\n',
            [],
        ),
        # the dict itself is not a download
        ("options = dict(trust_remote_code=True)\n", []),
        ('def f(trust_remote_code=True):\n    return {"trust_remote_code": True}\n', []),
    ],
)
def test_trust_remote_code(code: str, expected: list[int]) -> None:
    assert lines(TrustRemoteCodeUnpinned, code) == expected


# --- MLS003 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (M + '("bert-base-uncased")\n', [2]),
        (M + '(pretrained_model_name_or_path="o/m")\n', [2]),
        (M + '("o/m", revision="main")\n', [2]),
        (M + f'("o/m", revision="{SHA.upper()}")\n', []),
        (M + '("o/m", local_files_only=True)\n', []),
        (M + '("o/m", **kw)\n', []),
        (HF + "AutoModel.from_pretrained(*args)\n", []),
        (M + '(f"o/{name}")\n', []),
        (M + '("o/m", trust_remote_code=True)\n', []),  # MLS002's
        # paths on disk
        (M + '("./out")\n', []),
        (M + '("~/models/m")\n', []),
        (M + '("runs/exp1/checkpoint-500")\n', []),
        (M + '("C:\\\\models\\\\m")\n', []),
        (M + '("model.safetensors")\n', []),
        # a library's own class method: the id is a parameter
        (
            HF + "class M:\n    @classmethod\n    def load(cls, name):\n"
            "        return cls.from_pretrained(name)\n",
            [],
        ),
        # a parameter that shadows a module constant
        (HF + 'NAME = "o/m"\ndef f(NAME):\n    return AutoModel.from_pretrained(NAME)\n', []),
        (HF + 'NAME = "o/m"\nNAME = "o/n"\nAutoModel.from_pretrained(NAME)\n', []),
        (HF + 'NAME = "o/m"\ndef f():\n    return AutoModel.from_pretrained(NAME)\n', [4]),
        ("import datasets as D\nD.load_dataset('json', data_files='x.json')\n", []),
        ("import datasets as D\nD.load_dataset('squad')\n", [2]),
        ("from huggingface_hub import snapshot_download as get\nget(repo_id='o/m')\n", [2]),
        (
            "from huggingface_hub import hf_hub_download\n"
            "hf_hub_download('o/m', 'w.bin', revision=REV)\n",
            [],
        ),
        (
            "from transformers import pipeline\npipeline('fill-mask', model='bert-base-uncased')\n",
            [2],
        ),
        ("from transformers import pipeline\npipeline('fill-mask')\n", []),
        ("from torch import hub\nhub.load('pytorch/vision', 'resnet18')\n", [2]),
        (f"import torch\ntorch.hub.load('pytorch/vision:{SHA}', 'resnet18')\n", []),
        ("import torch\ntorch.hub.load('pytorch/vision', 'resnet18', source='local')\n", []),
        ("import torch\ntorch.hub.load('pytorch/vision', 'resnet18', source=src)\n", []),
        ("import torch\ntorch.hub.load('yolov5', 'custom')\n", []),
        (
            URL + "('https://x/w-1234.pth', check_hash=True)\n",
            [],
        ),
        (
            URL + "('https://x/w.pth', None, None, True, True)\n",
            [],
        ),
        (
            URL + "('https://x/w.pth', check_hash=False)\n",
            [2],
        ),
        ("from torch.utils import model_zoo\nmodel_zoo.load_url('https://x/w.pth')\n", [2]),
        (URL + "(weights.url)\n", []),
    ],
)
def test_unpinned_download(code: str, expected: list[int]) -> None:
    assert lines(UnpinnedModelDownload, code) == expected


def test_unpinned_download_message_names_trust_repo() -> None:
    code = "import torch\ntorch.hub.load('o/r:v1', 'm', trust_repo=True)\n"
    found = lint_bytes(
        Path("x.py"), code.encode(), Settings(root=Path.cwd()), [UnpinnedModelDownload]
    )
    assert "trust_repo=True" in found[0].message


def test_unpinned_download_skips_tests() -> None:
    code = M + '("bert-base-uncased")\n'
    assert lines(UnpinnedModelDownload, code, Path("tests/test_model.py")) == []


# --- MLS001 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import torch as T\nT.load(p, weights_only=False)\n", [2]),
        ("from torch import load\nload(p, weights_only=False)\n", [2]),
        ("import torch\ntorch.serialization.load(p, weights_only=False)\n", [2]),
        ("import torch\ntorch.load(p)\n", []),  # no declared torch: only an explicit False
        ("import torch\ntorch.load(p, weights_only=flag)\n", []),
        ("import torch\ntorch.load(p, **kw)\n", []),
        ("import torch\nkw = {'weights_only': False}\ntorch.load(p, **kw)\n", [3]),
        ("import torch, pickle\ntorch.load(p, pickle_module=pickle, weights_only=False)\n", [2]),
        ("import torch\ntorch.load(p, pickle_module=Restricted, weights_only=False)\n", []),
        # the module writes the literal path it reads
        ("import torch\ntorch.save(s, 'c.pt')\ntorch.load('c.pt', weights_only=False)\n", []),
        ("import torch\ntorch.save(s, 'c.pt')\ntorch.load('d.pt', weights_only=False)\n", [3]),
        ("import torch\nP = 'c.pt'\ntorch.save(s, f=P)\ntorch.load(P, weights_only=False)\n", []),
        ("import pandas as pd\ndf.to_pickle('f.pkl')\npd.read_pickle('f.pkl')\n", []),
        ("import pandas as pd\npd.read_pickle(path)\n", [2]),
        ("import numpy as np\nnp.save('a.npy', x)\nnp.load('a.npy', allow_pickle=True)\n", []),
        ("import numpy as np\nnp.load(p, allow_pickle=True)\n", [2]),
        ("import numpy as np\nnp.load(p, 'r', True)\n", [2]),
        ("import numpy as np\nnp.load(p, allow_pickle=flag)\n", []),
        ("import numpy as np\nnp.load(p, **{'allow_pickle': True})\n", [2]),
        ("import joblib\njoblib.load(p)\n", [2]),
        ("import cloudpickle\ncloudpickle.load(f)\n", [2]),
        ("import dill\ndill.loads(dill.dumps(m))\n", []),
        (
            "import cloudpickle\nclass W:\n    def __setstate__(self, b):\n"
            "        self.x = cloudpickle.loads(b)\n",
            [],
        ),
        ("import pickle\npickle.load(f)\n", []),  # Ruff S301's
        ("load(p, weights_only=False)\n", []),  # not torch's
    ],
)
def test_unsafe_deserialization(code: str, expected: list[int]) -> None:
    assert lines(UnsafeDeserialization, code) == expected


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("torch==2.1.0", [2]),
        ("torch<2.6", [2]),
        ("torch~=2.4.0", [2]),
        ("torch>=2.6", []),
        ("torch==2.7.1+cu121", []),
        ("torch>=2.1", []),  # across 2.6: unknown
        ("torch", []),
    ],
)
def test_torch_load_follows_the_declared_torch(
    tmp_path: Path, requirement: str, expected: list[int]
) -> None:
    (tmp_path / "requirements.txt").write_text(requirement + "\n")
    code = "import torch\ntorch.load(p)\n"
    assert lines(UnsafeDeserialization, code, tmp_path / "train.py", tmp_path) == expected


def test_torch_pin_nearest_declaring_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["torch>=2.6"]\n'
    )
    sub = tmp_path / "legacy"
    (sub / "requirements").mkdir(parents=True)
    (sub / "requirements" / "base.txt").write_text("torch==1.13.1\n")
    (sub / "other").mkdir()
    assert torch_load_default(sub / "other" / "a.py", tmp_path) is TorchDefault.UNPICKLES
    assert torch_load_default(tmp_path / "a.py", tmp_path) is TorchDefault.WEIGHTS_ONLY


def test_torch_pin_conflicting_or_unreadable(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.1.0\n")
    (tmp_path / "requirements-new.txt").write_text("torch==2.7.0\n")
    assert torch_load_default(tmp_path / "a.py", tmp_path) is TorchDefault.UNKNOWN
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pyproject.toml").write_text("[project\n")
    assert torch_load_default(broken / "a.py", tmp_path) is TorchDefault.UNKNOWN


def test_torch_load_fixes(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.1.0\n")
    code = "import torch\na = torch.load(p)\nb = torch.load(p, weights_only=False)\n"
    found = lint_bytes(
        tmp_path / "t.py", code.encode(), Settings(root=tmp_path), [UnsafeDeserialization]
    )
    assert [d.fix.message if d.fix else None for d in found] == [
        "Add `weights_only=True`",
        "Set `weights_only=True`",
    ]


def test_unsafe_deserialization_skips_tests() -> None:
    assert lines(UnsafeDeserialization, "import joblib\njoblib.load(p)\n", Path("tests/x.py")) == []


def test_torch_pin_of_an_extra_does_not_decide(tmp_path: Path) -> None:
    # nnunetv2: `torch>=2.1.2` for everyone, `torch<2.3` only in an `intel_macos` extra
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["torch>=2.1.2,!=2.9.*"]\n'
        '[project.optional-dependencies]\nintel_macos = ["torch<2.3"]\n'
    )
    assert torch_load_default(tmp_path / "a.py", tmp_path) is TorchDefault.UNKNOWN


# --- text screens: each of these must still be reported ----------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        HF + 'AutoModel.from_pretrained(\n    # the id\n    "o/m",\n)\n',
        HF + 'AutoModel.from_pretrained((("o/m")))\n',
        HF + 'x = (AutoModel.from_pretrained  # c\n    ("o/m"))\n',
        HF + 'AutoModel.from_pretrained(**{}, pretrained_model_name_or_path="o/m")\n',
        HF + 'AutoModel.from_pretrained(config=c, pretrained_model_name_or_path="o/m")\n',
        HF + 'AutoModel.from_pretrained \\\n("o/m")\n',
        HF + "N = 'o/m'\nAutoModel.from_pretrained(N  # c\n)\n",
    ],
)
def test_from_pretrained_screen_keeps_what_the_rule_reports(code: str) -> None:
    assert lines(UnpinnedModelDownload, code)


@pytest.mark.parametrize(
    "code",
    [
        "from joblib import load as jl\njl(p)\n",
        "import joblib\njoblib.load  (p)\n",
        "import joblib\nx = (joblib.load  # c\n    (p))\n",
        "from dill import loads as undill\nundill(b)\n",
    ],
)
def test_load_screen_keeps_what_the_rule_reports(code: str) -> None:
    assert lines(UnsafeDeserialization, code)


def test_doctest_lines_are_not_code() -> None:
    doc = HF + 'def f():\n    """\n    >>> AutoModel.from_pretrained("o/m")\n    """\n'
    assert not UnpinnedModelDownload.text_screen(ScreenText(doc))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("import os, transformers\n", True),
        ("import os, \\\n    transformers as T\n", True),
        ("from transformers.pipelines import pipeline\n", True),
        ("from transformers import (\n    pipeline,\n)\n", True),
        ("import transformers_extra\n", False),
        ("from .pipelines import pipeline  # transformers\n", False),
        ("import importlib\nx = 'transformers'\n", False),
    ],
)
def test_imports_module(text: str, expected: bool) -> None:
    assert imports_module(text, "transformers") is expected
