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
from ml_policy.files import Unchecked, real_path


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
PARSE_ERROR = "MLE001"

# Every rule code of this release. Configuration is validated against it at every
# start, so it is written out here rather than collected by importing every rule
# module; a test checks it against the rule objects (`ml-policy rule --all`).
RULE_CODES = (
    "MLE001",
    *("MLA001", "MLA002"),
    *("MLD001", "MLD002", "MLD003", "MLD004", "MLD005", "MLD006"),
    *("MLK001", "MLK002"),
    *("MLM001", "MLM002", "MLM003", "MLM004"),
    *("MLP001", "MLP002", "MLP003"),
)

# Families filed for later releases. Naming one (`select = ["MLG"]`) is valid, so a
# configuration or bundle can be written ahead of them; it selects no rule yet.
RESERVED_FAMILIES = {
    "MLC": "training correctness",
    "MLG": "config drift",
    "MLI": "container images",
    "MLR": "reproducibility",
    "MLS": "supply chain",
    "MLT": "TorchFix parity",
}


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
    return sorted(_with_broken_settings(kept, resolver), key=Diagnostic.sort_key)


def unchecked_diagnostics(unchecked: Sequence[Unchecked]) -> list[Diagnostic]:
    """MLE001 for each folder or named file discovery could not look into."""
    return [Diagnostic(PARSE_ERROR, u.reason, u.path) for u in unchecked]


def _with_broken_settings(found: list[Diagnostic], resolver: SettingsResolver) -> list[Diagnostic]:
    """`found`, plus an MLE001 for each nested pyproject.toml whose settings could not be used.

    That message says which settings were used instead, so it replaces the deps
    checker's own report of the same line (invalid TOML) rather than repeating it.
    """
    if not resolver.broken:
        return found
    broken = {(real_path(b.path), b.line): b for b in resolver.broken.values()}
    kept = [
        d for d in found if not (d.code == PARSE_ERROR and (real_path(d.path), d.line) in broken)
    ]
    return kept + [Diagnostic(PARSE_ERROR, b.message, b.path, b.line) for b in broken.values()]
