"""Shared helpers: real git repositories in tmp_path, and the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

# Hook ids are permanent: users' configurations name them.
HOOK_IDS = (
    "ml-policy-lint",
    "ml-policy-deps",
    "ml-policy-artifacts",
    "ml-policy-secrets",
    "ml-policy-config",
    "ml-policy-ruff",
    "ml-policy-ruff-format",
    "ml-policy-mypy",
    "ml-policy-bandit",
)


def write_files(root: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write each `name: content` under `root` (folders made as needed); the paths, in order."""
    written = []
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def run(
    command: Sequence[str | Path],
    cwd: Path,
    check: bool = False,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; never raises on a non-zero exit unless asked.
    `env` adds to (or overrides) this process's environment."""
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
        env=None if env is None else {**os.environ, **env},
    )


def ml_policy(
    *args: str | Path, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed CLI, as a user runs it (`python -m ml_policy` is the same entry point)."""
    return run([sys.executable, "-m", "ml_policy", *args], cwd=cwd, env=env)


def make_venv(where: Path, packages: Mapping[str, Mapping[str, str]] | None = None) -> Path:
    """A real virtual environment at `where` (no pip), with `packages` written into its
    site-packages as {package: {file name: text}}; its Python."""
    run([sys.executable, "-m", "venv", "--without-pip", where], where.parent, check=True)
    python = where / "bin" / "python"
    if not packages:
        return python
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], where
    ).stdout.strip()
    for package, files in packages.items():
        for name, text in files.items():
            target = Path(purelib) / package / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return python


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository (with an identity, so commits work in CI)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    run(["git", "init", "-q", "-b", "main"], repo, check=True)
    run(["git", "config", "user.email", "test@example.invalid"], repo, check=True)
    run(["git", "config", "user.name", "Test"], repo, check=True)
    return repo


def rewrite_cache_entry(entry: Path, records: list[Any], key_home: Path | None = None) -> None:
    """Replace a cache entry's diagnostics as the user's own ml-policy would: signed with the
    per-user key (in `key_home`, else the real user's), so the next run trusts it."""
    import hashlib
    import hmac
    import json
    import os

    home = key_home or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    secret = (home / "ml-policy" / "cache-key").read_bytes()
    payload = json.dumps(records).encode()
    mac = hmac.new(secret, entry.stem.encode() + b"\0" + payload, hashlib.sha256)
    entry.write_bytes(mac.hexdigest().encode() + b"\n" + payload)


def cache_entry_records(entry: Path) -> list[Any]:
    """The diagnostics (as JSON records) a cache entry holds, after its authenticator line."""
    import json

    records: list[Any] = json.loads(entry.read_bytes().partition(b"\n")[2])
    return records
