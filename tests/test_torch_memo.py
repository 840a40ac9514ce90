"""The declared torch (MLS001, MLT004), kept in the cache per folder (torch_pin).

A kept verdict is used only while the folder's manifests are the ones it was
read from, byte for byte; a folder whose verdict read anything else (an
include) or met an error is never kept. Each test has its own user key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_files

from ml_policy.cache import Cache
from ml_policy.rules.supply_chain import torch_pin, torch_requirements
from ml_policy.rules.supply_chain.torch_pin import TorchDefault

OLD, NEW = "torch==2.1.0\n", "torch==2.8.0\n"  # the same size: a stat signature could miss it


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    write_files(project, {"requirements.txt": OLD, "pkg/a.py": "import torch\n"})
    return project


@pytest.fixture
def kept(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cache:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return Cache(root / ".ml-policy-cache")


def _verdict(root: Path, kept: Cache) -> TorchDefault:
    """The verdict as a new process would work it out (nothing remembered in memory)."""
    torch_pin._nearest_ranges.cache_clear()
    torch_pin._declared_from.cache_clear()
    torch_pin._read_folder.cache_clear()
    return torch_pin.torch_load_default(root / "pkg" / "a.py", root, kept)


def _not_read(manifests: list[Path]) -> tuple[torch_pin.Ranges | None, bool]:
    raise AssertionError(f"read again: {manifests}")


def _memos(root: Path) -> list[Path]:
    return sorted((root / ".ml-policy-cache").glob("*/memo/*.json"))


def test_a_kept_verdict_is_used_without_reading(
    root: Path, kept: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _verdict(root, kept) is TorchDefault.UNPICKLES
    assert len(_memos(root)) == 2  # pkg (declares nothing) and the root
    monkeypatch.setattr(torch_requirements, "folder_ranges", _not_read)
    assert _verdict(root, kept) is TorchDefault.UNPICKLES


def test_an_edited_manifest_is_read_again(root: Path, kept: Cache) -> None:
    assert _verdict(root, kept) is TorchDefault.UNPICKLES
    (root / "requirements.txt").write_text(NEW)
    assert _verdict(root, kept) is TorchDefault.WEIGHTS_ONLY
    (root / "requirements.txt").write_text(OLD)
    assert _verdict(root, kept) is TorchDefault.UNPICKLES


def test_a_new_or_removed_manifest_is_read_again(root: Path, kept: Cache) -> None:
    assert _verdict(root, kept) is TorchDefault.UNPICKLES
    (root / "pkg" / "requirements.txt").write_text(NEW)  # the nearer folder now declares
    assert _verdict(root, kept) is TorchDefault.WEIGHTS_ONLY
    (root / "pkg" / "requirements.txt").unlink()
    (root / "requirements").mkdir()
    (root / "requirements" / "base.txt").write_text(NEW)  # a second manifest of the root
    assert _verdict(root, kept) is TorchDefault.UNKNOWN  # 2.1 and 2.8 disagree
    (root / "requirements.txt").unlink()
    assert _verdict(root, kept) is TorchDefault.WEIGHTS_ONLY


def test_a_verdict_that_read_an_include_is_not_kept(root: Path, kept: Cache) -> None:
    write_files(root, {"requirements.txt": "-r base.txt\n", "base.txt": OLD})
    assert _verdict(root, kept) is TorchDefault.UNPICKLES
    assert len(_memos(root)) == 1  # pkg only
    (root / "base.txt").write_text(NEW)  # not a manifest by name: only the include reads it
    assert _verdict(root, kept) is TorchDefault.WEIGHTS_ONLY


def test_a_verdict_that_met_an_error_is_not_kept(root: Path, kept: Cache) -> None:
    write_files(root, {"pyproject.toml": "[project\n"})
    assert _verdict(root, kept) is TorchDefault.UNPICKLES
    assert len(_memos(root)) == 1


def test_a_malformed_kept_record_is_ignored(root: Path, kept: Cache) -> None:
    name = f"torch-declared:{root.resolve()}"
    records: list[object] = [
        {"ranges": "UNPICKLES", "read": {}},
        {"ranges": [[[2, 8]]], "read": {}},
        {"ranges": [[[2, 8], [2, "9"]]], "read": {}},
        {"ranges": None},
        [],
        {"read": []},
    ]
    for record in records:
        kept.keep(name, record)
        assert _verdict(root, kept) is TorchDefault.UNPICKLES


def test_a_planted_record_hides_nothing(root: Path, kept: Cache) -> None:
    """A record not signed by this user's key (planted, or edited) is not used."""
    assert _verdict(root, kept) is TorchDefault.UNPICKLES
    for memo in _memos(root):
        mac, _, payload = memo.read_bytes().partition(b"\n")
        record = json.loads(payload)
        record["ranges"] = [[[2, 8, 0], [2, 8, 0]]]
        memo.write_bytes(mac + b"\n" + json.dumps(record).encode())
    assert any(b"[2, 8, 0]" in memo.read_bytes() for memo in _memos(root))
    assert _verdict(root, kept) is TorchDefault.UNPICKLES
