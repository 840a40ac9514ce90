"""The slim secrets baseline: secrets a repository has accepted, by file and hashed secret.

The file is a detect-secrets baseline in its `--slim` form (no line numbers,
no timestamp), so moving code around or re-creating it does not change it,
and `detect-secrets-hook --baseline` can read it. It lists detect-secrets'
own plugins only: ours are loaded from their file, whose path differs from
machine to machine. A secret is allowed when the same file (relative to the
settings root, POSIX) has an entry with the same hashed secret; line numbers
and secret types are ignored. A missing baseline allows nothing.

The file is named by configuration, which a pull request can change: it must
stay inside the settings root (symlinks resolved), be a regular file and be
smaller than BASELINE_MAX_BYTES, or it is neither read nor written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml_policy.config import (
    TABLE,
    ConfigError,
    Settings,
    SettingsResolver,
    build_settings,
    checked_table,
    key_line,
    ml_policy_table,
    read_toml,
)
from ml_policy.confine import is_inside
from ml_policy.errors import PolicyError
from ml_policy.files import real_path
from ml_policy.secrets.reading import RefusedError, is_lexically_inside, read_regular

if TYPE_CHECKING:
    from ml_policy.secrets.scan import Finding

BASELINE_MAX_BYTES = 16 * 1024 * 1024  # some 100,000 accepted secrets
KEY = f"[{TABLE}.secrets] baseline"


class BaselineError(PolicyError):
    """A baseline that exists but cannot be used; names the file (and line)."""


@dataclass(frozen=True)
class Baseline:
    """The (relative path, hashed secret) pairs a repository accepted."""

    allowed: frozenset[tuple[str, str]] = frozenset()
    # (relative path, secret type) of entries ml-policy 0.1.0 wrote for a whole family
    # of tokens (see exact.FAMILY_VALUES): they match nothing now, a message says why.
    families: frozenset[tuple[str, str]] = frozenset()

    def allows(self, relative_path: str, hashed_secret: str) -> bool:
        return (relative_path, hashed_secret) in self.allowed

    def accepted_family(self, relative_path: str, secret_type: str) -> bool:
        return (relative_path, secret_type) in self.families

    def __len__(self) -> int:
        return len(self.allowed)


def location(settings: Settings) -> Path:
    """Where the baseline of `settings` lives: `secrets.baseline` below the settings root.

    A setting that leads outside the root is a configuration error naming the
    key; a symlink on the way that leads outside, an error naming the file.
    """
    path = settings.root / settings.secrets.baseline
    root = Path(os.path.abspath(settings.root))  # for messages too: `init` may be given "."
    if not is_lexically_inside(Path(settings.secrets.baseline), root):
        raise _outside(settings, path, root)
    if not is_inside(path, root):
        raise BaselineError(
            f"{path}: the secrets baseline ({KEY}) resolves outside {root}"
            " through a symlink: it is neither read nor written"
        )
    return path


def _outside(settings: Settings, path: Path, root: Path) -> PolicyError:
    message = f"{KEY} must name a file inside {root} (the project's folder)"
    if settings.source is None:
        return BaselineError(f"{path}: {message}")
    try:  # the line, for the message: the file was read a moment ago
        text = read_regular(settings.source, BASELINE_MAX_BYTES).decode("utf-8-sig")
        line = key_line(text, TABLE, ["secrets", "baseline"])
    except (OSError, RefusedError, UnicodeDecodeError):
        line = None
    return ConfigError(settings.source, message, line)


def recorded_name(settings: Settings, path: Path) -> str:
    """How the baseline names `path`: relative to the settings root, in POSIX form.

    A symlink by its own place, not its target's: what was scanned is the link.
    """
    if not os.path.islink(path):
        return settings.relative(path)
    try:
        own = real_path(path.parent) / path.name
        return own.relative_to(real_path(settings.root)).as_posix()
    except ValueError:
        return path.as_posix()


def read(path: Path, root: Path | None = None) -> Baseline:
    """The baseline at `path` (inside `root`, its folder by default); empty when there is none."""
    return parse(path, read_bytes(path, root))


def read_bytes(path: Path, root: Path | None = None) -> bytes | None:
    """The baseline file's bytes, None when there is none; BaselineError when it is not read.

    Read at its real path, which must be inside `root` (default: the file's
    folder), as a regular file of at most BASELINE_MAX_BYTES, without blocking.
    """
    real = real_path(path)
    if not is_inside(real, root or path.parent):
        raise BaselineError(f"{path}: the secrets baseline resolves outside {root or path.parent}")
    try:
        return read_regular(real, BASELINE_MAX_BYTES)
    except FileNotFoundError:
        return None
    except RefusedError as error:
        raise BaselineError(f"{path}: the secrets baseline is not read: {error}") from None


def parse(path: Path, data: bytes | None) -> Baseline:
    """The baseline in `data`, read from `path` (None: there is no baseline)."""
    if data is None:
        return Baseline()
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise BaselineError(f"{path}: cannot read the secrets baseline: {error}") from None
    except json.JSONDecodeError as error:
        raise BaselineError(
            f"{path}:{error.lineno}: the secrets baseline is not valid JSON ({error.msg})"
        ) from None
    allowed: set[tuple[str, str]] = set()
    families: set[tuple[str, str]] = set()
    for filename, hashed, kind in _entries(path, document):
        allowed.add((filename, hashed))
        if hashed in _family_hashes() and kind is not None:
            families.add((filename, kind))
    return Baseline(frozenset(allowed), frozenset(families))


def _entries(path: Path, document: Any) -> Iterable[tuple[str, str, str | None]]:
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
            kind = secret.get("type")
            yield Path(filename).as_posix(), hashed, kind if isinstance(kind, str) else None


@cache
def _family_hashes() -> frozenset[str]:
    from ml_policy.secrets import exact  # detect-secrets: only when a baseline is parsed

    return frozenset(
        hashlib.sha1(value.encode()).hexdigest()  # noqa: S324 - detect-secrets' own hash
        for value in exact.FAMILY_VALUES
    )


def render(findings: Mapping[Path, list[Finding]], settings: Settings) -> str:
    """The slim baseline text for `findings` (files relative to the settings root)."""
    from detect_secrets.__version__ import VERSION

    from ml_policy.secrets.scan import FILTERS, enabled_plugins

    builtin, _ = enabled_plugins(settings.secrets.disable_plugins)
    results: dict[str, list[dict[str, Any]]] = {}
    for path, found in findings.items():
        relative = recorded_name(settings, path)
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
    from ml_policy.files import discover
    from ml_policy.secrets.scan import scan_files

    own = real_path(location(settings))
    files = [f for f in discover([settings.root], _Fixed(settings)) if real_path(f) != own]
    findings = scan_files(files, settings.secrets.disable_plugins).findings
    accepted = sum(len({f.hashed_secret for f in found}) for found in findings.values())
    return render(findings, settings), accepted


def update(settings: Settings) -> int:
    """Re-create the baseline of `settings` from the files as they are now (atomically).

    For `ml-policy secrets --update-baseline`: accepts every secret found; how
    many. A symlink to a file inside the settings root is written through (it
    stays a link); `location` refuses one that leads outside.
    """
    from ml_policy.apply.atomic import write_atomic

    path = location(settings)
    target = real_path(path)
    if os.path.lexists(target) and not target.is_file():  # a FIFO, a folder, a symlink loop
        raise BaselineError(f"{path}: not a regular file: the secrets baseline was not written")
    text, accepted = create(settings)
    write_atomic(target, text.encode("utf-8"))
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
