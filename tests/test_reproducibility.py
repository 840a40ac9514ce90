"""MLR001 and MLR002: global generators reseeded as a side effect, shuffles left unseeded."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import marked

from ml_policy.config import Settings
from ml_policy.diagnostics import Diagnostic
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.rule import Rule
from ml_policy.rules.reproducibility import GlobalSeedInLibraryCode, UnseededShuffle

SETTINGS = Settings(root=Path.cwd())


def lint(rule: type[Rule], code: str, name: str = "lib.py") -> list[Diagnostic]:
    code = textwrap.dedent(code)
    diagnostics = lint_bytes(Path(name), code.encode(), SETTINGS, [rule])
    assert all(d.code == rule.code for d in diagnostics), diagnostics
    return diagnostics


def lines(rule: type[Rule], code: str, name: str = "lib.py") -> list[int]:
    return [d.line for d in lint(rule, code, name)]


def check(rule: type[Rule], code: str) -> None:
    code = textwrap.dedent(code)
    assert lines(rule, code) == marked(code)


# --- MLR001 global-seed-in-library-code ---------------------------------------------------


def test_global_seed_message() -> None:
    (diagnostic,) = lint(GlobalSeedInLibraryCode, GlobalSeedInLibraryCode.examples("invalid")[0])
    assert (diagnostic.line, diagnostic.column) == (6, 9)
    assert diagnostic.message.startswith("`np.random.seed` reseeds a global generator")


@pytest.mark.parametrize(
    "code",
    [
        # the case: a training-only reseed in a forward pass
        """
        import numpy as np

        class Attention:
            def forward(self, x, seed):
                if self.training:
                    np.random.seed(seed)  # error
        """,
        # torch.cuda and torch.random spellings, `import numpy` without an alias
        """
        import numpy
        import torch

        def build(cfg):
            torch.cuda.manual_seed_all(cfg.seed)  # error
            torch.random.manual_seed(1)  # error
            numpy.random.seed(seed=2)  # error
        """,
    ],
)
def test_global_seed_reported(code: str) -> None:
    check(GlobalSeedInLibraryCode, code)


@pytest.mark.parametrize(
    "code",
    [
        # seeding helpers and places, by the def's or the class's name
        """
        import random

        class Seeder:
            def apply(self):
                random.seed(0)

        def setup_distributed(rank):
            random.seed(rank)

        def run_cli():
            random.seed(0)
        """,
        # fork_rng around the reseed
        """
        import torch

        def sample(seed):
            with torch.random.fork_rng():
                torch.manual_seed(seed)
        """,
        # a lambda given as worker_init_fn
        """
        import numpy as np

        def make(ds):
            return DataLoader(ds, worker_init_fn=lambda i: np.random.seed(i))
        """,
        # a local generator, and a `seed` that is not the global one
        """
        import numpy as np

        def sample(seed):
            rng = np.random.default_rng(seed)
            env.seed(seed)
            np.random.RandomState(seed)
        """,
    ],
)
def test_global_seed_silent(code: str) -> None:
    assert lines(GlobalSeedInLibraryCode, code) == []


def test_global_seed_skips_tests_and_scripts() -> None:
    code = GlobalSeedInLibraryCode.examples("invalid")[0]
    assert lines(GlobalSeedInLibraryCode, code, name="tests/test_aug.py") == []
    script = code + '\nif __name__ == "__main__":\n    Augment()(x, 0)\n'
    assert lines(GlobalSeedInLibraryCode, script) == []


# --- MLR002 unseeded-shuffle --------------------------------------------------------------


def test_unseeded_shuffle_message() -> None:
    (diagnostic,) = lint(UnseededShuffle, UnseededShuffle.examples("invalid")[1])
    assert diagnostic.message.startswith("`train_test_split` without `random_state=`")


@pytest.mark.parametrize(
    "code",
    [
        # fully qualified names, keyword `shuffle`
        """
        import torch

        a = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True)  # error
        b = torch.utils.data.random_split(ds, [8, 2])  # error
        """,
        # sklearn under its module
        """
        from sklearn import model_selection

        parts = model_selection.train_test_split(x, y, shuffle=True)  # error
        """,
    ],
)
def test_unseeded_shuffle_reported(code: str) -> None:
    check(UnseededShuffle, code)


@pytest.mark.parametrize(
    "code",
    [
        # any seeding call in the module
        """
        import lightning as L
        from torch.utils.data import DataLoader

        L.seed_everything(7)
        loader = DataLoader(ds, shuffle=True)
        """,
        # generator by position, shuffle not literal, splats
        """
        from torch.utils.data import DataLoader, random_split

        parts = random_split(ds, [8, 2], g)
        loader = DataLoader(ds, 4, True, None, None, 0, None, False, False, 0, None, None, g)
        other = DataLoader(ds, shuffle=flag)
        third = DataLoader(ds, *args)
        """,
        # train_test_split with **kwargs, or not shuffling
        """
        from sklearn.model_selection import train_test_split

        a = train_test_split(x, **options)
        b = train_test_split(x, shuffle=False)
        c = train_test_split(x, shuffle=flag)
        """,
    ],
)
def test_unseeded_shuffle_silent(code: str) -> None:
    assert lines(UnseededShuffle, code) == []


def test_unseeded_shuffle_skips_tests() -> None:
    code = UnseededShuffle.examples("invalid")[0]
    assert lines(UnseededShuffle, code, name="tests/test_data.py") == []
    assert lines(UnseededShuffle, code) == [3, 4]
