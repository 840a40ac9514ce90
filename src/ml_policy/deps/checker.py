"""The deps checker: `ml-policy deps FILES...` and the MLD part of `ml-policy check`.

Picks manifests and install-command files by name, ignores every other file,
reads each once, and turns what it finds into Diagnostics. A file that
cannot be read or parsed is one MLE001; the other files are still checked.
Each reader also returns the file's `# noqa` comments (found with its own
syntax), and the findings they cover are dropped here (ml_policy.suppress).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.cache import Cache
from ml_policy.checkers import RunOptions
from ml_policy.config import SettingsResolver
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.lockfiles import TrackedLocks
from ml_policy.deps.manifests import SETUP_PY, is_command_file, manifest_kind, manifest_reader
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import MAX_BYTES, read_regular, real_path
from ml_policy.parse_error import not_checked
from ml_policy.suppress import unsuppressed

if TYPE_CHECKING:
    from ml_policy.deps.model import Kind
    from ml_policy.deps.rules import Policy

# The readers, the rules and what they import (packaging, ruamel.yaml) load when a file
# is read, not for a run the cache answers.


def check(
    files: Sequence[Path], resolver: SettingsResolver, options: RunOptions
) -> list[Diagnostic]:
    """Every MLD finding (and MLE001 for unreadable manifests) in `files`, each once."""
    cache = Cache(options.cache_dir) if options.cache_dir else None
    locks = TrackedLocks()
    found: dict[tuple[object, ...], Diagnostic] = {}
    for path in files:
        for diagnostic in _cached_or_checked(path, resolver, locks, cache):
            # A file included by several requirements files is reported once.
            key = (
                diagnostic.code,
                real_path(diagnostic.path),
                diagnostic.cell,
                diagnostic.line,
                diagnostic.column,
                diagnostic.message,
            )
            found.setdefault(key, diagnostic)
    return list(found.values())


def _cached_or_checked(
    path: Path, resolver: SettingsResolver, locks: TrackedLocks, cache: Cache | None
) -> list[Diagnostic]:
    """A self-contained file's findings from the cache when it and its settings are
    unchanged; the others (and every file without a cache) checked afresh."""
    if cache is None or not _self_contained(path):
        return check_file(path, resolver, locks)
    key = _key(path, resolver)
    cached = None if key is None else cache.get(key, path)
    if cached is not None:
        return cached
    found = check_file(path, resolver, locks)
    if key is not None and _key(path, resolver) == key:  # not changed while it was read
        cache.put(key, found)
    return found


def _self_contained(path: Path) -> bool:
    """Whether the findings of `path` follow from its bytes and settings alone: a setup.py
    or a command file. A requirements file reads its includes and a pyproject.toml or
    conda file the lock files beside it, so those are always read afresh."""
    kind = manifest_kind(path)
    named = is_command_file(path) if kind is None else kind == SETUP_PY
    return named and not path.is_symlink()


def _key(path: Path, resolver: SettingsResolver) -> str | None:
    try:
        data = read_regular(path, MAX_BYTES, follow_symlinks=False)
    except OSError:
        return None  # check_file reports it
    return Cache.key(path, Cache.digest(data), "deps", repr(resolver.for_path(path)))


def check_file(path: Path, resolver: SettingsResolver, locks: TrackedLocks) -> list[Diagnostic]:
    if path.is_symlink():
        # Judged as git stores it, a link (the artifacts checker's view); its target is
        # checked under its own name when it is in the repository, and never read through it.
        return []
    reader = manifest_reader(path)
    if reader is not None:
        from ml_policy.deps.rules import manifest_diagnostics

        try:
            manifest = reader(path)
        except ManifestError as error:
            return [not_checked(error.message, path, error.line, error.column)]
        found = manifest_diagnostics(manifest, _policy(path, manifest.kind, resolver, locks))
        return unsuppressed(found, manifest.noqa)
    return _command_file(path, resolver)


def _policy(path: Path, kind: Kind, resolver: SettingsResolver, locks: TrackedLocks) -> Policy:
    from ml_policy.deps.model import Kind
    from ml_policy.deps.packages import ml_packages
    from ml_policy.deps.rules import Policy

    settings = resolver.for_path(path)
    lock = None
    if kind in (Kind.PYPROJECT, Kind.CONDA):
        lock = locks.lock_for(path, conda=kind is Kind.CONDA)
    return Policy(settings, ml_packages(settings.ml_packages), lock)


def _command_file(path: Path, resolver: SettingsResolver) -> list[Diagnostic]:
    if not is_command_file(path):
        return []
    from ml_policy.deps import commands
    from ml_policy.deps.installs import command_manifest
    from ml_policy.deps.packages import ml_packages
    from ml_policy.deps.rules import Policy, manifest_diagnostics
    from ml_policy.deps.source import read_text

    try:
        text = read_text(path)
        scan = commands.scan_file(path, text)
    except ManifestError as error:
        return [not_checked(error.message, path, error.line, error.column)]
    settings = resolver.for_path(path)
    policy = Policy(settings, ml_packages(settings.ml_packages))
    found = manifest_diagnostics(command_manifest(path, scan, policy), policy)
    if commands.is_dockerfile(path):
        return unsuppressed(found, scan.noqa) + _image_diagnostics(path, text, policy)
    return unsuppressed(found, scan.noqa)


def _image_diagnostics(path: Path, text: str, policy: Policy) -> list[Diagnostic]:
    """The MLI findings of a Dockerfile."""
    from ml_policy.images.dockerfile import read_dockerfile
    from ml_policy.images.rules import image_diagnostics

    dockerfile = read_dockerfile(path, text)
    return unsuppressed(image_diagnostics(dockerfile, policy), dockerfile.noqa)
