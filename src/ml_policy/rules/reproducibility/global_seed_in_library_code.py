"""MLR001: a function that reseeds a global random number generator as a side effect."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.lint.calls import ast_calls_to, calls_in
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope, ScopedRule
from ml_policy.lint.spelled import may_use
from ml_policy.rules.data_loading.dataloaders import is_test_code
from ml_policy.rules.reproducibility.seeds import GLOBAL_SEEDS, has_main_block
from ml_policy.rules.training_loops.loops import body_nodes, method

# Functions (and classes) whose job is seeding: a seeding helper, a worker init, an entry point.
SEEDING_PLACE = re.compile(
    r"seed|worker_init|init_worker|init_fn|^_?main|reproduc|determinis|rng|random_state"
    r"|setup|_cli$|^init_(?:accelerator|distributed|process)|launch",
    re.IGNORECASE,
)
# Calls that save or restore a generator's state: the reseed is undone.
STATE_CALLS = frozenset(
    {
        "get_state",
        "getstate",
        "set_state",
        "setstate",
        "get_rng_state",
        "get_rng_state_all",
        "set_rng_state",
        "set_rng_state_all",
        "fork_rng",
    }
)


class GlobalSeedInLibraryCode(ScopedRule):
    """## What it does
    Checks for calls that reseed a global random number generator
    (`np.random.seed`, `random.seed`, `torch.manual_seed`,
    `torch.cuda.manual_seed`, `torch.cuda.manual_seed_all`) inside a function
    whose job is not seeding.

    ## Why is this bad?
    The global generators belong to the program. A function that reseeds one
    as a side effect (a dataset's `__init__`, an augmentation, a model's
    forward pass) makes every random number drawn after it in the whole
    program repeat the same sequence: every epoch sees the same "random"
    crops, every worker the same noise, and a caller's own seeding is
    silently overridden. Use a local generator instead:
    `np.random.default_rng(seed)`, `random.Random(seed)`,
    `torch.Generator().manual_seed(seed)`.

    Silent in functions (or classes) whose name says they seed (`seed`,
    `set_seed`, `seed_everything`, `worker_init_fn`, `init_worker`, `main`,
    `reproducibility`, `deterministic`, `rng`, `setup`, `*_cli`, `launch`),
    in lambdas (`worker_init_fn=lambda i: np.random.seed(i)`), in functions that save and
    restore the generator's state (`get_state`/`set_state`,
    `getstate`/`setstate`, `get_rng_state`/`set_rng_state`, `fork_rng`), at
    module level (a script's own seeding), in scripts with an
    `if __name__ == "__main__":` block, and in tests.

    ## Example
    ```python
    class RandomCrop:
        def __call__(self, image, seed):
            np.random.seed(seed)
            return crop(image, np.random.randint(0, 32))
    ```

    ## Use instead
    ```python
    class RandomCrop:
        def __call__(self, image, seed):
            rng = np.random.default_rng(seed)
            return crop(image, rng.integers(0, 32))
    ```

    ## References
    - [NumPy: random number generation, the `Generator`](https://numpy.org/doc/stable/reference/random/generator.html)
    - [NEP 19: random number generator policy](https://numpy.org/neps/nep-0019-rng-policy.html)
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    """

    code = "MLR001"
    name = "global-seed-in-library-code"
    summary = "Function reseeds a global random number generator as a side effect"
    triggers: ClassVar[tuple[str, ...]] = ("seed",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import numpy as np
        import torch


        def set_seed(seed):
            np.random.seed(seed)
            torch.manual_seed(seed)
        """,
        """
        import numpy as np


        def worker_init_fn(worker_id):
            np.random.seed(1234 + worker_id)
        """,
        """
        import numpy as np


        def sample(seed):
            state = np.random.get_state()
            np.random.seed(seed)
            values = np.random.rand(3)
            np.random.set_state(state)
            return values
        """,
        """
        import random

        random.seed(0)
        """,
        """
        import torch


        def train(args):
            torch.manual_seed(args.seed)


        if __name__ == "__main__":
            train(parse())
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import numpy as np


        class Augment:
            def __call__(self, x, seed):
                np.random.seed(seed)  # error
                return x + np.random.rand(*x.shape)
        """,
        """
        from numpy import random as npr
        from torch import manual_seed


        def forward(self, x):
            npr.seed(self.step)  # error
            manual_seed(0)  # error
            return x
        """,
    )

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_code(path)

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return any(may_use(text.raw, name) for name in GLOBAL_SEEDS)  # not `self.seed`

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return (
            ast_calls_to(context, *GLOBAL_SEEDS)
            and not has_main_block(context)
            and _seeds_in_a_def(context)
        )

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        # The verdict reads the call, the defs and classes around it and the def's body.
        return calls_in(context, *GLOBAL_SEEDS)

    def visit_Call(self, node: cst.Call) -> None:
        if self.resolve(node.func) not in GLOBAL_SEEDS:
            return
        if self.scope.kind == "lambda":
            return  # `worker_init_fn=lambda worker: np.random.seed(...)`
        function = self.scope.function()
        if function is None or not isinstance(function.node, cst.FunctionDef):
            return  # module level: the script's own seeding
        if _seeding_place(self.scope) or _saves_state(function.node):
            return
        self.report(node, _message(self.resolve(node.func) or "seed"))


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# (node, innermost scope kind, inside a def, inside a def or class named like a seeding place)
_Visit = tuple[ast.AST, str, bool, bool]


def _seeds_in_a_def(context: FileContext) -> bool:
    """The verdict's places on the stdlib tree (the screen): a seeding call whose innermost
    scope is not a lambda, inside a def, with no def or class around it named like a
    seeding place. A superset: state saves are not looked for, comprehensions count
    whole as their own scope."""
    resolve = context.imports.resolve_ast
    stack: list[_Visit] = [(context.tree, "module", False, False)]
    while stack:
        node, kind, in_def, seeding = stack.pop()
        judged = kind != "lambda" and in_def and not seeding
        if judged and isinstance(node, ast.Call) and resolve(node.func) in GLOBAL_SEEDS:
            return True
        stack.extend(_children(node, kind, in_def, seeding))
    return False


def _children(node: ast.AST, kind: str, in_def: bool, seeding: bool) -> list[_Visit]:
    """The child nodes with the scope each runs in (a def's defaults and decorators run in
    the scope around it)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        named = seeding or SEEDING_PLACE.search(node.name) is not None
        inner = "class" if isinstance(node, ast.ClassDef) else "function"
        in_body = in_def or inner == "function"
        body = {id(child) for child in node.body}
        return [
            (child, inner, in_body, named) if id(child) in body else (child, kind, in_def, seeding)
            for child in ast.iter_child_nodes(node)
        ]
    if isinstance(node, ast.Lambda):
        return [(node.args, kind, in_def, seeding), (node.body, "lambda", in_def, seeding)]
    if isinstance(node, _COMPREHENSIONS):
        kind = "comprehension"
    return [(child, kind, in_def, seeding) for child in ast.iter_child_nodes(node)]


def _seeding_place(scope: Scope | None) -> bool:
    """Whether a def or class around the call is named like a seeding helper."""
    while scope is not None and scope.kind != "module":
        node = scope.node
        if isinstance(node, cst.FunctionDef | cst.ClassDef) and SEEDING_PLACE.search(
            node.name.value
        ):
            return True
        scope = scope.parent
    return False


def _saves_state(function: cst.FunctionDef) -> bool:
    """Whether the function saves or restores a generator's state around the reseed."""
    return any(
        isinstance(node, cst.Call) and (method(node) or _name(node)) in STATE_CALLS
        for node in body_nodes(function)
    )


def _name(call: cst.Call) -> str | None:
    return call.func.value if isinstance(call.func, cst.Name) else None


def _message(function: str) -> str:
    short = function.replace("numpy.", "np.")
    return (
        f"`{short}` reseeds a global generator for the whole program as a side effect: every "
        "random number drawn after it repeats; use a local generator "
        "(`np.random.default_rng(seed)`, `torch.Generator().manual_seed(seed)`)"
    )
