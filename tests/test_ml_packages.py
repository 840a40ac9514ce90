"""The default ML package list (ml_policy/deps/ml_packages.toml): well-formed data, documented."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import tomllib
from packaging.utils import canonicalize_name
from test_deps_support import findings

from ml_policy.deps.packages import DATA_FILE, default_groups, default_ml_packages, ml_packages
from ml_policy.rule_docs import document

# What training repositories pin today (issue 9): each must stay on the list.
TRAINING_STACK = (
    "vllm",
    "vllm-flash-attn",
    "flash-attn",
    "xformers",
    "deepspeed",
    "bitsandbytes",
    "triton",
    "liger-kernel",
    "trl",
    "peft",
    "ray",
    "apex",
    "mamba-ssm",
    "jaxlib",
    "jax-cuda12-plugin",
    "jax-cuda12-pjrt",
    "jax-cuda13-plugin",
    "jax-cuda13-pjrt",
)

# The list as it was when it was Python code: growing it must not drop a name.
BEFORE_THE_DATA_FILE = [
    "accelerate",
    "bitsandbytes",
    "catboost",
    "datasets",
    "deepspeed",
    "diffusers",
    "flax",
    "huggingface-hub",
    "jax",
    "jaxlib",
    "keras",
    "lightgbm",
    "lightning",
    "numpy",
    "onnx",
    "onnxruntime",
    "onnxruntime-gpu",
    "optax",
    "pandas",
    "peft",
    "pytorch-lightning",
    "safetensors",
    "scikit-learn",
    "scipy",
    "sentence-transformers",
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tf-keras",
    "timm",
    "tokenizers",
    "torch",
    "torchaudio",
    "torchmetrics",
    "torchvision",
    "transformers",
    "triton",
    "xformers",
    "xgboost",
]


def entries() -> list[tuple[str, str, object]]:
    """(group, name, reason) of every line of the shipped file, duplicates included."""
    text = resources.files("ml_policy.deps").joinpath(DATA_FILE).read_text("utf-8")
    return [
        (group, name, reason)
        for group, table in tomllib.loads(text).items()
        for name, reason in table.items()
    ]


def test_every_name_is_pep503_normalised() -> None:
    assert [name for _, name, _ in entries() if canonicalize_name(name) != name] == []


def test_every_name_is_listed_once() -> None:
    names = [name for _, name, _ in entries()]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


def test_every_name_says_why_its_version_matters() -> None:
    for group, name, reason in entries():
        assert isinstance(reason, str), (group, name)
        assert len(reason.split()) >= 3, (group, name, reason)  # a reason, not a placeholder
        assert not reason.endswith("."), (group, name)  # a phrase, like the rest of the docs


def test_groups_are_kebab_case_and_not_empty() -> None:
    for group, table in default_groups().items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", group), group
        assert table, group


def test_the_training_stack_is_listed() -> None:
    assert set(TRAINING_STACK) - default_ml_packages() == set()


def test_no_name_was_dropped_when_the_list_became_data() -> None:
    assert set(BEFORE_THE_DATA_FILE) - default_ml_packages() == set()


def test_project_names_extend_the_list_normalised() -> None:
    assert ml_packages(["My_Internal.Torch"]) == default_ml_packages() | {"my-internal-torch"}


def test_the_mld001_page_lists_every_name_under_its_group() -> None:
    page = document("MLD001") or ""
    assert f"`ml_policy/deps/{DATA_FILE}`" in page
    listed = " ".join(page.split())  # names wrapped across lines
    for group, table in default_groups().items():
        assert f"- {group}: {', '.join(table)}" in listed, group


@pytest.mark.parametrize("name", ["vllm", "flash-attn", "jax-cuda12-plugin", "Liger_Kernel"])
def test_new_names_are_checked(tmp_path: Path, name: str) -> None:
    found = findings(tmp_path, {"requirements.txt": f"{name}>=0.1\nrequests>=2\n"})
    assert found == [("requirements.txt", 1, "MLD001")]
