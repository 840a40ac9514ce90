"""The content-hash cache: used when it is ours, never able to hide a finding when it is not.

Every run here has its own per-user key folder (XDG_CACHE_HOME), so the
tests neither read nor write the real user's key.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import cache_entry_records, ml_policy, rewrite_cache_entry, run, write_files

pytestmark = pytest.mark.slow

TRIGGERING = "from torch.utils.data import DataLoader\nloader = DataLoader(dataset, batch_size=4)\n"
HF_LINE = 'TOKEN = "hf_' + "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH" + '"\n'


def _run(cwd: Path, *args: str, key_home: Path) -> subprocess.CompletedProcess[str]:
    return ml_policy(*args, cwd=cwd, env={"XDG_CACHE_HOME": str(key_home)})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_files(root, {"train.py": TRIGGERING, "config.py": HF_LINE})
    return root


@pytest.fixture
def key_home(tmp_path: Path) -> Path:
    return tmp_path / "user-cache"


def _codes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted(d["code"] for d in json.loads(result.stdout))


def _entries(root: Path) -> list[Path]:
    """The per-file result entries (not the run indexes or kept verdicts beside them)."""
    return sorted((root / ".ml-policy-cache").glob("*/??/*.json"))


def _check(project: Path, key_home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _run(project, "check", ".", "--output-format", "json", *extra, key_home=key_home)


def test_a_trusted_cache_is_consulted(project: Path, key_home: Path) -> None:
    first = _check(project, key_home)
    assert _codes(first) == ["MLK001", "MLP001"]
    entries = _entries(project)
    assert len(entries) == 4  # two files, each linted and scanned for secrets
    # Rewrite the entries as the user's own ml-policy would: the next run reports them.
    for entry in entries:
        records = cache_entry_records(entry)
        for record in records:
            record["message"] = "from the cache"
        rewrite_cache_entry(entry, records, key_home)
    second = json.loads(_check(project, key_home).stdout)
    assert [d["message"] for d in second] == ["from the cache"] * 2
    assert oct((key_home / "ml-policy" / "cache-key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    "planted",
    [b"[]", b"{}", b"null", b"[{}]", b"\n[]", b"0" * 64 + b"\n[]", b"{not json"],
)
def test_a_planted_entry_hides_nothing(project: Path, key_home: Path, planted: bytes) -> None:
    _check(project, key_home)
    for entry in _entries(project):
        entry.write_bytes(planted)
    assert _codes(_check(project, key_home)) == ["MLK001", "MLP001"]


def test_an_entry_from_another_user_or_machine_hides_nothing(
    project: Path, key_home: Path, tmp_path: Path
) -> None:
    # A cache made elsewhere (an unpacked sdist, a restored CI cache) verifies under
    # another key only.
    other = tmp_path / "other-user"
    _check(project, other)
    for entry in _entries(project):
        rewrite_cache_entry(entry, [], other)  # what a forger would plant: no findings
    assert _codes(_check(project, other)) == []  # the other user's own entries do verify
    assert _codes(_check(project, key_home)) == ["MLK001", "MLP001"]


def test_an_entry_moved_to_another_key_hides_nothing(project: Path, key_home: Path) -> None:
    write_files(project, {"clean.py": "x = 1\n"})
    _run(project, "lint", "clean.py", key_home=key_home)
    (clean_entry,) = _entries(project)
    _check(project, key_home)
    for entry in _entries(project):
        if entry != clean_entry:
            entry.write_bytes(clean_entry.read_bytes())  # valid, but for another file
    assert _codes(_check(project, key_home)) == ["MLK001", "MLP001"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_an_entry_that_is_not_a_file_neither_hangs_nor_hides(
    project: Path, key_home: Path, kind: str
) -> None:
    _check(project, key_home)
    for entry in _entries(project):
        entry.unlink()
        if kind == "fifo":
            os.mkfifo(entry)
        elif kind == "dev-zero":
            entry.symlink_to("/dev/zero")
        else:
            entry.mkdir()
    started = time.monotonic()
    assert _codes(_check(project, key_home)) == ["MLK001", "MLP001"]
    assert time.monotonic() - started < 60  # a hang would be killed by _run's timeout


def test_a_committed_cache_is_not_written_with_one_warning(tmp_path: Path, key_home: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"train.py": TRIGGERING})
    run(["git", "init", "-q", "-b", "main"], repo, check=True)
    first = _check(repo, key_home)
    assert _codes(first) == ["MLP001"]
    run(["git", "add", "-f", ".ml-policy-cache", "train.py"], repo, check=True)
    entries = _entries(repo)
    # Its entries verify only for the content they name: read, they report the same.
    assert _codes(_check(repo, key_home)) == ["MLP001"]
    (repo / "model.py").write_text(TRIGGERING)  # something new to write
    again = _check(repo, key_home)
    assert _codes(again) == ["MLP001", "MLP001"]
    warnings = [line for line in again.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "git tracks files in it" in warnings[0]
    assert "git rm -r --cached" in warnings[0]
    assert _entries(repo) == entries  # nothing added to the committed folder


def test_a_folder_that_is_not_ours_is_not_used(project: Path, key_home: Path) -> None:
    write_files(project, {"src/model.py": "x = 1\n"})
    result = _check(project, key_home, "--cache-dir", "src")
    assert _codes(result) == ["MLK001", "MLP001"]
    assert "cache src not used: a folder ml-policy did not create" in result.stderr
    assert sorted(p.name for p in (project / "src").iterdir()) == ["model.py"]


def test_an_empty_folder_is_adopted(project: Path, key_home: Path) -> None:
    (project / "cache").mkdir()
    result = _check(project, key_home, "--cache-dir", "cache")
    assert result.stderr == ""
    assert (project / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f59")
    assert (project / "cache" / ".gitignore").read_text().endswith("*\n")
    assert list((project / "cache").rglob("*.json"))


def test_a_symlinked_or_foreign_cache_is_not_used(
    project: Path, key_home: Path, tmp_path: Path
) -> None:
    _check(project, key_home)
    cache = project / ".ml-policy-cache"
    os.chown(cache, 12345, 12345)
    result = _check(project, key_home)
    assert "owned by another user" in result.stderr
    assert _codes(result) == ["MLK001", "MLP001"]
    cache.rename(tmp_path / "elsewhere")
    cache.symlink_to(tmp_path / "elsewhere")
    result = _check(project, key_home)
    assert "not a directory (a symlink or a file)" in result.stderr


def test_a_cache_of_0_1_0_is_adopted(project: Path, key_home: Path) -> None:
    cache = project / ".ml-policy-cache"
    write_files(
        cache,
        {
            ".gitignore": "# Created by ml-policy: its cache is not for version control.\n*\n",
            "0.1.0/ab/ab12.json": "[]",
        },
    )
    result = _check(project, key_home)
    assert result.stderr == ""
    assert (cache / "CACHEDIR.TAG").is_file()


def test_no_cache_without_a_place_for_the_key(project: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    result = _check(project, blocked)
    assert _codes(result) == ["MLK001", "MLP001"]
    assert not (project / ".ml-policy-cache").exists()


@pytest.mark.parametrize(
    ("code", "source", "silent", "reported"),
    [
        # MLS001: `torch.load(path)` unpickles before torch 2.6.
        ("MLS001", "import torch\nm = torch.load(p)\n", "torch==2.8.0", "torch==2.1.0"),
        # MLT004: `torch.cuda.amp` is the API before torch 2.4, deprecated after.
        (
            "MLT004",
            "import torch\ns = torch.cuda.amp.GradScaler()\n",
            "torch==2.1.0",
            "torch==2.5.1",
        ),
    ],
)
def test_a_changed_torch_pin_is_not_answered_from_the_cache(
    tmp_path: Path, key_home: Path, code: str, source: str, silent: str, reported: str
) -> None:
    """The rules that read the declared torch beside the file: the key covers it, so a moved
    pin is judged again instead of answered from the cache."""
    root = tmp_path / "project"
    write_files(root, {"requirements.txt": silent + "\n", "train.py": source})

    def codes() -> list[str]:
        result = _run(
            root, "lint", ".", "--select", code, "--output-format", "json", key_home=key_home
        )
        return _codes(result)

    assert codes() == []
    (root / "requirements.txt").write_text(reported + "\n")
    assert codes() == [code]
    (root / "requirements.txt").write_text(silent + "\n")
    assert codes() == []


def _deps(root: Path, key_home: Path) -> list[dict[str, object]]:
    result = _run(root, "deps", ".", "--output-format", "json", key_home=key_home)
    return list(json.loads(result.stdout))


def test_deps_caches_a_dockerfile_under_its_settings(tmp_path: Path, key_home: Path) -> None:
    root = tmp_path / "project"
    write_files(root, {"Dockerfile": "FROM python:3.11\nRUN pip install torch\n"})
    assert [d["code"] for d in _deps(root, key_home)] == ["MLD006"]
    (entry,) = _entries(root)
    records = cache_entry_records(entry)
    records[0]["message"] = "from the cache"
    rewrite_cache_entry(entry, records, key_home)
    assert [d["message"] for d in _deps(root, key_home)] == ["from the cache"]
    # Other settings are another key: the file is read again.
    (root / "pyproject.toml").write_text('[tool.ml-policy]\nignore = ["MLD006"]\n')
    assert _deps(root, key_home) == []


def test_deps_reads_a_requirements_file_and_its_includes_afresh(
    tmp_path: Path, key_home: Path
) -> None:
    root = tmp_path / "project"
    write_files(root, {"requirements.txt": "-r base.txt\n", "base.txt": "torch==2.5.1\n"})
    assert _deps(root, key_home) == []
    (root / "base.txt").write_text("torch\n")
    assert [d["code"] for d in _deps(root, key_home)] == ["MLD001"]
    assert _entries(root) == []
