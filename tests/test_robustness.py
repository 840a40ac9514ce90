"""Bad input across the checker families (DESIGN.md section 9): a diagnostic naming the file,
never a traceback or a hang, and the other files still checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write

from ml_policy import checkers
from ml_policy.config import ConfigError, SettingsResolver
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.pyproject import read_pyproject
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import discover

DEEP = 100_000  # past any recursion limit of the JSON, YAML and TOML parsers

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def check(root: Path, *names: str) -> list[Diagnostic]:
    """Every finding `ml-policy check` makes for `names` (all of `root` when none are given)."""
    resolver = SettingsResolver(cwd=root)
    given = [root / name for name in names] or [root]
    return checkers.run_all(discover(given, resolver), resolver, options=checkers.RunOptions())


def unreadable(found: list[Diagnostic], root: Path) -> dict[str, str]:
    """MLE001 messages by file, relative to `root`."""
    return {d.path.relative_to(root).as_posix(): d.message for d in found if d.code == "MLE001"}


@needs_fifo
def test_a_fifo_is_reported_at_once_not_waited_for(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "requirements.txt")
    os.mkfifo(tmp_path / "train.py")
    write(tmp_path, "requirements-dev.txt", "-r requirements.txt\n")
    found = check(tmp_path, "requirements.txt", "train.py", "requirements-dev.txt")
    not_regular = "cannot read: not a regular file"
    assert unreadable(found, tmp_path) == {
        "requirements.txt": not_regular,
        "train.py": not_regular,
        "requirements-dev.txt": f"cannot read included 'requirements.txt': {not_regular}",
    }


def test_symlinks_are_judged_as_links_never_read_through(tmp_path: Path) -> None:
    # A link is what git stores: a name. Its target, when it is in the repository, is
    # checked under its own name; a loop, a link outside or to a FIFO is never followed.
    (tmp_path / "requirements.txt").symlink_to("requirements.txt")
    (tmp_path / "a.py").symlink_to("b.py")
    (tmp_path / "b.py").symlink_to("a.py")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "c.py").symlink_to(tmp_path / "fifo")
    write(tmp_path, "ok.py", "from torch.utils.data import DataLoader\nDataLoader(d)\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "ok.py")
    found = check(tmp_path)
    assert [(d.path.name, d.code) for d in found] == [("ok.py", "MLP001")]


def test_notebook_json_nested_too_deep(tmp_path: Path) -> None:
    write(tmp_path, "deep.ipynb", '{"cells": ' + "[" * DEEP + "]" * DEEP + "}")
    found = check(tmp_path)
    assert [(d.code, d.message) for d in found] == [
        ("MLE001", "notebook is not read: its JSON is nested too deep")
    ]


@pytest.mark.slow
def test_conda_environment_nested_too_deep(tmp_path: Path) -> None:
    write(tmp_path, "environment.yml", "dependencies:\n  - " + "[" * 5000 + "]" * 5000 + "\n")
    found = check(tmp_path, "environment.yml")
    assert unreadable(found, tmp_path) == {
        "environment.yml": "not read: the YAML is nested too deep"
    }


def test_pyproject_nested_too_deep(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "x = " + "[" * DEEP + "]" * DEEP + "\n")
    with pytest.raises(ManifestError, match="nested too deep"):
        read_pyproject(path)
    # As configuration it is a configuration error (exit 2), naming the file.
    with pytest.raises(ConfigError, match=r"pyproject\.toml.*nested too deep"):
        SettingsResolver(cwd=tmp_path).for_path(tmp_path / "train.py")


def test_a_file_deleted_after_discovery(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "torch==2.3.0\n")
    write(tmp_path, "train.py", "import torch\n")
    resolver = SettingsResolver(cwd=tmp_path)
    files = discover([tmp_path], resolver)
    for path in files:
        path.unlink()
    found = checkers.run_all(files, resolver, options=checkers.RunOptions())
    assert unreadable(found, tmp_path) == {
        "requirements.txt": "cannot read: No such file or directory",
        "train.py": "cannot read: No such file or directory",
    }


@pytest.mark.slow
@needs_fifo
def test_cli_on_a_tree_of_bad_input(git_repo: Path) -> None:
    """Every kind of bad input at once: exit 1, findings naming the files, nothing on stderr."""
    noise = bytes(range(256)) * 16
    for name in ("requirements.txt", "Dockerfile", "environment.yml", "x.ipynb", "x.py"):
        write(git_repo, f"binary/{name}", noise)
    write(git_repo, "utf8/bad.py", b'x = "\xff"\n')
    write(git_repo, "utf8/requirements.txt", b"numpy==1.0\ntorch\xff==2\n")
    (git_repo / "folder" / "requirements.txt").mkdir(parents=True)
    write(git_repo, "inc/requirements.txt", "-r requirements.txt\n-r /etc/passwd\n-r gone.txt\n")
    bom_crlf = b'\xef\xbb\xbf[project]\r\ndependencies = ["torch>=2"]\r\n'
    write(git_repo, "bom/pyproject.toml", bom_crlf)
    write(git_repo, "deep/x.ipynb", '{"cells": ' + "[" * DEEP + "]" * DEEP + "}")
    write(git_repo, "deep/environment.yml", "dependencies:\n  - " + "[" * 5000 + "]" * 5000)
    os.mkfifo(git_repo / "fifo.py")
    (git_repo / "loop.py").symlink_to("loop.py")
    result = subprocess.run(
        [sys.executable, "-m", "ml_policy", "check", "--no-cache", ".", "fifo.py"],
        cwd=git_repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (1, "")
    for name in (
        "binary/requirements.txt:1:1: MLE001",
        "binary/x.ipynb:1:1: MLE001",
        "binary/x.py:2:1: MLE001 cannot decode as utf-8",
        "utf8/bad.py:1:1: MLE001",
        "utf8/requirements.txt:2:1: MLE001",
        "inc/requirements.txt:1:1: MLE001 include cycle",
        "inc/requirements.txt:3:1: MLE001 cannot read included 'gone.txt'",
        "bom/pyproject.toml:2:17: MLD001",
        "deep/x.ipynb:1:1: MLE001",
        "deep/environment.yml:1:1: MLE001",
        "fifo.py:1:1: MLE001 cannot read: not a regular file",
    ):
        assert name in result.stdout
    assert "loop.py" not in result.stdout  # a link is judged as a link, never followed
