"""The run index: a warm run over the same files reads no unchanged source and no entry,
and nothing in the index (planted, forged, stale or racy) can hide a finding.

Each test has its own per-user key folder (XDG_CACHE_HOME)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ml_policy, write_files

from ml_policy import runindex

pytestmark = pytest.mark.slow

TRIGGERING = (
    "from torch.utils.data import DataLoader\nloader = DataLoader(dataset, batch_size=64)\n"
)
QUIET = "from torch.utils.data import DataLoader\nloader = DataLoader(dataset, num_workers=4)\n"
FILES = runindex.MIN_FILES + 6


@pytest.fixture
def key_home(tmp_path: Path) -> Path:
    return tmp_path / "user-cache"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Enough files for a run index, one of them with an MLP001 finding."""
    root = tmp_path / "project"
    files = {f"pkg/m{n:03}.py": f"VALUE = {n}\n" for n in range(FILES)}
    write_files(root, {**files, "pkg/train.py": TRIGGERING})
    return root


def _lint(root: Path, key_home: Path) -> list[str]:
    result = ml_policy(
        "lint", ".", "--output-format", "json", cwd=root, env={"XDG_CACHE_HOME": str(key_home)}
    )
    found = json.loads(result.stdout)
    return sorted(f"{Path(d['filename']).relative_to(root).as_posix()}:{d['code']}" for d in found)


def _indexes(root: Path) -> list[Path]:
    return sorted((root / ".ml-policy-cache").glob("*/runs/*.json"))


def _payload(index: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(index.read_bytes().partition(b"\n")[2])
    return data


def _settle(root: Path) -> None:
    """Wait until every file is older than the index trusts (ctime cannot be set back)."""
    time.sleep(runindex.SETTLE_NS / 1e9 + 0.2)


def test_a_warm_run_reads_its_index(project: Path, key_home: Path) -> None:
    _settle(project)
    first = _lint(project, key_home)
    assert first == ["pkg/train.py:MLP001"]
    (index,) = _indexes(project)
    payload = _payload(index)
    assert len(payload["digests"]) == FILES + 1  # every file settled: its digest kept
    assert len(payload["entries"]) == FILES + 1
    # Entries gone: the warm run answers from the index alone.
    for entry in (project / ".ml-policy-cache").glob("*/??/*.json"):
        entry.unlink()
    assert _lint(project, key_home) == first


def test_a_changed_file_is_read_again(project: Path, key_home: Path) -> None:
    _settle(project)
    assert _lint(project, key_home) == ["pkg/train.py:MLP001"]
    (project / "pkg/train.py").write_text(QUIET)  # same size: only the stat tells
    assert len(QUIET) == len(TRIGGERING)
    assert _lint(project, key_home) == []
    (project / "pkg/train.py").write_text(TRIGGERING)
    assert _lint(project, key_home) == ["pkg/train.py:MLP001"]


def test_a_file_written_during_the_last_seconds_is_not_trusted(
    project: Path, key_home: Path
) -> None:
    """Within one clock tick a rewrite keeps mtime and size: a young file's digest is not
    recorded, so the next run hashes it again."""
    _settle(project)
    (project / "pkg/train.py").write_text(QUIET)
    assert _lint(project, key_home) == []
    digests = _payload(_indexes(project)[0])["digests"]
    assert "pkg/train.py" not in digests
    assert "pkg/m000.py" in digests


@pytest.mark.parametrize("tamper", ["entries", "digests", "garbage", "other key"])
def test_a_planted_or_forged_index_hides_nothing(
    project: Path, key_home: Path, tmp_path: Path, tamper: str
) -> None:
    _settle(project)
    _lint(project, key_home)
    (index,) = _indexes(project)
    mac, _, payload = index.read_bytes().partition(b"\n")
    data = json.loads(payload)
    if tamper == "entries":  # every finding gone, authenticator kept
        data["entries"] = {key: [] for key in data["entries"]}
        index.write_bytes(mac + b"\n" + json.dumps(data).encode())
    elif tamper == "digests":  # train.py said to hold what a quiet file holds
        quiet = data["digests"]["pkg/m000.py"][-1]
        data["digests"]["pkg/train.py"][-1] = quiet
        index.write_bytes(mac + b"\n" + json.dumps(data).encode())
    elif tamper == "garbage":
        index.write_bytes(b"0" * 64 + b"\n{not json")
    else:  # a valid index of another user (another key) with no findings
        other = tmp_path / "other-user"
        (project / "pkg/train.py").write_text(QUIET)
        _settle(project)
        _lint(project, other)
        (project / "pkg/train.py").write_text(TRIGGERING)
    assert _lint(project, key_home) == ["pkg/train.py:MLP001"]


def test_indexes_are_kept_for_the_last_runs_only(tmp_path: Path, key_home: Path) -> None:
    root = tmp_path / "project"
    write_files(root, {f"m{n:03}.py": "x = 1\n" for n in range(runindex.MIN_FILES)})
    for n in range(runindex.KEPT + 3):  # another list of files each time
        (root / f"extra{n}.py").write_text("y = 2\n")
        _lint(root, key_home)
    assert len(_indexes(root)) == runindex.KEPT


def test_no_index_for_a_few_files(tmp_path: Path, key_home: Path) -> None:
    root = tmp_path / "project"
    write_files(root, {"train.py": TRIGGERING})
    _lint(root, key_home)
    assert _indexes(root) == []
    assert os.listdir(root / ".ml-policy-cache")


def test_secrets_read_their_index_and_see_a_changed_file(project: Path, key_home: Path) -> None:
    token = 'TOKEN = "hf_' + "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH" + '"\n'
    (project / "pkg/config.py").write_text(token)
    _settle(project)

    def secrets() -> list[str]:
        result = ml_policy(
            "secrets", ".", "--output-format", "json", cwd=project,
            env={"XDG_CACHE_HOME": str(key_home)},
        )  # fmt: skip
        return sorted(Path(d["filename"]).name for d in json.loads(result.stdout))

    assert secrets() == ["config.py"]
    for entry in (project / ".ml-policy-cache").glob("*/??/*.json"):
        entry.unlink()
    assert secrets() == ["config.py"]  # from the index alone
    (project / "pkg/config.py").write_text(token.replace("hf_", "xx_"))
    assert secrets() == []
