"""The hooks as users run them: pre-commit itself, in git repositories built from examples/.

pre-commit installs a hook repository from a commit. The session fixture
commits this checkout's working tree (what git would show: tracked plus
untracked-but-not-ignored files) to a scratch repository and points every
example's `.pre-commit-config.yaml` at that commit, so the tests check the
code under test, uncommitted changes included, and behave the same on a clean
CI clone. The hook environment (`pip install` of this package from PyPI's
wheels) is built once per session in a session-scoped PRE_COMMIT_HOME.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import string
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import HOOK_IDS, HookRepo, init_repo, make_venv, ml_policy, pre_commit, run
from ruamel.yaml import YAML

from ml_policy import HOOK_REPO_URL, __version__

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MEGABYTE = 1024 * 1024


def example_repo(name: str, destination: Path, hooks: HookRepo) -> Path:
    """A git repository holding examples/<name>, its hooks pointed at the code under test."""
    repo = (destination / name).resolve()  # as the mypy hook names it (/tmp is a link on macOS)
    shutil.copytree(EXAMPLES / name, repo)
    config_file = repo / ".pre-commit-config.yaml"
    yaml = YAML()
    config = yaml.load(config_file.read_text())
    (ours,) = [r for r in config["repos"] if r["repo"] == HOOK_REPO_URL]
    # The example pins the release tag, exactly as `ml-policy init` writes it.
    assert ours["rev"] == f"v{__version__}"
    ours["repo"], ours["rev"] = str(hooks.path), hooks.rev
    text = io.StringIO()
    yaml.dump(config, text)
    config_file.write_text(text.getvalue())
    init_repo(repo)
    run(["git", "add", "."], repo, check=True)
    return repo


# A stand-in for the torch wheel (800 MB): typed stubs of the API the clean
# example uses, installed in the project's .venv the way the real wheel would
# be. What is under test is that ml-policy-mypy finds and uses that environment.
TORCH_STUBS = {
    "py.typed": "",
    "__init__.pyi": """\
from typing import Any
from torch import cuda as cuda, nn as nn, optim as optim, utils as utils

class device:
    def __init__(self, type: str) -> None: ...

class Tensor:
    def to(self, device: device, non_blocking: bool = ...) -> Tensor: ...
    def item(self) -> float: ...
    def backward(self) -> None: ...
    def __getitem__(self, index: int) -> Tensor: ...
    def __len__(self) -> int: ...

def manual_seed(seed: int) -> Any: ...
def randn(*size: int) -> Tensor: ...
def randint(low: int, high: int, size: tuple[int, ...]) -> Tensor: ...
""",
    "cuda.pyi": "def is_available() -> bool: ...\n",
    "optim.pyi": """\
from collections.abc import Iterable
from torch import Tensor

class Optimizer:
    def zero_grad(self) -> None: ...
    def step(self) -> None: ...

class AdamW(Optimizer):
    def __init__(self, params: Iterable[Tensor], lr: float = ...) -> None: ...
""",
    "nn/__init__.pyi": """\
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from torch import Tensor
from torch.nn import functional as functional

_M = TypeVar("_M", bound=Module)

class Parameter(Tensor): ...

class Module:
    def __init__(self) -> None: ...
    __call__: Callable[..., Any]
    def train(self: _M, mode: bool = ...) -> _M: ...
    def to(self: _M, device: Any) -> _M: ...
    def parameters(self) -> Iterator[Parameter]: ...

class Linear(Module):
    def __init__(self, in_features: int, out_features: int) -> None: ...

class ReLU(Module): ...

class Sequential(Module):
    def __init__(self, *modules: Module) -> None: ...
""",
    "nn/functional.pyi": """\
from torch import Tensor

def cross_entropy(input: Tensor, target: Tensor) -> Tensor: ...
""",
    "utils/__init__.pyi": "from torch.utils import data as data\n",
    "utils/data.pyi": """\
from typing import Generic, TypeVar

_T_co = TypeVar("_T_co", covariant=True)

class Dataset(Generic[_T_co]):
    def __getitem__(self, index: int) -> _T_co: ...

class DataLoader(Generic[_T_co]):
    def __init__(
        self,
        dataset: Dataset[_T_co],
        batch_size: int | None = ...,
        shuffle: bool | None = ...,
        num_workers: int = ...,
        pin_memory: bool = ...,
    ) -> None: ...
    def __iter__(self) -> Iterator[_T_co]: ...
    def __len__(self) -> int: ...
""",
}


def make_project_venv(repo: Path) -> Path:
    """A real `.venv` in the repository, with the torch stand-in in its site-packages."""
    return make_venv(repo / ".venv", {"torch": TORCH_STUBS})


def random_hf_token() -> str:
    """A token of the real format (`hf_` + 34 letters), new on every run."""
    return "hf_" + "".join(secrets.choice(string.ascii_letters) for _ in range(34))


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


# --- the examples are what `ml-policy init` writes -----------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["antipatterns", "clean"])
def test_example_configuration_is_what_init_writes(name: str, tmp_path: Path) -> None:
    """Running init again changes neither file: the examples follow the bundle exactly."""
    repo = tmp_path / name
    shutil.copytree(EXAMPLES / name, repo)
    before = {f: (repo / f).read_bytes() for f in ("pyproject.toml", ".pre-commit-config.yaml")}
    result = ml_policy("init", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {f: (repo / f).read_bytes() for f in before} == before
    if name == "clean":  # its slim secrets baseline is init's too
        assert "nothing to change" in result.stdout


def test_clean_ci_workflow_runs_every_hook_and_uploads_sarif() -> None:
    workflow = YAML(typ="safe").load((EXAMPLES / "clean/.github/workflows/ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps: list[dict[str, Any]] = job["steps"]
    assert any("pre-commit run --all-files" in step.get("run", "") for step in steps)
    (sarif,) = [step for step in steps if "--output-format sarif" in step.get("run", "")]
    (upload,) = [
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    ]
    assert sarif["run"].startswith("ml-policy check ")
    assert "--exit-zero" in sarif["run"]  # findings are alerts, not a failed step
    assert f"> {upload['with']['sarif_file']}" in sarif["run"]
    # Both run when the hooks fail: that is when the alerts matter.
    assert sarif["if"] == upload["if"] == "${{ !cancelled() }}"


# --- the anti-pattern example: each hook reports its findings ------------------

EXPECTED = {
    "ml-policy-lint": (
        *("MLM001", "MLM002", "MLM003", "MLM004", "MLP001", "MLP002", "MLP003"),
        *("MLC001", "MLS001"),
    ),
    "ml-policy-deps": (
        *("MLD001", "MLD003", "MLD004", "MLD006"),
        *("MLI001", "MLI002", "MLI003", "MLI004", "MLI005"),
    ),
    "ml-policy-artifacts": ("MLA001", "MLA002"),
    "ml-policy-secrets": ("MLK001",),
    "ml-policy-config": ("MLG005", "MLG006"),
    "ml-policy-ruff": ("NPY002",),
    "ml-policy-bandit": ("B411",),
    "ml-policy-hadolint": ("DL3042", "DL3059"),
}


@pytest.fixture(scope="module")
def antipatterns(hook_repo: HookRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_repo("antipatterns", tmp_path_factory.mktemp("e2e"), hook_repo)


@pytest.mark.slow
@pytest.mark.parametrize(("hook_id", "codes"), EXPECTED.items())
def test_antipatterns_fail_each_hook_with_its_codes(
    antipatterns: Path, hook_repo: HookRepo, hook_id: str, codes: tuple[str, ...]
) -> None:
    result = pre_commit(antipatterns, hook_repo, "run", hook_id, "--all-files")
    assert result.returncode == 1, output(result)
    assert f"- hook id: {hook_id}" in result.stdout
    for code in codes:
        assert code in result.stdout, f"{hook_id} did not report {code}:\n{output(result)}"
    assert "Traceback" not in output(result)


@pytest.mark.slow
def test_antipatterns_secret_is_not_printed_in_full(
    antipatterns: Path, hook_repo: HookRepo
) -> None:
    # Read from the example rather than repeated here, where this repository's
    # own secrets hook would rightly report it.
    found = re.search(r"hf_[A-Za-z]{34}", (antipatterns / "src/trainer/config.py").read_text())
    assert found is not None
    token = found.group()
    result = pre_commit(antipatterns, hook_repo, "run", "ml-policy-secrets", "--all-files")
    assert "MLK001" in result.stdout
    assert token not in output(result)


@pytest.mark.slow
def test_antipatterns_mypy_hook_fails_on_torch_without_a_project_environment(
    antipatterns: Path, hook_repo: HookRepo
) -> None:
    result = pre_commit(antipatterns, hook_repo, "run", "ml-policy-mypy", "--all-files")
    assert result.returncode == 1, output(result)
    assert "no project environment found" in result.stdout
    # Not silently Any: the import of torch is an error mypy reports.
    assert 'module named "torch"' in result.stdout


@pytest.mark.slow
def test_hooks_take_part_of_the_file_list(antipatterns: Path, hook_repo: HookRepo) -> None:
    """pre-commit passes only the files of the commit: findings elsewhere do not appear."""
    only = "src/trainer/data.py"
    result = pre_commit(antipatterns, hook_repo, "run", "ml-policy-lint", "--files", only)
    assert result.returncode == 1, output(result)
    assert "MLP001" in result.stdout
    assert "train.py" not in result.stdout
    assert "MLM003" not in result.stdout


@pytest.mark.slow
def test_hooks_without_matching_files_are_skipped(antipatterns: Path, hook_repo: HookRepo) -> None:
    result = pre_commit(antipatterns, hook_repo, "run", "--files", "README.md")
    assert result.returncode == 0, output(result)
    lines = {line.split(".", 1)[0]: line for line in result.stdout.splitlines()}
    for name in ("ml-policy lint (ML anti-patterns)", "ml-policy mypy (pinned)"):
        assert lines[name].endswith("(no files to check)Skipped"), result.stdout
    assert "Failed" not in result.stdout


# --- the clean example: every hook passes -----------------------------------


@pytest.fixture
def clean(hook_repo: HookRepo, tmp_path: Path) -> Path:
    return example_repo("clean", tmp_path, hook_repo)


@pytest.mark.slow
def test_clean_example_passes_every_hook(clean: Path, hook_repo: HookRepo) -> None:
    python = make_project_venv(clean)
    result = pre_commit(clean, hook_repo, "run", "--all-files", "--verbose")
    assert result.returncode == 0, output(result)
    for hook_id in HOOK_IDS:
        assert f"- hook id: {hook_id}" in result.stdout, f"{hook_id} did not run"
    assert "Failed" not in result.stdout
    # mypy checked against the project's .venv and said so.
    assert f"type-checking against {python}" in result.stdout


@pytest.mark.slow
def test_clean_example_without_its_environment_fails_mypy_and_says_why(
    clean: Path, hook_repo: HookRepo
) -> None:
    result = pre_commit(clean, hook_repo, "run", "ml-policy-mypy", "--all-files")
    assert result.returncode == 1, output(result)
    assert "no project environment found" in result.stdout
    assert 'module named "torch"' in result.stdout


@pytest.mark.slow
def test_config_hook_passes_clean_and_fails_a_weakened_mypy_flag_at_its_line(
    clean: Path, hook_repo: HookRepo
) -> None:
    assert pre_commit(clean, hook_repo, "run", "ml-policy-config", "--all-files").returncode == 0
    pyproject = clean / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(
        text.replace("strict = true\n", "strict = true\nwarn_return_any = false\n")
    )
    line = pyproject.read_text().splitlines().index("warn_return_any = false") + 1
    result = pre_commit(clean, hook_repo, "run", "ml-policy-config", "--all-files")
    assert result.returncode == 1, output(result)
    assert f"pyproject.toml:{line}:1: MLG002 tool.mypy.warn_return_any: " in result.stdout


@pytest.mark.slow
def test_staged_checkpoint_fails_unless_tracked_by_lfs(clean: Path, hook_repo: HookRepo) -> None:
    run(["git", "rm", "-q", "--cached", ".gitattributes"], clean, check=True)
    (clean / ".gitattributes").unlink()
    checkpoint = clean / "checkpoints" / "model.pt"
    checkpoint.parent.mkdir()
    checkpoint.write_bytes(os.urandom(5 * MEGABYTE))
    run(["git", "add", "checkpoints/model.pt"], clean, check=True)
    failed = pre_commit(clean, hook_repo, "run", "ml-policy-artifacts")
    assert failed.returncode == 1, output(failed)
    assert "checkpoints/model.pt" in failed.stdout
    assert "MLA001" in failed.stdout
    (clean / ".gitattributes").write_text("*.pt filter=lfs diff=lfs merge=lfs -text\n")
    run(["git", "add", ".gitattributes", "checkpoints/model.pt"], clean, check=True)
    passed = pre_commit(clean, hook_repo, "run", "ml-policy-artifacts")
    assert passed.returncode == 0, output(passed)


@pytest.mark.slow
def test_staged_hugging_face_token_fails_and_is_not_printed(
    clean: Path, hook_repo: HookRepo
) -> None:
    token = random_hf_token()
    settings = clean / "src" / "classifier" / "hub.py"
    settings.write_text(f'"""Hub access."""\n\nHF_TOKEN = "{token}"\n')
    run(["git", "add", "src/classifier/hub.py"], clean, check=True)
    result = pre_commit(clean, hook_repo, "run", "ml-policy-secrets")
    assert result.returncode == 1, output(result)
    assert "src/classifier/hub.py:3" in result.stdout
    assert "MLK001" in result.stdout
    assert token not in output(result)
    assert token[3:] not in output(result)  # not even without its prefix
