"""Where `[tool.ml-policy]` checks less than the recorded bundle's ml-policy.toml.

Both are compared as ml-policy reads them (the bundle's table, then the user's on top):
an ML rule the bundle turns on that is off, a size limit raised or dropped, a git-lfs
pattern or detect-secrets plugin taken away, the deps policy relaxed, a hadolint rule
ignored or its failure threshold raised, ML base images no longer pinned by digest, and
`exclude` or
`per-file-ignores` patterns that cover the whole project. Narrower patterns (a vendored
folder, the tests) are ordinary use and pass, as do values with no direction (the
baseline's file name) and anything stricter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ml_policy import registry
from ml_policy.config import Settings
from ml_policy.drift.departure import Departure
from ml_policy.hadolint import LEVELS
from ml_policy.settings.patterns import gitignore

# A pattern that matches a module at the top and one deep in a package covers the project.
_PROJECT_FILES = ("train.py", "src/package/models/network.py")
_DEPS_ORDER = {"mode": ("library", "app"), "pin": ("bounded", "exact")}  # weaker first
_BASE_PIN_ORDER = ("tag", "digest")
# hadolint's failure thresholds, from the one that fails on nothing to the strictest.
_THRESHOLD_ORDER = ("none", *LEVELS)


def weakenings(bundle: Settings, ours: Settings) -> list[Departure]:
    """Each way `ours` (the repository's settings) checks less than `bundle` (its own)."""
    return [
        *_rules_off(bundle, ours),
        *_project_wide(bundle, ours),
        *_deps(bundle, ours),
        *_artifacts(bundle, ours),
        *_secrets(bundle, ours),
        *_images(bundle, ours),
        *_hadolint(bundle, ours),
    ]


def _rules_off(bundle: Settings, ours: Settings) -> Iterator[Departure]:
    codes = [c for c in registry.RULE_CODES if not c.startswith(registry.ALWAYS_ON)]
    off = [c for c in codes if bundle.is_enabled(c) and not ours.is_enabled(c)]
    ignored = {code: _ignoring(code, ours.ignore) for code in off}
    by_ignore: dict[str, list[str]] = {}
    for code, entry in ignored.items():
        if entry is not None:
            by_ignore.setdefault(entry, []).append(code)
    for entry, turned_off in by_ignore.items():
        yield Departure(
            "ml-policy.ignore", f"ignore {entry!r} turns off {_listed(turned_off)}", (entry,)
        )
    unselected = tuple(code for code, entry in ignored.items() if entry is None)
    if unselected:
        message = f"select leaves out {_listed(list(unselected))}, which the bundle turns on"
        yield Departure("ml-policy.select", message, unselected)


def _ignoring(code: str, ignore: tuple[str, ...]) -> str | None:
    matching = [entry for entry in ignore if code.startswith(entry)]
    return max(matching, key=len) if matching else None


def _project_wide(bundle: Settings, ours: Settings) -> Iterator[Departure]:
    for pattern in ours.exclude:
        if pattern not in bundle.exclude and _covers_project(pattern):
            yield Departure(
                "ml-policy.exclude",
                f"exclude {pattern!r} leaves the whole project unchecked",
                (pattern,),
            )
    for pattern, codes in ours.per_file_ignores.items():
        added = set(codes) - set(bundle.per_file_ignores.get(pattern, ()))
        on = [c for c in registry.RULE_CODES if bundle.is_enabled(c) and c.startswith(tuple(added))]
        if on and _covers_project(pattern):
            message = f"per-file-ignores {pattern!r} turns off {_listed(on)} in every file"
            yield Departure("ml-policy.per-file-ignores", message, (pattern,))


def _covers_project(pattern: str) -> bool:
    spec = gitignore([pattern])
    return all(spec.match_file(path) for path in _PROJECT_FILES)


def _deps(bundle: Settings, ours: Settings) -> Iterator[Departure]:
    for key, order in _DEPS_ORDER.items():
        if key == "pin" and "library" in (ours.deps.mode, bundle.deps.mode):
            continue  # pins are judged in app mode only (a mode change is reported)
        theirs, mine = getattr(bundle.deps, key), getattr(ours.deps, key)
        if mine in order and theirs in order and order.index(mine) < order.index(theirs):
            yield Departure(f"ml-policy.deps.{key}", f"deps {key} {mine!r}, bundle {theirs!r}")


def _artifacts(bundle: Settings, ours: Settings) -> Iterator[Departure]:
    mine, theirs = ours.artifacts, bundle.artifacts
    for key, mine_kb, theirs_kb in (
        ("max-kb", mine.max_kb, theirs.max_kb),
        ("notebook-max-kb", mine.notebook_max_kb, theirs.notebook_max_kb),
    ):
        if mine_kb > theirs_kb:
            yield Departure(f"ml-policy.artifacts.{key}", f"{key} {mine_kb}, bundle {theirs_kb}")
    yield from _limits(theirs.limits, mine.limits, mine.max_kb)
    dropped = tuple(p for p in theirs.lfs if p not in mine.lfs)
    if dropped:
        message = f"lfs no longer requires git-lfs for {_listed(list(dropped))}"
        yield Departure("ml-policy.artifacts.lfs", message, dropped)
    if mine.allow_notebook_outputs and not theirs.allow_notebook_outputs:
        yield Departure(
            "ml-policy.artifacts.allow-notebook-outputs", "notebooks may keep their outputs"
        )


def _limits(theirs: Mapping[str, int], mine: Mapping[str, int], max_kb: int) -> Iterator[Departure]:
    """A pattern's limit raised, or gone (a `limits` table replaces the bundle's whole table,
    so the patterns it leaves out fall back to `max-kb`)."""
    key = "ml-policy.artifacts.limits"
    for pattern, limit in theirs.items():
        if mine.get(pattern, limit) > limit:
            yield Departure(
                key, f"limits {pattern!r}: {mine[pattern]} kB, bundle {limit}", (pattern,)
            )
    gone = [p for p, limit in theirs.items() if p not in mine and max_kb > limit]
    if gone:
        message = f"limits no longer has {_listed(gone)}: they fall back to max-kb {max_kb}"
        yield Departure(key, message, tuple(gone))


def _secrets(bundle: Settings, ours: Settings) -> Iterator[Departure]:
    added = tuple(
        p for p in ours.secrets.disable_plugins if p not in bundle.secrets.disable_plugins
    )
    if added:
        message = f"disable-plugins turns off {_listed(list(added))}"
        yield Departure("ml-policy.secrets.disable-plugins", message, added)


def _images(bundle: Settings, ours: Settings) -> Iterator[Departure]:
    mine, theirs = ours.images.base_pin, bundle.images.base_pin
    if _BASE_PIN_ORDER.index(mine) < _BASE_PIN_ORDER.index(theirs):
        yield Departure("ml-policy.images.base-pin", f"base-pin {mine!r}, bundle {theirs!r}")


def _hadolint(bundle: Settings, ours: Settings) -> Iterator[Departure]:
    added = tuple(code for code in ours.hadolint.ignore if code not in bundle.hadolint.ignore)
    if added:
        message = f"hadolint ignore turns off {_listed(list(added))}"
        yield Departure("ml-policy.hadolint.ignore", message, added)
    mine = ours.hadolint.failure_threshold or "info"  # hadolint's own default
    theirs = bundle.hadolint.failure_threshold or "info"
    if _THRESHOLD_ORDER.index(mine) < _THRESHOLD_ORDER.index(theirs):
        message = f"hadolint failure-threshold {mine!r}, bundle {theirs!r}"
        yield Departure("ml-policy.hadolint.failure-threshold", message)


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:6])
    return shown + (f" and {len(items) - 6} more" if len(items) > 6 else "")
