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
from conftest import commit, init_repo, write

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
