"""Shared helpers: files and notebooks in tmp_path, the checkers and rules in process, real git
repositories, and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from ml_policy import checkers
from ml_policy.config import Settings, SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.lint.engine import lint_bytes
from ml_policy.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]


def _python_programs() -> st.SearchStrategy[str]:
    # Imported here: importing hypothesmith reads Hypothesis's Unicode tables, which
    # Hypothesis warns about while conftest is loading.
    import hypothesmith

    return hypothesmith.from_grammar()


# Valid Python from the grammar. hypothesmith builds a parser for that grammar on every
# call (seconds each): build it once, when first drawn, not while the tests are collected.
PYTHON_PROGRAMS = st.deferred(_python_programs)

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
    "ml-policy-hadolint",
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


def write(root: Path, name: str, content: str | bytes) -> Path:
    """Write one file under `root` (folders made as needed); its path."""
    [path] = write_files(root, {name: content})
    return path


Cell = Mapping[str, Any] | tuple[str, str | list[str]]


def notebook(*cells: Cell) -> str:
    """An nbformat 4 notebook: each cell as stored, or `(cell_type, source)` for a bare one."""
    stored = [
        cell
        if isinstance(cell, Mapping)
        else {"cell_type": cell[0], "source": cell[1], "metadata": {}}
        for cell in cells
    ]
    return json.dumps({"cells": stored, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def lint_file(path: Path, data: bytes) -> list[Diagnostic]:
    """Write `data` to `path` and lint it with every rule, settings rooted at its folder."""
    path.write_bytes(data)
    return lint_bytes(path, data, Settings(root=path.parent), ALL_RULES)


def check_files(
    root: Path, files: Mapping[str, str | bytes], families: Sequence[str]
) -> list[Diagnostic]:
    """Write `files` under `root` and run the checkers of `families` over them, as the CLI does."""
    paths = write_files(root, files)
    return checkers.run_all(paths, SettingsResolver(cwd=root), families=families)


def marked(code: str) -> list[int]:
    """The lines of a rule's example marked `# error`: where a finding is expected."""
    return [n for n, line in enumerate(code.splitlines(), 1) if re.search(r"#\s*error\b", line)]


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
    init_repo(repo)
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


# pre-commit against this checkout as a hook repository (the end-to-end tests).


@dataclass(frozen=True)
class HookRepo:
    """This checkout as a pre-commit hook repository, and the PRE_COMMIT_HOME it is installed in."""

    path: Path
    rev: str
    home: Path


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    path = tmp_path_factory.mktemp("hook-repo")
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is gone
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, path / name)
    init_repo(path)
    commit(path)
    rev = run(["git", "rev-parse", "HEAD"], path, check=True).stdout.strip()
    hooks = HookRepo(path, rev, tmp_path_factory.mktemp("pre-commit-home"))
    installer = tmp_path_factory.mktemp("install")
    init_repo(installer)
    write_config(installer, hooks, HOOK_IDS)
    started = time.perf_counter()
    installed = pre_commit(installer, hooks, "install-hooks")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    sys.stderr.write(f"\nhook environment built in {time.perf_counter() - started:.1f}s\n")
    return hooks


def init_repo(path: Path) -> None:
    """A git repository at `path`, with an identity so commits work in CI."""
    run(["git", "init", "-q", "-b", "main"], path, check=True)
    run(["git", "config", "user.email", "test@example.invalid"], path, check=True)
    run(["git", "config", "user.name", "Test"], path, check=True)


def commit(path: Path) -> None:
    run(["git", "add", "."], path, check=True)
    run(["git", "commit", "-q", "--no-verify", "-m", "snapshot"], path, check=True)


def write_config(repo: Path, hooks: HookRepo, hook_ids: tuple[str, ...]) -> None:
    entry = {"repo": str(hooks.path), "rev": hooks.rev, "hooks": [{"id": i} for i in hook_ids]}
    # JSON is YAML.
    (repo / ".pre-commit-config.yaml").write_text(json.dumps({"repos": [entry]}, indent=2))


def pre_commit(repo: Path, hooks: HookRepo, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PRE_COMMIT_HOME": str(hooks.home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
