"""Adopting ml-policy on an existing training repository, as a team would, with pre-commit.

The repository is modelled on published training projects (their shapes, in
our own words): a `.pre-commit-config.yaml` with `-   repo:` items indented
by four, a multi-line flow list and a local hook; a `.mypy.ini` and a
`.bandit` of their own; and old findings of every kind. `ml-policy init
--baseline --migrate` (mypy reads .mypy.ini, which would hide the bundle's
[tool.mypy]: --migrate moves it, and .bandit, into pyproject.toml), commit,
and `pre-commit run --all-files` must pass without
changing a file; a commit that adds new violations must fail in exactly the
hooks that own them; an old finding that moves stays accepted.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import (
    HOOK_IDS,
    HookRepo,
    commit,
    init_repo,
    ml_policy,
    pre_commit,
    run,
    write_files,
)

from ml_policy import HOOK_REPO_URL

pytestmark = pytest.mark.slow

PRE_COMMIT_CONFIG = """\
default_language_version:
    python: python3

exclude: ^vendor/

repos:
-   repo: local
    hooks:
    -   id: no-todo-files
        name: no TODO files
        entry: TODO files are not committed
        language: fail
        files: (^|/)TODO$
        args:
          [
              '--strict',
              '--verbose',
          ]
"""

MYPY_INI = """\
[mypy]
ignore_missing_imports = True

[mypy-vendor.*]
ignore_errors = True
"""

BANDIT = "[bandit]\nexclude = tests\nskips = B101\n"

OLD_CODE = {
    "src/trainer/__init__.py": "",
    "src/trainer/loop.py": (
        "import os\n"
        "import pickle\n\n\n"
        "def train(config={}, steps=10):\n"
        '    config["steps"] = steps\n'
        '    state = pickle.loads(b"")\n'
        "    return state\n\n\n"
        'best: int = "none"\n'
    ),
    "src/trainer/data.py": "import numpy as np\nx=np.random.rand(3)\n",
    "requirements.txt": "torch\nnumpy==2.1.0\n",
    "tests/test_loop.py": "def test_loop():\n    assert True\n",
    "README.md": "# trainer\n",
}

# A new commit's violations, each in its own file, and the hooks that must fail on them.
NEW_CODE = {
    "src/trainer/schedule.py": (
        "def warmup(history: list[int] = []) -> list[int]:\n"
        "    history.append(1)\n"
        "    return history\n"
    ),
    "requirements-gpu.txt": "torch\n",
    "src/trainer/restore.py": (
        "import pickle\n\n\ndef restore(blob: bytes) -> object:\n    return pickle.loads(blob)\n"
    ),
    "src/trainer/typed.py": 'def steps() -> int:\n    return "ten"\n',
    "src/trainer/messy.py": "VALUE=1\n",
}
NEW_FAILURES = {
    "ml-policy-lint": ["MLM001"],
    "ml-policy-deps": ["MLD001"],
    "ml-policy-ruff": ["B006", "S301"],
    "ml-policy-mypy": ["return-value"],
    "ml-policy-ruff-format": ["1 file reformatted"],
}


def point_at(repo: Path, hooks: HookRepo) -> None:
    """The ml-policy entry init wrote, pointed at the code under test (same bytes otherwise)."""
    config = repo / ".pre-commit-config.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(f"repo: {HOOK_REPO_URL}", f"repo: {hooks.path}")
    config.write_text(re.sub(r"rev: v\d+\.\d+\.\d+", f"rev: {hooks.rev}", text), encoding="utf-8")


def failed_hooks(result: subprocess.CompletedProcess[str]) -> set[str]:
    hooks = set()
    for block in result.stdout.split("\n- hook id: ")[1:]:
        hook_id = block.split("\n", 1)[0].strip()
        if "- exit code:" in block or "- files were modified by this hook" in block:
            hooks.add(hook_id)
    return hooks


def tree(repo: Path) -> dict[str, bytes]:
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], repo)
    return {name: (repo / name).read_bytes() for name in filter(None, listed.stdout.split("\0"))}


@pytest.fixture(scope="module")
def adopted(hook_repo: HookRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("adoption") / "trainer"
    repo.mkdir()
    write_files(
        repo,
        {
            ".pre-commit-config.yaml": PRE_COMMIT_CONFIG,
            ".mypy.ini": MYPY_INI,
            ".bandit": BANDIT,
            **OLD_CODE,
        },
    )
    init_repo(repo)
    commit(repo)
    result = ml_policy("init", "--baseline", "--migrate", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (repo / ".mypy.ini").exists()
    assert not (repo / ".bandit").exists()
    point_at(repo, hook_repo)
    commit(repo)
    return repo


def test_init_kept_the_existing_configuration(adopted: Path) -> None:
    config = (adopted / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert config.startswith(PRE_COMMIT_CONFIG)
    assert all(f"id: {hook}" in config for hook in HOOK_IDS)


def test_adopted_repository_passes_every_hook_without_changes(
    adopted: Path, hook_repo: HookRepo
) -> None:
    before = tree(adopted)
    result = pre_commit(adopted, hook_repo, "run", "--all-files", "--verbose")
    assert result.returncode == 0, result.stdout + result.stderr
    assert failed_hooks(result) == set()
    assert tree(adopted) == before
    assert "accepted by .ml-policy-baseline.json" in result.stdout


def test_moved_old_findings_still_pass(adopted: Path, hook_repo: HookRepo) -> None:
    loop = adopted / "src/trainer/loop.py"
    original = loop.read_text(encoding="utf-8")
    loop.write_text('"""The training loop."""\n\n' + original, encoding="utf-8")
    try:
        result = pre_commit(adopted, hook_repo, "run", "--all-files", "--verbose")
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        loop.write_text(original, encoding="utf-8")


def test_new_violations_fail_exactly_the_hooks_that_own_them(
    adopted: Path, hook_repo: HookRepo
) -> None:
    written = write_files(adopted, NEW_CODE)
    try:
        run(["git", "add", "."], adopted, check=True)
        result = pre_commit(adopted, hook_repo, "run", "--verbose")
        assert failed_hooks(result) == set(NEW_FAILURES), result.stdout
        for hook_id, expected in NEW_FAILURES.items():
            block = result.stdout.split(f"- hook id: {hook_id}\n", 1)[1].split("- hook id:")[0]
            assert all(e in block for e in expected), (hook_id, block)
            assert "loop.py" not in block, (hook_id, block)  # old findings stay accepted
        assert (adopted / "src/trainer/messy.py").read_text() == "VALUE = 1\n"
        assert (adopted / "src/trainer/data.py").read_text() == OLD_CODE["src/trainer/data.py"]
    finally:
        run(["git", "reset", "-q"], adopted, check=True)
        for path in written:
            path.unlink()
