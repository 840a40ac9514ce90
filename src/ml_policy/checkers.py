"""The checkers `ml-policy check` runs over the files it finds.

Each entry pairs the code prefix of a rule family with the function that
checks it, `(files, resolver) -> list[Diagnostic]`, named "module:function".
Modules are imported only when a run needs them, so a deps-only run never
imports libcst. Each rule family registers itself here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic

Checker = Callable[[Sequence[Path], SettingsResolver], list[Diagnostic]]

CHECKERS: tuple[tuple[str, str], ...] = ()

# The per-family commands (and hooks): `ml-policy lint` runs the Python rules, ...
FAMILIES = {
    "lint": ("MLM", "MLP", "MLC", "MLS", "MLR"),
    "deps": ("MLD",),
    "artifacts": ("MLA",),
    "secrets": ("MLK",),
    "check-config": ("MLG",),
}

# Codes that no configuration can switch off: a file that cannot be read or
# parsed was not checked, and saying nothing would read as "clean".
ALWAYS_ON = ("MLE",)


def load(spec: str) -> Checker:
    module, _, function = spec.partition(":")
    checker: Checker = getattr(importlib.import_module(module), function)
    return checker


def run_all(
    files: Sequence[Path],
    resolver: SettingsResolver,
    families: Sequence[str] | None = None,
    checkers: Sequence[tuple[str, str]] = CHECKERS,
) -> list[Diagnostic]:
    """Every enabled finding of the checkers of `families` (all by default), in output order."""
    chosen = [
        spec for prefix, spec in checkers if families is None or prefix.startswith(tuple(families))
    ]
    found = [d for spec in chosen for d in load(spec)(files, resolver)]
    kept = [
        d
        for d in found
        if d.code.startswith(ALWAYS_ON) or resolver.for_path(d.path).is_enabled(d.code, d.path)
    ]
    return sorted(kept, key=Diagnostic.sort_key)
