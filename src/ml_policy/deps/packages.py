"""Which packages are ML packages, compared by their PEP 503 normalised names."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.utils import canonicalize_name

# Packages whose version decides what a model computes or whether it loads:
# a different release changes numerics, kernels, defaults or file formats.
DEFAULT_ML_PACKAGES = frozenset(
    {
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
    }
)

# Conda names of the same packages (conda-forge and the pytorch channel).
CONDA_ALIASES = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "pytorch-gpu": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "py-xgboost-gpu": "xgboost",
}


def normalize(name: str) -> str:
    """The PEP 503 form of a distribution name (`Scikit_Learn` -> `scikit-learn`)."""
    return str(canonicalize_name(name))


def conda_to_pypi(name: str) -> str:
    """The normalised PyPI name of a conda package (`pytorch` -> `torch`)."""
    normal = normalize(name)
    return CONDA_ALIASES.get(normal, normal)


def ml_packages(extra: Iterable[str] = ()) -> frozenset[str]:
    """The default ML list extended by a project's `ml-packages` setting."""
    return DEFAULT_ML_PACKAGES | {normalize(name) for name in extra}
