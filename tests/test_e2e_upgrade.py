"""`ml-policy upgrade --baseline` on a real repository: the findings of the rule the new
version turns on are accepted, so `ml-policy check` stays green while new code is held to it.

In process (the bundle history is a tmp policies/ tree); slow: the baseline runs every
hook, Ruff, mypy and bandit included, before and after the upgrade.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import HookRepo, commit, init_repo, ml_policy, pre_commit, run, write
from test_e2e_adoption import point_at

from ml_policy import bundles
from ml_policy.cli import main

pytestmark = pytest.mark.slow

POLICIES = Path(__file__).resolve().parents[1] / "policies"
LOADER = """\
from torch.utils.data import DataLoader


def loader(dataset: object) -> DataLoader:
    return DataLoader(dataset, batch_size=8)
"""


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """ml-baseline@1 as shipped, and a version 2 that also selects MLP001."""
    root = tmp_path / "policies"
    v1, v2 = root / "ml-baseline" / "1", root / "ml-baseline" / "2"
    shutil.copytree(POLICIES / "ml-baseline" / "1", v1)
    shutil.copytree(v1, v2)
    for name, old, new in (
        ("bundle.toml", "version = 1", "version = 2"),
        ("ml-policy.toml", '  "MLM001",', '  "MLP001",  # synchronous DataLoader\n  "MLM001",'),
    ):
        text = (v2 / name).read_text()
        assert old in text
        (v2 / name).write_text(text.replace(old, new, 1))
    monkeypatch.setattr(bundles, "policies_root", lambda: root)
    bundles.all_bundles.cache_clear()
    yield root
    bundles.all_bundles.cache_clear()


def repository(where: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where.mkdir()
    init_repo(where)
    write(where, "pyproject.toml", '[project]\nname = "demo"\nversion = "1.0"\n')
    write(where, "train.py", LOADER)
    assert main(["init", "--bundle", "ml-baseline@1", str(where)]) == 0
    commit(where)
    monkeypatch.chdir(where)
    return where


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["check", "--no-cache", "."])
    return code, capsys.readouterr().out


def test_upgrade_baseline_keeps_the_repository_green(
    history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = repository(tmp_path / "repo", monkeypatch)
    assert check(capsys)[0] == 0  # MLP001 is not in ml-baseline@1
    assert main(["upgrade", "--baseline", "."]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "ml-baseline@1 -> ml-baseline@2" in out
    assert "ml-policy baseline: 1 finding(s) of the new configuration accepted" in out
    assert check(capsys)[0] == 0
    write(repo, "serve.py", LOADER)  # new code is held to the new rule
    code, found = check(capsys)
    assert code == 1
    assert "serve.py:5:12: MLP001" in found
    assert "train.py" not in found


def test_without_baseline_the_new_rule_fails_the_existing_code(
    history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repository(tmp_path / "repo", monkeypatch)
    assert main(["upgrade", "."]) == 0
    code, found = check(capsys)
    assert code == 1
    assert "train.py:5:12: MLP001" in found


# --- the shipped history, under pre-commit ---------------------------------------

MASKED = """\
import torch


def scale(x: torch.Tensor, mask: torch.Tensor = torch.ones(4)) -> torch.Tensor:
    return x * mask
"""


def test_shipped_baseline_upgrade_keeps_pre_commit_green(
    hook_repo: HookRepo, tmp_path: Path
) -> None:
    """ml-baseline@1 -> the latest (@2 turned MLM002 on), through the real hooks: the old
    shared tensor default is accepted by --baseline, a new one fails the lint hook."""
    repo = tmp_path / "trainer"
    repo.mkdir()
    init_repo(repo)
    write(repo, "pyproject.toml", '[project]\nname = "trainer"\nversion = "1.0"\n')
    write(repo, "src/trainer/scale.py", MASKED)
    commit(repo)
    assert ml_policy("init", "--bundle", "ml-baseline@1", "--baseline", cwd=repo).returncode == 0
    point_at(repo, hook_repo)
    commit(repo)
    assert pre_commit(repo, hook_repo, "run", "--all-files").returncode == 0
    upgraded = ml_policy("upgrade", "--baseline", cwd=repo)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "ml-baseline@1 -> ml-baseline@3" in upgraded.stdout
    assert 'bundle = "ml-baseline@3"' in (repo / "pyproject.toml").read_text()
    commit(repo)
    result = pre_commit(repo, hook_repo, "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    write(repo, "src/trainer/again.py", MASKED)
    run(["git", "add", "."], repo, check=True)
    result = pre_commit(repo, hook_repo, "run", "ml-policy-lint", "--all-files")
    assert result.returncode == 1
    assert "again.py:4:" in result.stdout
    assert "MLM002" in result.stdout
    assert "scale.py" not in result.stdout
