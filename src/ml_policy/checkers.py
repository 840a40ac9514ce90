"""The checkers `ml-policy check` runs over the files it finds.

Each entry pairs the code prefixes a checker reports with the function that
checks them, `(files, resolver, options) -> list[Diagnostic]`, named
"module:function". Modules are imported only when a run needs them, so a deps-only run never
imports libcst. Each rule family registers itself here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic


@dataclass(frozen=True)
class RunOptions:
    """How a run goes, as opposed to what it checks (that is the Settings)."""

    cache_dir: Path | None = None  # None: no cache
    workers: int | None = None  # None: decide from the work and the machine


Checker = Callable[[Sequence[Path], SettingsResolver, RunOptions], list[Diagnostic]]

CHECKERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("MLM", "MLP", "MLC", "MLS", "MLR", "MLE"), "ml_policy.lint.runner:check"),
    (("MLA",), "ml_policy.artifacts:check"),
    (("MLK",), "ml_policy.secrets.checker:check"),
    (("MLD",), "ml_policy.deps.checker:check"),
)

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
    checkers: Sequence[tuple[tuple[str, ...], str]] = CHECKERS,
    options: RunOptions | None = None,
) -> list[Diagnostic]:
    """Every enabled finding of the checkers of `families` (all by default), in output order."""
    chosen = [
        spec for prefixes, spec in checkers if families is None or set(prefixes) & set(families)
    ]
    found = [d for spec in chosen for d in load(spec)(files, resolver, options or RunOptions())]
    # Two checkers that read the same file (a notebook is code and an artifact) may both
    # report that it cannot be parsed; say it once.
    kept = [
        d
        for d in dict.fromkeys(found)
        if d.code.startswith(ALWAYS_ON) or resolver.for_path(d.path).is_enabled(d.code, d.path)
    ]
    return sorted(kept, key=Diagnostic.sort_key)
