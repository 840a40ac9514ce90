"""Which packages are ML packages, compared by their PEP 503 normalised names."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cache
from importlib import resources

from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# The default list is data (ml_packages.toml beside this module: one group per
# kind of package, one reason per name), read once with importlib.resources so
# that it ships in the wheel and grows without touching code.
DATA_FILE = "ml_packages.toml"


@cache
def default_groups() -> dict[str, dict[str, str]]:
    """The shipped list as {group: {normalised name: why its version matters}}."""
    text = resources.files("ml_policy.deps").joinpath(DATA_FILE).read_text("utf-8")
    data = tomllib.loads(text)
    return {group: dict(entries) for group, entries in data.items()}


@cache
def default_ml_packages() -> frozenset[str]:
    """Every name of the shipped list."""
    return frozenset(name for entries in default_groups().values() for name in entries)


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
    return default_ml_packages() | {normalize(name) for name in extra}
