"""The checkers `ml-policy check` runs over the files it finds.

Each entry pairs the code prefixes a checker reports with the function that
checks them, `(files, resolver, options) -> list[Diagnostic]`, named
"module:function". Modules are imported only when a run needs them, so a deps-only run never
imports libcst. Each rule family registers itself in `ml_policy.registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ml_policy import registry
from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import Unchecked, real_path
from ml_policy.parse_error import not_checked
from ml_policy.registry import ALWAYS_ON, FAMILIES, PARSE_ERROR


@dataclass(frozen=True)
class RunOptions:
    """How a run goes, as opposed to what it checks (that is the Settings)."""

    cache_dir: Path | None = None  # None: no cache
    workers: int | None = None  # None: decide from the work and the machine


Checker = Callable[[Sequence[Path], SettingsResolver, RunOptions], list[Diagnostic]]

# (code prefixes, "module:function") of each family's checker, from the registry.
CHECKERS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (family.prefixes, family.checker) for family in FAMILIES if family.checker
)


def load(spec: str) -> Checker:
    return cast(Checker, registry.load(spec))


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
    return [not_checked(u.reason, u.path) for u in unchecked]


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
    return kept + [not_checked(b.message, b.path, b.line) for b in broken.values()]
