"""The lint rules beyond their documented examples (those run in test_rule_examples.py):
text triggers, and the MLP001 / MLP003 boundaries the precision review found."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import notebook

from ml_policy.config import Settings
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.rule import Rule
from ml_policy.rules import ALL_RULES
from ml_policy.rules.data_loading import DataLoaderPinMemory, SynchronousDataLoader


def findings(rule: type[Rule], code: str, name: str = "example.py") -> list[int]:
    settings = Settings(root=Path.cwd())
    diagnostics = lint_bytes(Path(name), code.encode(), settings, [rule])
    assert all(d.code in {rule.code, "MLE001"} for d in diagnostics)
    assert not [d for d in diagnostics if d.code == "MLE001"], diagnostics
    return [d.line for d in diagnostics]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_lint_rules_name_their_text_triggers(rule: type[Rule]) -> None:
    """The pre-filter's first test; the rest of a rule's metadata: test_rule_examples.py."""
    assert rule.triggers


# --- MLP001 / MLP003 boundaries found by the precision review (benchmarks/precision.md) ---------

TABLE = """\
import torch
from torch.utils.data import DataLoader, Dataset


class Table(Dataset):
    def __init__(self, rows):
        self.data = torch.tensor(rows)
        self.labels = [row[0] for row in rows]

    def __getitem__(self, index):
        start = index * 2
        return self.data[start : start + 2], self.labels[index]
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # lightning's BoringDataModule: in-memory data (or a Subset of it) kept on `self`
        (
            "from torch.utils.data import Subset\nclass M:\n    def __init__(self):\n"
            "        self.full = Table()\n    def setup(self):\n"
            "        self.train = Subset(self.full, range(8))\n"
            "    def loader(self):\n        return DataLoader(self.train)\n",
            [],
        ),
        ("from torch.utils.data import Subset\nloader = DataLoader(Subset(ds, [1]))\n", [14]),
        (
            "class M:\n    def setup(self):\n        self.train = Table()\n"
            "    def loader(self):\n        return DataLoader(self.train)\n",
            [],
        ),
        ("loader = DataLoader([])\n", []),  # sentence-transformers: an empty evaluation loader
        ("loader = DataLoader((x, y), batch_size=2)\n", []),
        ("def f(train):\n    return DataLoader(train)\n", [14]),  # unknown origin
        ("other = Table()\nloader = DataLoader(self.other)\n", [14]),  # not the same binding
        ("class Table:\n    pass\n\n\nloader = DataLoader(Table())\n", [17]),  # defined twice
        (
            "class Lazy(Dataset):\n    def __getitem__(self, i):\n        return load(i)\n\n\n"
            "loader = DataLoader(Lazy())\n",
            [18],
        ),
        # a memory map is read from disk when indexed
        (
            "import numpy as np\nclass Frames(Dataset):\n    def __init__(self, path):\n"
            "        self.x = np.load(path, mmap_mode='r')\n"
            "    def __getitem__(self, i):\n        return self.x[i]\n"
            "loader = DataLoader(Frames(p))\n",
            [19],
        ),
        # fairseq's FilterNamesDataset: indexing a wrapped dataset runs its code
        (
            "class Filter(Dataset):\n    def __init__(self, base):\n        self.base = base\n"
            "    def __getitem__(self, i):\n        return self.base[i]\n"
            "loader = DataLoader(Filter(ds))\n",
            [18],
        ),
        ("ds = Table()\nds = Inference(ds)\nloader = DataLoader(ds)\n", [15]),  # rebound
        ("ds = Table()\nloader = DataLoader(ds)\n", []),
        # Scopes (d2l): a name rebound in another function is another binding ...
        (
            "def a(t):\n    ds = Table(t)\n    return DataLoader(ds)\n"
            "def b():\n    ds = Folder()\n    return DataLoader(ds)\n",
            [18],
        ),
        # ... a closure sees its enclosing function's binding ...
        ("def a(t):\n    ds = Table(t)\n    def b():\n        return DataLoader(ds)\n", []),
        # ... and `self.x` is the class's attribute, not another class's.
        (
            "class A:\n    def setup(self):\n        self.ds = Table()\n"
            "class B:\n    def setup(self):\n        self.ds = Folder()\n"
            "    def loader(self):\n        return DataLoader(self.ds)\n",
            [20],
        ),
    ],
)
def test_mlp001_in_memory_datasets(code: str, expected: list[int]) -> None:
    assert findings(SynchronousDataLoader, TABLE + code) == expected


LOADER = "from torch.utils.data import DataLoader\n"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # an explicit 0 is a decision: by keyword, positionally, aliased
        ("loader = DataLoader(ds, num_workers=0)\n", []),
        ("loader = DataLoader(ds, 8, False, None, None, 0)\n", []),
        ("import torch.utils.data as tud\nloader = tud.DataLoader(ds, num_workers=0)\n", []),
        ("loader = DataLoader(ds, num_workers=0 if debug else 8)\n", []),
        ("loader = DataLoader(ds, 8, False, None, None)\n", [2]),  # five: no num_workers
        ("loader = DataLoader(ds, batch_size=8, pin_memory=True)\n", [2]),
        # measured only: its length, never a batch
        ("steps = len(DataLoader(ds, batch_size=8)) * epochs\n", []),
        ("def f():\n    loader = DataLoader(ds)\n    return len(loader)\n", []),
        (
            "def f():\n    loader = DataLoader(ds)\n    n = len(loader)\n    print(len(loader))\n",
            [],
        ),
        # ... a module's name may be iterated by a module importing it, or a notebook cell
        # that is not read (`%%time`)
        ("loader = DataLoader(ds)\nn = len(loader)\n", [2]),
        # ... but any other use draws batches, or may
        (
            "def f():\n    loader = DataLoader(ds)\n    n = len(loader)\n    for b in loader:\n"
            "        pass\n",
            [3],
        ),
        ("def f():\n    loader = DataLoader(ds)\n    n = len(loader)\n    train(loader)\n", [3]),
        ("def f():\n    loader = DataLoader(ds)\n    len(loader)\n    return loader\n", [3]),
        ("loader = DataLoader(ds)\n", [2]),  # never used: as before
        ("def f():\n    loader = DataLoader(ds)\n    len(loader)\n    loader = x\n", [3]),
        # the same name elsewhere in the file (conservative: another scope may share it)
        (
            "def f():\n    loader = DataLoader(ds)\n    return len(loader)\n"
            "def g(loader):\n    return next(iter(loader))\n",
            [3],
        ),
        ("def f(self):\n    loader = DataLoader(ds)\n    self.loader = len(loader)\n", [3]),
        ("def f():\n    a = b = DataLoader(ds)\n    return len(a)\n", [3]),  # two names
        ("n = sum(1 for _ in DataLoader(ds))\n", [2]),
        ("def len(x):\n    return 0\nn = len(DataLoader(ds))\n", [4]),  # not the builtin
        ("n = len(DataLoader(ds), 1)\n", [2]),
    ],
)
def test_mlp001_explicit_zero_and_measured_loaders(code: str, expected: list[int]) -> None:
    assert findings(SynchronousDataLoader, LOADER + code) == expected


def test_mlp001_follows_no_notebook_name_into_a_cell_it_cannot_read() -> None:
    """peft's LoRA notebooks: `len(train_dataloader)` in one cell, the loop in a `%%time` cell."""
    cells = [
        LOADER + "train_dataloader = DataLoader(ds, batch_size=8)\n",
        "steps = len(train_dataloader) * epochs\n",
        "%%time\nfor batch in train_dataloader:\n    step(batch)\n",
    ]
    code = notebook(*(("code", cell) for cell in cells))
    assert findings(SynchronousDataLoader, code, "train.ipynb") == [2]


def test_in_memory_dataset_still_wants_pinned_memory() -> None:
    code = TABLE + "loader = DataLoader(Table(), num_workers=2)\nx = next(iter(loader)).cuda()\n"
    assert findings(DataLoaderPinMemory, code) == [13]


@pytest.mark.parametrize("rule", [SynchronousDataLoader, DataLoaderPinMemory])
@pytest.mark.parametrize(
    ("name", "reported"),
    [
        ("src/accelerate/test_utils/training.py", False),  # test helpers shipped in a package
        ("pkg/testing_utils/loaders.py", False),
        ("tests/data.py", False),
        ("examples/train.py", True),
        ("pkg/test_utils.py", False),  # test_*.py
        ("pkg/my_test_utils/train.py", True),
    ],
)
def test_loaders_in_test_helpers_are_skipped(rule: type[Rule], name: str, reported: bool) -> None:
    code = "from torch.utils.data import DataLoader\nloader = DataLoader(ds)\nx = batch.cuda()\n"
    assert findings(rule, code, name) == ([2] if reported else [])


def test_cache_contexts_name_lint_rules_and_load() -> None:
    """What a verdict reads beyond its file joins the cache key (tests/test_cache.py shows
    it for MLS001's torch pin); each entry names a lint rule and a function that loads."""
    from ml_policy import registry

    for code, spec in registry.CACHE_CONTEXTS.items():
        assert code in registry.family("lint").rules
        assert callable(registry.load(spec))
