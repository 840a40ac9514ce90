"""MLD006 / MLD004 / MLD005 from install commands: the mapping of the command scanner's output.

Scans are built by hand (so the mapping is tested on its own) and read from
real Dockerfiles, scripts and notebooks through the scanner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import notebook
from test_deps_support import diagnostics, findings

from ml_policy.config import Settings
from ml_policy.deps.commands import CommandScan, IndexOption, InstallArg
from ml_policy.deps.installs import command_manifest
from ml_policy.deps.packages import ml_packages
from ml_policy.deps.rules import Policy, manifest_diagnostics
from ml_policy.diagnostics import Diagnostic

POLICY = Policy(Settings(root=Path()), ml_packages(["my-models"]))
FILE = Path("Dockerfile")


def scan_diagnostics(path: Path, scan: CommandScan, policy: Policy) -> list[Diagnostic]:
    """What the deps checker reports for a file whose commands scanned to `scan`."""
    return manifest_diagnostics(command_manifest(path, scan, policy), policy)


def _install(requirement: str, installer: str = "pip", literal: bool = True) -> InstallArg:
    end = 17 + len(requirement)
    return InstallArg(3, 17, 3, end, requirement=requirement, installer=installer, literal=literal)


def _codes(*installs: InstallArg, options: tuple[IndexOption, ...] = ()) -> list[str]:
    scan = CommandScan(tuple(installs), options)
    return [d.code for d in scan_diagnostics(FILE, scan, POLICY)]


@pytest.mark.parametrize(
    ("requirement", "installer", "reported"),
    [
        ("torch", "pip", True),
        ("torch>=2.1", "uv-pip", True),
        ("torch==2.*", "pip", True),
        ("torch[cuda]~=2.1", "pip", True),
        ("jax", "uv-add", True),
        ("my_models", "pip", True),  # from ml-packages, PEP 503 compared
        ("git+https://github.com/huggingface/transformers@main#egg=transformers", "pip", True),
        ("pytorch", "conda", True),
        ("pytorch=2.1", "conda", True),  # a prefix match
        ("pytorch>=2", "conda", True),
        ("torch==2.5.1", "pip", False),
        ("torch==2.5.1+cpu", "uv-pip", False),
        ("torch===2.5.1", "pip", False),
        ("git+https://github.com/huggingface/transformers@" + "c" * 40, "pip", False),
        ("pytorch=2.1.0", "conda", False),
        ("pytorch==2.1", "conda", False),
        ("pytorch=2.1.0=py3.11_cuda12.1_0", "conda", False),
        ("requests", "pip", False),
        (".", "pip", False),
        ("./packages/model", "pip", False),
        ("dist/torch-2.1.0-cp311-none-any.whl", "pip", False),
        ("torch>=", "pip", False),  # not a requirement we can read: silent
    ],
)
def test_install_argument(requirement: str, installer: str, reported: bool) -> None:
    assert _codes(_install(requirement, installer)) == (["MLD006"] if reported else [])


def test_expanded_arguments_are_silent() -> None:
    assert _codes(_install("torch", literal=False)) == []


def test_diagnostic_position_cell_and_message() -> None:
    argument = InstallArg(2, 7, 2, 12, cell=4, requirement="torch", installer="pip", literal=True)
    scan = CommandScan((argument,), ())
    (diagnostic,) = scan_diagnostics(Path("nb.ipynb"), scan, POLICY)
    assert (diagnostic.line, diagnostic.column, diagnostic.end_column, diagnostic.cell) == (
        2,
        7,
        12,
        4,
    )
    assert "`pip install torch`" in diagnostic.message
    assert "torch==X.Y.Z" in diagnostic.message


def test_conda_message_suggests_the_full_version() -> None:
    scan = CommandScan((_install("pytorch=2.1", "conda"),), ())
    (diagnostic,) = scan_diagnostics(FILE, scan, POLICY)
    assert "pytorch=X.Y.Z" in diagnostic.message


@pytest.mark.parametrize(
    ("option", "value", "reported"),
    [
        ("--extra-index-url", "https://download.pytorch.org/whl/cu121", True),
        ("PIP_EXTRA_INDEX_URL", "https://x.org/simple", True),
        ("--index-strategy", "unsafe-best-match", True),
        ("--index-strategy", "first-index", False),
        ("--index-url", "https://download.pytorch.org/whl/cu121", False),
        ("-i", "https://x.org/simple", False),
        ("--find-links", "https://x.org/wheels", False),
    ],
)
def test_index_options(option: str, value: str, reported: bool) -> None:
    options = (IndexOption(1, 5, 1, 30, option=option, value=value),)
    assert _codes(options=options) == (["MLD004"] if reported else [])


def test_torch_family_across_one_command() -> None:
    installs = (_install("torch==2.2.0"), _install("torchvision==0.16.0"))
    assert _codes(*installs) == ["MLD005"]


# --- through the real command scanner -------------------------------------------------------


def test_dockerfile(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim\n"
        "ARG TORCH=2.5.1\n"
        "RUN pip install --no-cache-dir torch==${TORCH} \\\n"
        "    transformers \\\n"
        "    numpy==1.26.4\n"
        "RUN pip install -r requirements.txt\n"
        "RUN pip install --extra-index-url https://download.pytorch.org/whl/cu121 torch==2.5.1\n"
    )
    assert findings(tmp_path, {"Dockerfile": dockerfile}) == [
        ("Dockerfile", 4, "MLD006"),
        ("Dockerfile", 7, "MLD004"),
    ]


def test_a_requirements_or_constraints_file_may_pin_the_arguments(tmp_path: Path) -> None:
    script = (
        "pip install -c constraints.txt onnxruntime\n"
        "python3 -m pip install --constraint=c.txt torch\n"
        "pip install -r requirements.txt transformers\n"
        "uv pip install --overrides o.txt torch\n"
        "conda install -c pytorch pytorch\n"  # conda's -c is a channel
        "pip install onnxruntime\n"
    )
    assert findings(tmp_path, {"install.sh": script}) == [
        ("install.sh", 5, "MLD006"),
        ("install.sh", 6, "MLD006"),
    ]


def test_shell_script_and_workflow(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n          python -m pip install -U pip\n          pip install torch\n"
    )
    files = {
        "scripts/install.sh": "#!/bin/bash\nset -e\nconda install -y pytorch=2.1 -c pytorch\n",
        ".github/workflows/ci.yml": workflow,
    }
    assert findings(tmp_path, files) == [
        (".github/workflows/ci.yml", 8, "MLD006"),
        ("scripts/install.sh", 3, "MLD006"),
    ]


def test_notebook_pip_magic(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Setup"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": ["import os\n", "%pip install -q timm==1.0.9 diffusers\n"],
        },
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    found = findings(tmp_path, {"train.ipynb": json.dumps(notebook)})
    assert found == [("train.ipynb", 2, "MLD006")]


def test_broken_notebook_is_mle001(tmp_path: Path) -> None:
    broken = '{"cells": [{"source": "%pip install torch"'
    found = findings(tmp_path, {"a.ipynb": broken, "requirements.txt": "torch\n"})
    assert [(name, code) for name, _, code in found] == [
        ("a.ipynb", "MLE001"),
        ("requirements.txt", "MLD001"),
    ]


# --- torchvision / torchaudio pinned through torch, VCS installs at a branch -----------------


@pytest.mark.parametrize(
    ("command", "reported"),
    [
        ("pip install torch==2.5.1 torchvision torchaudio", []),
        ("pip install torchvision torch==2.5.1+cu121", []),  # the pin may come after
        ("pip install torch===2.5.1 'torchvision>=0.15' torchaudio~=2.5", []),
        ("pip install torch==${TORCH_VERSION} torchvision", []),
        ('pip install "torch==$TORCH+cu118" torchaudio', []),
        ("uv pip install torch==2.5.1 torchvision", []),
        ("conda install -y pytorch=2.5.1 torchvision torchaudio -c pytorch", []),
        ("conda install -y pytorch=$VERSION torchvision -c pytorch", []),
        # not pinned through torch
        ("pip install torch torchvision", ["torch", "torchvision"]),
        ("pip install 'torch>=2.1' torchvision", ["torch>=2.1", "torchvision"]),
        ("pip install 'torch>=$V' torchvision", ["torchvision"]),
        ("pip install $TORCH torchvision", ["torchvision"]),  # any torch, perhaps none
        ("conda install -y pytorch=2.1 torchvision", ["pytorch=2.1", "torchvision"]),
        ("pip install torch==2.5.1 && pip install torchvision", ["torchvision"]),
        ("pip install torch==2.5.1; pip install torchaudio", ["torchaudio"]),
        ("pip install torch==2.5.1 timm", ["timm"]),  # only torch's own companions
        (
            "pip install torch==2.5.1 git+https://github.com/pytorch/vision@main#egg=torchvision",
            ["git+https://github.com/pytorch/vision@main#egg=torchvision"],
        ),
    ],
)
def test_companions_pinned_through_torch(tmp_path: Path, command: str, reported: list[str]) -> None:
    found = diagnostics_of(tmp_path, {"install.sh": command + "\n"})
    assert [_installed(d) for d in found] == reported


def test_companion_pin_holds_within_one_notebook_cell(tmp_path: Path) -> None:
    cells = ("%pip install torch==2.5.1 torchvision\n", "%pip install torchaudio\n")
    found = diagnostics_of(tmp_path, {"setup.ipynb": notebook(*(("code", c) for c in cells))})
    assert [(_installed(d), d.cell) for d in found] == [("torchaudio", 2)]


def test_an_exact_companion_stays_for_mld005(tmp_path: Path) -> None:
    command = "pip install torch==2.5.1 torchvision==0.16.0\n"
    found = diagnostics_of(tmp_path, {"install.sh": command})
    assert [d.code for d in found] == ["MLD005"]


def test_a_vcs_install_at_a_branch_beside_pinned_ones(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11\n"
        "RUN pip install --no-cache-dir torch==2.5.1 torchvision \\\n"
        '    "transformers @ git+https://github.com/huggingface/transformers.git@main" \\\n'
        "    git+https://github.com/huggingface/peft@master#egg=peft \\\n"
        "    'accelerate @ git+https://github.com/huggingface/accelerate@v1.0.0' \\\n"
        "    git+https://github.com/huggingface/diffusers@" + "a" * 40 + "#egg=diffusers \\\n"
        "    git+https://github.com/huggingface/datasets@main \\\n"
        "    numpy==1.26.4\n"
    )
    found = diagnostics_of(tmp_path, {"Dockerfile": dockerfile})
    assert [(d.line, d.code) for d in found] == [(3, "MLD006"), (4, "MLD006"), (5, "MLD006")]
    assert "a VCS URL at `@main`, a branch or tag that can move" in found[0].message
    assert "pin a full commit hash" in found[1].message
    # Line 6 is at a commit; line 7 names no package (no `name @`, no `#egg=`): silent.


def diagnostics_of(root: Path, files: dict[str, str]) -> list[Diagnostic]:
    """The MLD findings of `files`, in file order."""
    found = diagnostics(root, files)
    return sorted(found, key=lambda d: (d.line, d.column))


def _installed(diagnostic: Diagnostic) -> str:
    """The requirement a MLD006 message quotes: `pip install X`: ... -> X."""
    assert diagnostic.code == "MLD006", diagnostic
    return diagnostic.message.split("`")[1].split(" ", 2)[-1]
