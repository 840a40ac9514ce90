"""The hook manifest, this repository's own hook list, and the tool-hook wrappers.

The wrappers are run as the hooks run them (`ml-policy mypy`, `ml-policy
bandit` in a subprocess) against real virtual environments made with
`python -m venv`, so interpreter discovery is checked by what mypy actually
resolves, not by what a function returns.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import HOOK_IDS, run
from conftest import make_venv as venv
from ruamel.yaml import YAML

from ml_policy import bundles
from ml_policy.tools import project_interpreters

ROOT = Path(__file__).resolve().parents[1]
PERMANENT_IDS = set(HOOK_IDS)
SELECTION_KEYS = ("files", "exclude", "types", "types_or", "require_serial")


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


MANIFEST: list[dict[str, Any]] = load_yaml(ROOT / ".pre-commit-hooks.yaml")
BY_ID = {hook["id"]: hook for hook in MANIFEST}


# --- the manifest ---------------------------------------------------------------


@pytest.mark.slow
def test_manifest_is_valid_for_pre_commit() -> None:
    result = run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"], ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_offers_every_permanent_id_and_every_bundle_hook() -> None:
    assert set(BY_ID) == PERMANENT_IDS
    assert len(MANIFEST) == len(BY_ID)
    for bundle in bundles.all_bundles():
        assert set(bundle.hook_ids()) <= set(BY_ID), bundle.ref


@pytest.mark.parametrize("hook", MANIFEST, ids=lambda hook: str(hook["id"]))
def test_manifest_hook_follows_the_conventions(hook: dict[str, Any]) -> None:
    assert hook["language"] == "python"
    assert hook["minimum_pre_commit_version"] == "3.2.0"  # stage names pre-commit, pre-push
    assert hook["stages"] == ["pre-commit", "pre-merge-commit", "pre-push", "manual"]
    assert "args" not in hook  # settings come from the repository's configuration
    assert "always_run" not in hook
    assert {"files", "types", "types_or"} & set(hook) or hook["id"] == "ml-policy-artifacts"


# What the deps checker reads (its rule docs list them), and files it does not.
DEPS_FILES = [
    "requirements.txt",
    "requirements-dev.in",
    "dev-requirements.txt",
    "REQUIREMENTS.TXT",
    "constraints.txt",
    "requirements/base.txt",
    "services/api/reqs/gpu.in",
    "pyproject.toml",
    "pkg/setup.cfg",
    "setup.py",
    "environment.yml",
    "envs/environment-gpu.yaml",
    "Dockerfile",
    "docker/Dockerfile.gpu",
    "docker/train.dockerfile",
    "docker/Dockerfile_amd",
    "docker/InternVL_Dockerfile",
    "Containerfile",
    "scripts/setup_env.sh",
    "run.bash",
    "notebooks/01-eda.ipynb",
    ".github/workflows/ci.yml",
    ".github/workflows/train.yaml",
]
NOT_DEPS_FILES = ["train.py", "README.md", "configs/model.yaml", "ci/workflows/ci.yml", "data.txt"]


def test_deps_hook_is_given_every_manifest_the_checker_reads() -> None:
    # pre-commit matches `files` with re.search against the path from the repository root.
    selects = re.compile(BY_ID["ml-policy-deps"]["files"]).search
    assert [name for name in DEPS_FILES if not selects(name)] == []
    assert [name for name in NOT_DEPS_FILES if selects(name)] == []


def test_whole_program_tools_run_serially_and_config_drift_takes_no_file_names() -> None:
    for hook_id in ("ml-policy-ruff", "ml-policy-ruff-format", "ml-policy-mypy"):
        assert BY_ID[hook_id]["require_serial"] is True, hook_id
    assert BY_ID["ml-policy-config"]["pass_filenames"] is False
    for hook_id in ("ml-policy-lint", "ml-policy-deps", "ml-policy-artifacts", "ml-policy-secrets"):
        assert "require_serial" not in BY_ID[hook_id], hook_id  # files are judged one by one


@pytest.mark.slow
@pytest.mark.parametrize("hook", MANIFEST, ids=lambda hook: str(hook["id"]))
def test_manifest_entry_is_a_command_this_package_installs(
    hook: dict[str, Any], tmp_path: Path
) -> None:
    program, *arguments = hook["entry"].split()
    # The console scripts of this package and of its pinned ruff dependency.
    module = {"ml-policy": "ml_policy", "ruff": "ruff"}[program]
    result = run([sys.executable, "-m", module, *arguments, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr


def test_own_config_runs_the_manifest_hooks_from_this_checkout() -> None:
    """.pre-commit-config.yaml mirrors the manifest: same ids, same file selection."""
    config = load_yaml(ROOT / ".pre-commit-config.yaml")
    (local,) = config["repos"]
    assert local["repo"] == "local"
    own = {hook["id"]: hook for hook in local["hooks"]}
    assert set(own) == PERMANENT_IDS
    for hook_id, hook in own.items():
        published = BY_ID[hook_id]
        assert hook["entry"] == f"uv run --frozen {published['entry']}"
        assert hook["language"] == "unsupported"
        if hook_id == "ml-policy-mypy":
            # The one deliberate difference: mypy checks [tool.mypy] files here.
            assert hook["pass_filenames"] is False
            continue
        for key in SELECTION_KEYS:
            assert hook.get(key) == published.get(key), f"{hook_id}: {key}"
        assert hook.get("pass_filenames") == published.get("pass_filenames"), hook_id


# --- the ML hooks with no files ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("command", ["lint", "deps", "artifacts", "secrets", "bandit"])
def test_hook_command_without_files_does_nothing(command: str, tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "ml_policy", command], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


# --- ml-policy mypy: the project's interpreter ---------------------------------------

TYPED_PACKAGE = {
    "py.typed": "",
    "__init__.py": "def answer() -> int:\n    return 42\n",
}
# A type error only a mypy that sees the package's annotations can report.
USES_PACKAGE = "import deepthought\n\nresult: str = deepthought.answer()\n"
SEES_PACKAGE = 'Incompatible types in assignment (expression has type "int"'
MISSES_PACKAGE = 'Cannot find implementation or library stub for module named "deepthought"'


def make_venv(where: Path, *, with_package: bool = True) -> Path:
    """A real virtual environment, with a small typed package installed in it unless asked not."""
    return venv(where, {"deepthought": TYPED_PACKAGE} if with_package else None)


def mypy_hook(cwd: Path, *args: str, virtual_env: str | None = None) -> tuple[int, str, str]:
    """`ml-policy mypy` as the hook runs it, with VIRTUAL_ENV as given (unset by default)."""
    environment = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    if virtual_env is not None:
        environment["VIRTUAL_ENV"] = virtual_env
    command = [sys.executable, "-m", "ml_policy", "mypy", "--no-incremental", *args]
    result = subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def project(git_repo: Path) -> Path:
    (git_repo / "src").mkdir()
    (git_repo / "src" / "train.py").write_text(USES_PACKAGE)
    return git_repo.resolve()  # the wrapper names resolved folders (/tmp is a link on macOS)


@pytest.mark.slow
def test_mypy_uses_the_dot_venv_of_the_project(project: Path) -> None:
    python = make_venv(project / ".venv")
    code, out, err = mypy_hook(project, "src/train.py")
    assert code == 1
    assert SEES_PACKAGE in out
    assert f"type-checking against {python} (.venv in {project})" in err


@pytest.mark.slow
def test_mypy_finds_the_dot_venv_from_a_subfolder(project: Path) -> None:
    make_venv(project / ".venv")
    code, out, err = mypy_hook(project / "src", "train.py")
    assert code == 1
    assert SEES_PACKAGE in out
    assert ".venv in" in err


@pytest.mark.slow
def test_mypy_uses_an_activated_virtualenv(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "envs" / "research"
    elsewhere.parent.mkdir()
    python = make_venv(elsewhere)
    code, out, err = mypy_hook(project, "src/train.py", virtual_env=str(elsewhere))
    assert code == 1
    assert SEES_PACKAGE in out
    assert f"type-checking against {python} (VIRTUAL_ENV)" in err


@pytest.mark.slow
def test_mypy_ignores_its_own_environment_as_pre_commit_sets_it(project: Path) -> None:
    """pre-commit points VIRTUAL_ENV at the hook's environment: that is not the project's."""
    python = make_venv(project / ".venv")
    code, out, err = mypy_hook(project, "src/train.py", virtual_env=sys.prefix)
    assert code == 1
    assert SEES_PACKAGE in out
    assert f"type-checking against {python}" in err


@pytest.mark.slow
def test_mypy_says_when_no_project_environment_is_found(project: Path) -> None:
    # A .venv above the repository belongs to something else and is not used.
    make_venv(project.parent / ".venv")
    code, out, err = mypy_hook(project, "src/train.py")
    assert code == 1
    assert MISSES_PACKAGE in out
    assert "no project environment found" in err


@pytest.mark.slow
def test_mypy_prints_what_mypy_prints(project: Path) -> None:
    """mypy runs in the wrapper's process and ends it as `mypy` does: nothing it writes
    (the findings, the summary) is lost on the way out."""
    (project / "src" / "other.py").write_text('count: int = "many"\n')
    code, out, _ = mypy_hook(project, "src/train.py", "src/other.py")
    command = [sys.executable, "-m", "mypy", "--no-incremental", "src/train.py", "src/other.py"]
    plain = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    assert (code, out) == (plain.returncode, plain.stdout)
    assert "Found 2 errors in 2 files (checked 2 source files)" in out


@pytest.mark.slow
def test_mypy_keeps_an_interpreter_given_on_the_command_line(project: Path, tmp_path: Path) -> None:
    make_venv(project / ".venv")
    chosen = make_venv(tmp_path / "chosen", with_package=False)
    code, out, err = mypy_hook(project, "--python-executable", str(chosen), "src/train.py")
    assert code == 1
    assert MISSES_PACKAGE in out
    assert "type-checking against" not in err


@pytest.mark.slow
def test_mypy_is_the_pinned_version(tmp_path: Path) -> None:
    pin = re.search(r'"mypy==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin is not None
    code, out, _ = mypy_hook(tmp_path, "--version")
    assert code == 0
    assert out.startswith(f"mypy {pin.group(1)} ")


@pytest.mark.slow
def test_interpreter_discovery_prefers_an_activated_virtualenv(
    project: Path, tmp_path: Path
) -> None:
    dot_venv = make_venv(project / ".venv")
    active = make_venv(tmp_path / "active")
    found = project_interpreters(project, {"VIRTUAL_ENV": str(tmp_path / "active")})
    assert [(i.executable, i.found_by) for i in found] == [
        (active, "VIRTUAL_ENV"),
        (dot_venv, f".venv in {project}"),
    ]
    missing = project_interpreters(project, {"VIRTUAL_ENV": str(tmp_path / "gone")})
    assert [i.executable for i in missing] == [dot_venv]


@pytest.mark.slow
def test_mypy_skips_an_environment_whose_python_does_not_run(project: Path) -> None:
    broken = project / ".venv" / "bin" / "python"
    broken.parent.mkdir(parents=True)
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    (project / "src" / "train.py").write_text("steps: int = 10\n")
    code, out, err = mypy_hook(project, "src/train.py")
    assert code == 0, out + err
    assert f"ignoring {broken} (.venv in {project}): it does not run" in err
    assert "no project environment found" in err
    assert "INTERNAL ERROR" not in out + err


# --- ml-policy bandit: [tool.bandit] when it is there --------------------------------

UNSAFE_LOAD = "import torch\n\nstate = torch.load('model.pt')\n"


def bandit_hook(cwd: Path, *args: str) -> tuple[int, str]:
    result = run([sys.executable, "-m", "ml_policy", "bandit", *args], cwd)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.slow
def test_bandit_reads_tool_bandit(tmp_path: Path) -> None:
    (tmp_path / "load.py").write_text(UNSAFE_LOAD)
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B614"]\n')
    code, out = bandit_hook(tmp_path, "load.py")
    assert code == 0, out
    assert "No issues identified" in out


@pytest.mark.slow
@pytest.mark.parametrize("pyproject", [None, '[project]\nname = "demo"\n'])
def test_bandit_without_tool_bandit_runs_its_defaults(
    tmp_path: Path, pyproject: str | None
) -> None:
    (tmp_path / "load.py").write_text(UNSAFE_LOAD)
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    code, out = bandit_hook(tmp_path, "load.py")
    assert code == 1, out
    assert "B614" in out
    assert "Could not read config file" not in out


@pytest.mark.slow
def test_bandit_reports_a_malformed_pyproject_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "load.py").write_text(UNSAFE_LOAD)
    (tmp_path / "pyproject.toml").write_text("[tool.bandit]\nskips = [B614]\n")
    code, out = bandit_hook(tmp_path, "load.py")
    assert code == 2
    # The line is in the prefix or, from older tomllib versions, in the message.
    assert re.search(r"ml-policy: error: pyproject\.toml(:2: |: .*line 2)", out), out
    assert "Traceback" not in out


@pytest.mark.slow
def test_bandit_exclude_dirs_applies_to_files_pre_commit_passes(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_load.py").write_text(UNSAFE_LOAD)
    (tmp_path / "load.py").write_text(UNSAFE_LOAD)
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nexclude_dirs = ["tests/*"]\n')
    code, out = bandit_hook(tmp_path, "tests/test_load.py", "load.py")
    assert code == 1, out
    assert "load.py:3" in out
    assert "test_load.py" not in out


@pytest.mark.slow
def test_bandit_keeps_a_config_file_given_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "load.py").write_text(UNSAFE_LOAD)
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B614"]\n')
    (tmp_path / "strict.toml").write_text("[tool.bandit]\nskips = []\n")
    code, out = bandit_hook(tmp_path, "-c", "strict.toml", "load.py")
    assert code == 1, out
    assert "B614" in out
