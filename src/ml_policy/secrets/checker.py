"""`ml-policy secrets FILES...`: MLK findings for the secrets detect-secrets and our plugins find.

MLK001 is a token of an ML service (our plugins), MLK002 any other secret
(detect-secrets' own plugins). A finding is dropped when the settings'
baseline accepts it (same file, same hashed secret), when its line carries
`# pragma: allowlist secret` (detect-secrets' comment, handled by its
filter) or a Ruff-style `# noqa` / `# noqa: MLK001`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.cache import Cache
from ml_policy.checkers import RunOptions
from ml_policy.config import Settings, SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import real_path
from ml_policy.lint.noqa import is_suppressed, suppressions
from ml_policy.parse_error import not_checked
from ml_policy.secrets import baseline
from ml_policy.secrets.ml_service_token import MlServiceToken
from ml_policy.secrets.reading import NotScannedError, read_content
from ml_policy.secrets.secret import Secret

if TYPE_CHECKING:
    from ml_policy.secrets.scan import Finding

SHOWN_CHARACTERS = 4
# In every cache key: results from before the whole secret was hashed (some
# tokens by their prefix alone) must not be taken for today's.
CACHE_SCHEME = "whole-secrets"


def check(
    files: Sequence[Path], resolver: SettingsResolver, options: RunOptions
) -> list[Diagnostic]:
    """Every secret in `files` that no baseline entry or inline comment allows."""
    cache = Cache(options.cache_dir, "secrets", files) if options.cache_dir else None
    diagnostics: list[Diagnostic] = []
    for settings, paths in _by_settings(files, resolver):
        if any(settings.is_enabled(code) for code in (MlServiceToken.code, Secret.code)):
            diagnostics += _check_group(settings, paths, options.workers, cache)
    if cache:
        cache.finish()
    return diagnostics


def _check_group(
    settings: Settings, paths: list[Path], workers: int | None, cache: Cache | None
) -> list[Diagnostic]:
    """The findings in `paths`: from the cache where the file and the baseline are unchanged."""
    location = baseline.location(settings)
    own = real_path(location)
    # The baseline lists hashes, not secrets. (Only a file of its name can be it: a link
    # to it is scanned as a link, for the name it points to.)
    paths = [p for p in paths if p.name != own.name or real_path(p) != own]
    recorded = baseline.read_bytes(location, settings.root)  # parsed only if a file is scanned
    if cache is None:
        return _scan(settings, paths, baseline.parse(location, recorded), workers)
    digest = "" if recorded is None else hashlib.sha256(recorded).hexdigest()
    plugins = ",".join(sorted(settings.secrets.disable_plugins))
    found, keys = _from_cache(cache, paths, ("secrets", CACHE_SCHEME, plugins, digest))
    if not keys:
        return found  # all from the cache: the baseline need not be parsed
    fresh = _scan(settings, list(keys), baseline.parse(location, recorded), workers)
    by_path: dict[Path, list[Diagnostic]] = {}
    for diagnostic in fresh:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    for path, key in keys.items():
        if key:  # unreadable files are reported afresh each time
            cache.put(key, by_path.get(path, []))
    return found + fresh


def _from_cache(
    cache: Cache, paths: list[Path], context: tuple[str, ...]
) -> tuple[list[Diagnostic], dict[Path, str]]:
    """The cached findings, and the key of each file to scan ("" for one that cannot be read)."""
    found: list[Diagnostic] = []
    keys: dict[Path, str] = {}
    for path in paths:
        digest = _digest(cache, path)
        key = None if digest is None else Cache.key(path, digest, *context)
        cached = None if key is None else cache.get(key, path)
        if cached is not None:
            found += cached
        else:
            keys[path] = key or ""
    return found, keys


def _scan(
    settings: Settings, paths: list[Path], accepted: baseline.Baseline, workers: int | None
) -> list[Diagnostic]:
    if not paths:
        return []
    from ml_policy.secrets.scan import scan_files  # detect-secrets: only to scan

    result = scan_files(paths, settings.secrets.disable_plugins, workers)
    diagnostics = [not_checked(reason, path) for path, reason in result.not_scanned.items()]
    for path, found in result.findings.items():
        name = baseline.recorded_name(settings, path)
        diagnostics += [
            _diagnostic(f, accepted.accepted_family(name, f.secret_type))
            for f in _reported(found, name, accepted)
        ]
    return diagnostics


def _digest(cache: Cache, path: Path) -> str | None:
    """The digest of what the scan reads of `path` (a symlink's target name), for the
    cache key: from the run index when the file is unchanged, else read."""
    known = cache.known_digest(path)
    if known is not None:
        return known
    try:
        status = os.lstat(path)  # before the read: see runindex.py
        data = read_content(path)
    except (OSError, NotScannedError):
        return None
    if data is None:
        return None
    digest = Cache.digest(data)
    cache.remember(path, status, digest)
    return digest


def _by_settings(
    files: Sequence[Path], resolver: SettingsResolver
) -> Iterator[tuple[Settings, list[Path]]]:
    """Files grouped by the settings that apply to them."""
    groups: dict[int, tuple[Settings, list[Path]]] = {}
    for path in files:
        settings = resolver.for_path(path)
        groups.setdefault(id(settings), (settings, []))[1].append(path)
    yield from groups.values()


def _reported(
    found: Sequence[Finding], name: str, accepted: baseline.Baseline
) -> Iterator[Finding]:
    """The findings of the file the baseline calls `name` that it does not accept."""
    seen: set[tuple[int, str]] = set()
    for finding in found:
        key = (finding.line, finding.hashed_secret)
        if key in seen or accepted.allows(name, finding.hashed_secret):
            continue
        seen.add(key)
        if not is_suppressed(_code(finding), 1, suppressions(finding.source_line)):
            yield finding


def _code(finding: Finding) -> str:
    return MlServiceToken.code if finding.is_ml_token else Secret.code


def _diagnostic(finding: Finding, family_accepted: bool = False) -> Diagnostic:
    secret = finding.secret
    located = finding.source_line.find(secret) >= 0
    advice = (
        "revoke it and read it from the environment"
        if finding.is_ml_token
        else "rotate it and keep it out of the repository"
    )
    if family_accepted:
        advice += (
            f" (the baseline's entry from ml-policy 0.1.0 accepted any {finding.secret_type}"
            " in this file; review, then `ml-policy secrets --update-baseline`)"
        )
    return Diagnostic(
        _code(finding),
        f"{finding.secret_type} {redact(secret)}: {advice}",
        finding.path,
        finding.line,
        finding.column,
        end_column=finding.column + len(secret) if located else 0,
    )


def redact(secret: str) -> str:
    """Enough of a secret to recognise it, never enough to use it: `hf_A…(37 chars)`."""
    shown = secret[: min(SHOWN_CHARACTERS, len(secret) // 4)]
    return f"{shown}…({len(secret)} chars)"
