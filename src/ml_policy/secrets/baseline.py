"""The slim secrets baseline: secrets a repository has accepted, by file and hashed secret.

The file is a detect-secrets baseline in its `--slim` form (no line numbers,
no timestamp), so moving code around or re-creating it does not change it,
and `detect-secrets-hook --baseline` can read it. It lists detect-secrets'
own plugins only: ours are loaded from their file, whose path differs from
machine to machine. A secret is allowed when the same file (relative to the
settings root, POSIX) has an entry with the same hashed secret; line numbers
and secret types are ignored. A missing baseline allows nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_policy.config import (
    TABLE,
    ConfigError,
    Settings,
    SettingsResolver,
    build_settings,
    checked_table,
    ml_policy_table,
    read_toml,
)
from ml_policy.errors import PolicyError
from ml_policy.secrets.scan import FILTERS, Finding, enabled_plugins, scan_files


class BaselineError(PolicyError):
    """A baseline that exists but cannot be used; names the file (and line)."""


@dataclass(frozen=True)
class Baseline:
    """The (relative path, hashed secret) pairs a repository accepted."""

    allowed: frozenset[tuple[str, str]] = frozenset()

    def allows(self, relative_path: str, hashed_secret: str) -> bool:
        return (relative_path, hashed_secret) in self.allowed

    def __len__(self) -> int:
        return len(self.allowed)


def location(settings: Settings) -> Path:
    """Where the baseline of `settings` lives: `secrets.baseline` below the settings root."""
    return settings.root / settings.secrets.baseline


def read(path: Path) -> Baseline:
    """The baseline at `path`; an empty one when there is no file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return Baseline()
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the secrets baseline: {error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(
            f"{path}:{error.lineno}: the secrets baseline is not valid JSON ({error.msg})"
        ) from None
    return Baseline(frozenset(_entries(path, document)))


def _entries(path: Path, document: Any) -> Iterable[tuple[str, str]]:
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, dict):
        raise BaselineError(f'{path}: the secrets baseline has no "results" table')
    for filename, secrets in results.items():
        if not isinstance(secrets, list):
            raise BaselineError(f"{path}: results[{filename!r}] must be a list")
        for secret in secrets:
            hashed = secret.get("hashed_secret") if isinstance(secret, dict) else None
            if not isinstance(hashed, str):
                raise BaselineError(
                    f"{path}: results[{filename!r}] has an entry without hashed_secret"
                )
            yield Path(filename).as_posix(), hashed


def render(findings: Mapping[Path, list[Finding]], settings: Settings) -> str:
    """The slim baseline text for `findings` (files relative to the settings root)."""
    from detect_secrets.__version__ import VERSION

    builtin, _ = enabled_plugins(settings.secrets.disable_plugins)
    results: dict[str, list[dict[str, Any]]] = {}
    for path, found in findings.items():
        relative = settings.relative(path)
        unique = {(f.hashed_secret, f.secret_type) for f in found}
        results[relative] = [
            {"type": kind, "filename": relative, "hashed_secret": hashed, "is_verified": False}
            for hashed, kind in sorted(unique)
        ]
    document = {
        "version": VERSION,
        "plugins_used": [{"name": name} for name in builtin],
        "filters_used": [{"path": path} for path in sorted(FILTERS)],
        "results": dict(sorted(results.items())),
    }
    return json.dumps(document, indent=2) + "\n"


def create(settings: Settings) -> tuple[str, int]:
    """A baseline of every secret in the files below the settings root, and how many.

    The files are those `ml-policy check` would see (git's view, `exclude`
    applied); the baseline file itself is never scanned.
    """
    from ml_policy.files import discover, real_path

    own = real_path(location(settings))
    files = [f for f in discover([settings.root], _Fixed(settings)) if real_path(f) != own]
    findings = scan_files(files, settings.secrets.disable_plugins).findings
    accepted = sum(len({f.hashed_secret for f in found}) for found in findings.values())
    return render(findings, settings), accepted


def update(settings: Settings) -> int:
    """Re-create the baseline of `settings` from the files as they are now (atomically).

    For `ml-policy secrets --update-baseline`: accepts every secret found; how many.
    """
    from ml_policy.apply.atomic import write_atomic

    text, accepted = create(settings)
    write_atomic(location(settings), text.encode("utf-8"))
    return accepted


def settings_for_init(root: Path, bundle_layer: Mapping[str, Any]) -> Settings:
    """The settings `init` is about to record: the bundle's, then the user's valid table."""
    layers = [bundle_layer]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            text, document = read_toml(pyproject)
            table = ml_policy_table(document)
            if table is not None:
                checked_table(pyproject, text, table, TABLE)
                layers.append(table)
        except ConfigError:
            pass  # init reports the malformed file itself, with its line
    return build_settings(root, None, layers)


class _Fixed(SettingsResolver):
    """One Settings for every path (init knows the settings it is about to write)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(cwd=settings.root)
        self._settings = settings

    def for_path(self, path: Path) -> Settings:
        return self._settings
