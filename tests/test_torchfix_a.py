"""MLT001-MLT005, TorchFix parity part A: removed and deprecated APIs, `require_grad`,
`checkpoint` without `use_reentrant`, private collate imports, and version guards."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from ml_policy.config import Settings
from ml_policy.diagnostics import Applicability, Diagnostic
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import Rule
from ml_policy.rules.torchfix.checkpoint_use_reentrant import CheckpointUseReentrant
from ml_policy.rules.torchfix.deprecated_function import DeprecatedFunction
from ml_policy.rules.torchfix.deprecations import DEPRECATED, PRIVATE_ALIASES, REMOVED
from ml_policy.rules.torchfix.private_collate import PrivateCollate
from ml_policy.rules.torchfix.removed_function import RemovedFunction
from ml_policy.rules.torchfix.require_grad_typo import RequireGradTypo

SETTINGS = Settings(root=Path.cwd())
RULES: list[type[Rule]] = [
    RemovedFunction,
    RequireGradTypo,
    CheckpointUseReentrant,
    DeprecatedFunction,
    PrivateCollate,
]


def lint(code: str, rule: type[Rule]) -> list[Diagnostic]:
    source = textwrap.dedent(code)
    found = lint_bytes(Path("train.py"), source.encode(), SETTINGS, [rule])
    assert all(d.code == rule.code for d in found), found
    if found:  # a file with findings is never dropped by the cheap stages
        assert screened(source, rule)
    return found


def lines(code: str, rule: type[Rule]) -> list[int]:
    return [d.line for d in lint(code, rule)]


def screened(code: str, rule: type[Rule]) -> bool:
    """Whether the text triggers, the text screen and the stdlib-ast screen let the file through."""
    tree = ast.parse(code)
    return (
        any(t in code for t in rule.triggers)
        and rule.text_screen(ScreenText(code))
        and rule.screen(tree)
    )


def fixed(code: str, rule: type[Rule]) -> str:
    """The file with the fix of its one finding applied."""
    source = textwrap.dedent(code)
    (diagnostic,) = lint(source, rule)
    assert diagnostic.fix is not None
    rows = source.splitlines(keepends=True)
    starts = [sum(len(row) for row in rows[:number]) for number in range(len(rows) + 1)]
    for edit in sorted(diagnostic.fix.edits, key=lambda e: (e.line, e.column), reverse=True):
        start = starts[edit.line - 1] + edit.column - 1
        end = starts[edit.end_line - 1] + edit.end_column - 1
        source = source[:start] + edit.content + source[end:]
    return source


def test_codes_names_and_torchfix_codes() -> None:
    assert [(r.code, r.name) for r in RULES] == [
        ("MLT001", "removed-torch-function"),
        ("MLT002", "require-grad-typo"),
        ("MLT003", "checkpoint-without-use-reentrant"),
        ("MLT004", "deprecated-torch-function"),
        ("MLT005", "private-collate-import"),
    ]
    for rule in RULES:
        for torchfix_code in rule.torchfix_codes:
            assert f"TorchFix: {torchfix_code}" in (rule.__doc__ or "") or torchfix_code in (
                rule.__doc__ or ""
            )


def test_tables_do_not_overlap() -> None:
    assert not set(REMOVED) & set(DEPRECATED)
    assert not set(DEPRECATED) & set(PRIVATE_ALIASES)


# --- version guards (every rule uses them) -----------------------------------------------

GUARDED = {
    "version if": """
        import torch
        if version.parse(torch.__version__) < version.parse("2.4"):
            s = torch.cuda.amp.GradScaler()
        """,
    "else branch": """
        import torch
        if _TORCH_GREATER_EQUAL_2_4:
            s = torch.amp.GradScaler("cuda")
        else:
            s = torch.cuda.amp.GradScaler()
        """,
    "upper-case torch flag": """
        import torch
        if not _TORCH_GRAD_SCALER_HAS_DEVICE:
            from torch.cuda.amp import GradScaler
        """,
    "hasattr": """
        import torch
        if not hasattr(torch, "amp"):
            s = torch.cuda.amp.GradScaler()
        """,
    "version string": """
        import torch
        if is_torch_greater_or_equal("2.4"):
            pass
        else:
            s = torch.cuda.amp.GradScaler()
        """,
    "conditional expression": """
        import torch
        s = torch.amp.GradScaler("cuda") if hasattr(torch, "amp") else torch.cuda.amp.GradScaler()
        """,
    "early return": """
        import torch
        def scaler():
            if hasattr(torch.amp, "GradScaler"):
                return torch.amp.GradScaler("cuda")
            return torch.cuda.amp.GradScaler()
        """,
    "try ImportError body": """
        try:
            from torch.cuda.amp import GradScaler
        except ImportError:
            GradScaler = None
        """,
    "AttributeError handler": """
        import torch
        try:
            s = torch.amp.GradScaler("cuda")
        except (TypeError, AttributeError):
            s = torch.cuda.amp.GradScaler()
        """,
    "except Exception fallback": """
        import torch
        try:
            s = torch.amp.GradScaler("cuda")
        except Exception:
            s = torch.cuda.amp.GradScaler()
        """,
    "overridden default": """
        import torch
        from torch import nn
        weight_norm = nn.utils.weight_norm
        if hasattr(nn.utils.parametrizations, "weight_norm"):
            weight_norm = nn.utils.parametrizations.weight_norm
        """,
    "default overridden by a one-line if": """
        import torch
        from torch import nn
        weight_norm = nn.utils.weight_norm
        if hasattr(nn.utils, "parametrizations"): weight_norm = nn.utils.parametrizations.wn
        """,
    "rest of the block after a guarded elif that returns": """
        import torch
        def scaler(kind):
            if kind == "cpu":
                pass
            elif hasattr(torch, "amp"):
                return None
            return torch.cuda.amp.GradScaler()
        """,
    "rest of the block after a guard that returns": """
        import torch
        def scaler():
            if hasattr(torch, "amp"):
                return torch.amp.GradScaler("cuda")
            return torch.cuda.amp.GradScaler()
        """,
}


@pytest.mark.parametrize("code", GUARDED.values(), ids=GUARDED.keys())
def test_version_guarded_fallbacks_are_silent(code: str) -> None:
    assert lines(code, DeprecatedFunction) == []


NOT_GUARDED = {
    "device test": """
        import torch
        if torch.cuda.is_available():
            s = torch.cuda.amp.GradScaler()
        """,
    "other exception": """
        import torch
        try:
            s = torch.cuda.amp.GradScaler()
        except ValueError:
            s = None
        """,
    "body of an except-Exception try": """
        import torch
        try:
            s = torch.cuda.amp.GradScaler()
        except Exception:
            s = None
        """,
    "after a guard that does not leave": """
        import torch
        def scaler():
            if hasattr(torch, "amp"):
                print("new")
            return torch.cuda.amp.GradScaler()
        """,
    "after the guarded block ends": """
        import torch
        def old():
            if hasattr(torch, "amp"):
                return None
        s = torch.cuda.amp.GradScaler()
        """,
    "except-star fallback (not a guard)": """
        import torch
        try:
            s = None
        except* Exception:
            s = torch.cuda.amp.GradScaler()
        """,
    "concatenated string in the test (not a version)": """
        import torch
        if release == "2." "4":
            s = torch.cuda.amp.GradScaler()
        """,
    "default not overridden by the next if": """
        import torch
        from torch import nn
        weight_norm = nn.utils.weight_norm
        if hasattr(nn.utils.parametrizations, "weight_norm"):
            other = 1
        """,
}


@pytest.mark.parametrize("code", NOT_GUARDED.values(), ids=NOT_GUARDED.keys())
def test_unguarded_uses_are_reported(code: str) -> None:
    assert len(lint(code, DeprecatedFunction)) == 1


# --- MLT001 removed functions ------------------------------------------------------------


def test_removed_message_names_the_replacement() -> None:
    (d,) = lint("import torch\nx, _ = torch.solve(b, A)\n", RemovedFunction)
    assert d.message == (
        "`torch.solve` has been removed from PyTorch: use `torch.linalg.solve(A, B)` "
        "(the arguments are swapped and only the solution is returned)"
    )
    assert d.fix is None  # not a rename: no fix


def test_removed_through_aliases_and_from_imports() -> None:
    code = """
        import torch as th
        from torch import symeig as eigh_old
        import torch.linalg

        w = eigh_old(A)
        r = th.matrix_rank(A)
        e = torch.eig(A)
        """
    # The from-import at its line only (not again at the call), the attribute chains each.
    assert lines(code, RemovedFunction) == [3, 7, 8]


def test_removed_methods_assignments_and_other_modules_are_silent() -> None:
    code = """
        import torch
        import numpy as np

        torch.symeig = lambda a, eigenvectors=False: torch.linalg.eigh(a)
        w = A.symeig()
        x = np.linalg.solve(A, b)
        y = scipy.linalg.solve(A, b)
        """
    assert lines(code, RemovedFunction) == []


def test_removed_import_of_several_names_is_one_finding() -> None:
    (d,) = lint("from torch import lstsq, solve, zeros\n", RemovedFunction)
    assert "`torch.lstsq`" in d.message
    assert "`torch.solve`" in d.message


def test_relative_and_star_imports_are_silent() -> None:
    assert lines("from .torch import solve\nfrom torch import *\n", RemovedFunction) == []


# --- MLT002 require_grad ------------------------------------------------------------------


def test_require_grad_chained_assignment_reports_each_target() -> None:
    code = """
        import torch
        a.require_grad = b.require_grad = False
        """
    assert lines(code, RequireGradTypo) == [3, 3]


def test_require_grad_fix_renames_the_attribute() -> None:
    code = """
        import torch
        for p in model.parameters():
            p.require_grad = False
        """
    (d,) = lint(code, RequireGradTypo)
    assert d.fix is not None
    assert d.fix.applicability is Applicability.UNSAFE
    assert "p.requires_grad = False" in fixed(code, RequireGradTypo)


@pytest.mark.parametrize(
    "code",
    [
        "import torch\nm.require_grad = True\nif m.require_grad:\n    pass\n",
        "import torch\ndef f(require_grad=True):\n    m.require_grad = require_grad\n",
        "import torch\nm.require_grad = True\nbuild(require_grad=False)\n",
        "import numpy\nm.require_grad = True\n",
        "import torch\nif hasattr(torch, 'x'):\n    m.require_grad = True\n",
    ],
    ids=["read", "parameter", "keyword", "no torch", "guarded"],
)
def test_require_grad_as_a_project_name_is_silent(code: str) -> None:
    assert lines(code, RequireGradTypo) == []


# --- MLT003 checkpoint ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from torch.utils.checkpoint import checkpoint as ckpt\ny = ckpt(f, x)\n", [2]),
        ("import torch\ny = torch.utils.checkpoint.checkpoint(f, *xs)\n", [2]),
        ("from torch.utils import checkpoint\ny = checkpoint.checkpoint(f, x)\n", [2]),
        ("import torch\ny = torch.utils.checkpoint.checkpoint(f, x, use_reentrant=True)\n", []),
        ("import torch\ny = torch.utils.checkpoint.checkpoint(f, x, **kw)\n", []),
        ("import torch\ny = torch.utils.checkpoint.checkpoint_sequential(f, 2, x)\n", []),
        (
            "from fairscale.nn.checkpoint import checkpoint_wrapper as checkpoint\n"
            "y = checkpoint(f)\n",
            [],
        ),
    ],
    ids=["aliased", "star-args", "module import", "passed", "kwargs", "sequential", "other"],
)
def test_checkpoint_calls(code: str, expected: list[int]) -> None:
    assert lines(code, CheckpointUseReentrant) == expected


def test_checkpoint_fix_appends_use_reentrant_false() -> None:
    code = "from torch.utils.checkpoint import checkpoint\ny = checkpoint(f, x)\n"
    assert fixed(code, CheckpointUseReentrant).endswith(
        "y = checkpoint(f, x, use_reentrant=False)\n"
    )


# --- MLT004 deprecated APIs -----------------------------------------------------------------


def test_amp_through_a_module_alias_and_decorators() -> None:
    code = """
        from torch.cuda import amp
        import torch

        with amp.autocast(enabled=True):
            pass

        @torch.cuda.amp.custom_fwd
        def forward(ctx, x):
            return x
        """
    found = lint(code, DeprecatedFunction)
    assert [d.line for d in found] == [5, 8]
    assert found[0].message == (
        '`torch.cuda.amp.autocast` is deprecated: use `torch.amp.autocast("cuda", ...)` '
        "(deprecated since PyTorch 2.4)"
    )
    assert all(d.fix is None for d in found)  # a new device argument: not a rename


def test_annotations_are_not_uses() -> None:
    code = """
        import torch
        from typing import Optional

        class Trainer:
            scaler: Optional[torch.cuda.amp.GradScaler] = None

            def make(self) -> torch.cuda.amp.GradScaler:
                return self.scaler
        """
    assert lines(code, DeprecatedFunction) == []


def test_ger_fix_keeps_the_alias() -> None:
    code = "import torch as th\np = th.ger(a, b)\n"
    assert fixed(code, DeprecatedFunction) == "import torch as th\np = th.outer(a, b)\n"


def test_functorch_import_fix_moves_the_module() -> None:
    code = "from functorch import grad, vmap as batched\n"
    (d,) = lint(code, DeprecatedFunction)
    assert d.fix is not None
    assert d.fix.applicability is Applicability.SAFE
    assert d.fix.message == "Import from `torch.func`"
    assert fixed(code, DeprecatedFunction) == "from torch.func import grad, vmap as batched\n"


def test_functorch_import_with_a_name_that_did_not_move_has_no_fix() -> None:
    (d,) = lint("from functorch import vmap, make_functional\n", DeprecatedFunction)
    assert d.fix is None
    assert "`functorch.make_functional`" in d.message


def test_functorch_attribute_fix_needs_an_imported_torch() -> None:
    with_torch = "import functorch\nimport torch\ny = functorch.vmap(f)(x)\n"
    assert fixed(with_torch, DeprecatedFunction).endswith("y = torch.func.vmap(f)(x)\n")
    (d,) = lint("import functorch\ny = functorch.vmap(f)(x)\n", DeprecatedFunction)
    assert d.fix is None


def test_tensor_methods_and_linalg_are_silent() -> None:
    code = """
        import torch
        n = x.norm(dim=-1)
        u, s, vh = torch.linalg.svd(a)
        r = torch.arange(10)
        """
    assert lines(code, DeprecatedFunction) == []


def test_deprecated_class_through_its_submodule() -> None:
    code = "from torch.nn.modules.upsampling import UpsamplingNearest2d\n"
    assert lines(code, DeprecatedFunction) == [1]  # torch.nn.modules.* is torch.nn.*
    assert lines(
        "import torch\nu = torch.nn.modules.UpsamplingBilinear2d(2)\n", DeprecatedFunction
    ) == [2]


# --- MLT005 private collate ------------------------------------------------------------------


def test_private_collate_import_fix() -> None:
    code = "from torch.utils.data._utils.collate import default_collate as dc\n"
    assert fixed(code, PrivateCollate) == "from torch.utils.data import default_collate as dc\n"


def test_private_collate_import_with_other_names_has_no_fix() -> None:
    (d,) = lint(
        "from torch.utils.data._utils.collate import collate, default_convert\n", PrivateCollate
    )
    assert d.fix is None


def test_private_collate_attribute_fix() -> None:
    code = "import torch\nf = torch.utils.data._utils.collate.default_collate\n"
    assert fixed(code, PrivateCollate).endswith("f = torch.utils.data.default_collate\n")


def test_public_collate_is_silent() -> None:
    code = """
        from torch.utils.data import default_collate
        from torch.utils.data.dataloader import default_convert
        from torch.utils.data._utils.collate import collate, default_collate_fn_map
        """
    assert lines(code, PrivateCollate) == []


# --- screens ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (RemovedFunction, "import torch\nx = torch.linalg.solve(A, b)\n"),
        (DeprecatedFunction, "import torch\nn = x.norm()\nr = range(3)\n"),
        (
            CheckpointUseReentrant,
            "from torch.utils.checkpoint import checkpoint\n"
            "checkpoint(f, x, use_reentrant=False)\n",
        ),
        (RequireGradTypo, "import torch\np.requires_grad = False\n"),
        (PrivateCollate, "from torch.utils.data import default_collate\n"),
    ],
)
def test_clean_files_are_cleared_before_libcst(rule: type[Rule], code: str) -> None:
    assert not screened(code, rule)


def test_text_screens_read_a_comment_of_hashes_in_linear_time() -> None:
    """A comment after a dot was once matchable in 2**n ways (`#` then `#...`): a banner
    comment such as liger-kernel's hung the lint run. Forty of them must be read at once."""
    text = "x = 1.  #" + "#" * 40 + "\ny = solve\n"
    assert not RemovedFunction.text_screen(ScreenText(text))
    assert not DeprecatedFunction.text_screen(ScreenText(text.replace("solve", "ger")))


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("torch==2.1.0", [3]),  # `torch.cuda.amp` is the API there; `torch.norm` is not
        ("torch<2.4", [3]),
        ("torch==2.5.1", [2, 3]),
        ("torch>=2.2", [2, 3]),  # may be 2.4 or later: reported
        ("", [2, 3]),  # no declared torch
    ],
)
def test_amp_names_follow_the_declared_torch(
    tmp_path: Path, requirement: str, expected: list[int]
) -> None:
    (tmp_path / "requirements.txt").write_text(requirement + "\n")
    code = "import torch\nscaler = torch.cuda.amp.GradScaler()\nn = torch.norm(x)\n"
    settings = Settings(root=tmp_path)
    found = lint_bytes(tmp_path / "train.py", code.encode(), settings, [DeprecatedFunction])
    assert [d.line for d in found] == expected
    from_import = "from torch.cuda.amp import autocast\n"
    found = lint_bytes(tmp_path / "amp.py", from_import.encode(), settings, [DeprecatedFunction])
    assert [d.line for d in found] == ([1] if 2 in expected else [])
