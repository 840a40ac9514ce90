"""Reproducibility (MLR001, MLR002): global generators reseeded, shuffles left unseeded.

`seeds` holds what both read: which calls seed a global generator.
"""

from __future__ import annotations

from ml_policy.rules.reproducibility.global_seed_in_library_code import GlobalSeedInLibraryCode
from ml_policy.rules.reproducibility.unseeded_shuffle import UnseededShuffle

__all__ = ["GlobalSeedInLibraryCode", "UnseededShuffle"]
