"""End to end: `ml-policy deps FILES...` and `ml-policy check PATH` in real git repositories.

Lock files count only when git tracks them, so these tests commit (or only
create) lock files and run the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ml_policy, run, write_files

pytestmark = pytest.mark.slow

RANGES = '[project]\nname = "app"\nversion = "1"\ndependencies = [\n  "torch>=2.1",\n]\n'


def _lines(output: str) -> list[str]:
    """`path:line:col: CODE` of each finding (the message cut off)."""
    return sorted(
        ":".join(line.split(":")[:2]) + " " + line.split(": ")[1].split()[0]
        for line in output.splitlines()
        if line and not line.startswith(("Found", "All checks passed"))
    )


def _track(repo: Path, *names: str) -> None:
    run(["git", "add", *names], repo, check=True)


def test_untracked_lock_file_does_not_count(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": RANGES, "uv.lock": "version = 1\n"})
    result = ml_policy("deps", "pyproject.toml", cwd=git_repo)
    assert result.returncode == 1, result.stderr
    assert _lines(result.stdout) == ["pyproject.toml:5 MLD001", "pyproject.toml:5 MLD003"]


def test_tracked_lock_file_covers_pyproject_ranges(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": RANGES, "uv.lock": "version = 1\n"})
    _track(git_repo, "uv.lock")
    result = ml_policy("deps", "pyproject.toml", cwd=git_repo)
    assert (result.returncode, _lines(result.stdout)) == (0, []), result.stdout


def test_lock_file_above_counts_and_a_sibling_does_not(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "packages/poetry.lock": "# lock\n",
            "packages/a/pyproject.toml": RANGES,
            "other/b/pdm.lock": "# lock\n",
        },
    )
    _track(git_repo, "packages/poetry.lock", "other/b/pdm.lock")
    write_files(git_repo, {"other/c/pyproject.toml": RANGES})
    result = ml_policy("deps", "packages/a/pyproject.toml", "other/c/pyproject.toml", cwd=git_repo)
    assert _lines(result.stdout) == [
        "other/c/pyproject.toml:5 MLD001",
        "other/c/pyproject.toml:5 MLD003",
    ]


def test_lock_file_outside_the_repository_does_not_count(tmp_path: Path) -> None:
    write_files(tmp_path, {"uv.lock": "version = 1\n"})
    repo = tmp_path / "inner"
    repo.mkdir()
    run(["git", "init", "-q"], repo, check=True)
    write_files(repo, {"pyproject.toml": RANGES})
    result = ml_policy("deps", "pyproject.toml", cwd=repo)
    assert _lines(result.stdout) == ["pyproject.toml:5 MLD001", "pyproject.toml:5 MLD003"]


def test_outside_every_repository_a_lock_file_on_disk_counts(tmp_path: Path) -> None:
    # An unpacked sdist: nothing is tracked, so whether uv.lock is committed cannot be told.
    write_files(tmp_path, {"locked/pyproject.toml": RANGES, "locked/uv.lock": "version = 1\n"})
    write_files(tmp_path, {"loose/pyproject.toml": RANGES})
    result = ml_policy("deps", "locked/pyproject.toml", "loose/pyproject.toml", cwd=tmp_path)
    assert _lines(result.stdout) == [
        "loose/pyproject.toml:5 MLD001",
        "loose/pyproject.toml:5 MLD003",
    ]


def test_pylock_and_conda_lock_names(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "a/pylock.gpu.toml": "lock-version = '1.0'\n",
            "a/pyproject.toml": RANGES,
            "b/env.conda-lock.yml": "version: 1\n",
            "b/environment.yml": "dependencies:\n  - pytorch>=2\n",
            "c/uv.lock": "version = 1\n",
            "c/environment.yml": "dependencies:\n  - pytorch>=2\n",
        },
    )
    _track(git_repo, "a/pylock.gpu.toml", "b/env.conda-lock.yml", "c/uv.lock")
    files = ["a/pyproject.toml", "b/environment.yml", "c/environment.yml"]
    result = ml_policy("deps", *files, cwd=git_repo)
    # uv.lock does not lock a conda environment
    assert _lines(result.stdout) == ["c/environment.yml:2 MLD001"]


def test_lock_file_does_not_cover_requirements_files(git_repo: Path) -> None:
    write_files(git_repo, {"uv.lock": "version = 1\n", "requirements.txt": "torch>=2\n"})
    _track(git_repo, "uv.lock")
    result = ml_policy("deps", "requirements.txt", cwd=git_repo)
    assert _lines(result.stdout) == ["requirements.txt:1 MLD001"]


def test_check_picks_manifests_by_name(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "requirements/base.txt": "numpy\n",
            "docs/notes.txt": "torch\n",
            "MANIFEST.in": "include torch\n",
            "environment-gpu.yml": "dependencies:\n  - pytorch=2.1\n",
            "setup.cfg": "[options]\ninstall_requires =\n    scipy>=1\n",
            "Dockerfile": "FROM python:3.11\nRUN pip install --no-cache-dir torch==2.5.1 timm\n",
            "scripts/setup.sh": (
                "#!/bin/sh\npip install --extra-index-url https://x.org/simple jax==0.4.30\n"
            ),
        },
    )
    _track(git_repo, ".")
    result = ml_policy("check", "--select", "MLD", ".", cwd=git_repo)
    assert result.returncode == 1, result.stderr
    assert _lines(result.stdout) == [
        "Dockerfile:2 MLD006",
        "environment-gpu.yml:2 MLD001",
        "requirements/base.txt:1 MLD001",
        "scripts/setup.sh:2 MLD004",
        "setup.cfg:3 MLD001",
    ]


def test_deps_hook_reports_unreadable_files_and_checks_the_rest(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "environment.yml": "dependencies:\n  - numpy\n - scipy: [\n",
            "requirements.txt": b"torch\n\xff\n",
            "requirements-dev.txt": "jax\n",
        },
    )
    names = ["environment.yml", "requirements.txt", "requirements-dev.txt"]
    result = ml_policy("deps", *names, cwd=git_repo)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert _lines(result.stdout) == [
        "environment.yml:3 MLE001",
        "requirements-dev.txt:1 MLD001",
        "requirements.txt:2 MLE001",
    ]


def test_json_output_has_positions_and_rule_urls(git_repo: Path) -> None:
    write_files(git_repo, {"requirements.txt": "torch==2.2.0\n  torchvision==0.16.0\n"})
    result = ml_policy("deps", "--output-format", "json", "requirements.txt", cwd=git_repo)
    (record,) = json.loads(result.stdout)
    assert record["code"] == "MLD005"
    assert record["location"] == {"row": 2, "column": 3}
    assert record["end_location"] == {"row": 2, "column": 22}
    assert record["url"].endswith("/docs/rules/MLD005.md")


def test_library_mode_from_the_nearest_pyproject(git_repo: Path) -> None:
    library = (
        '[project]\nname = "lib"\nversion = "1"\ndependencies = ["torch==2.5.1", "numpy>=1.26"]\n'
        '[tool.ml-policy.deps]\nmode = "library"\n'
    )
    write_files(git_repo, {"lib/pyproject.toml": library, "app/requirements.txt": "numpy>=1.26\n"})
    result = ml_policy("deps", "lib/pyproject.toml", "app/requirements.txt", cwd=git_repo)
    assert _lines(result.stdout) == ["app/requirements.txt:1 MLD001", "lib/pyproject.toml:4 MLD002"]


def test_ignore_and_noqa_free_selection(git_repo: Path) -> None:
    write_files(git_repo, {"requirements.txt": "torch\n--extra-index-url https://x.org/simple\n"})
    result = ml_policy("deps", "--ignore", "MLD001", "requirements.txt", cwd=git_repo)
    assert _lines(result.stdout) == ["requirements.txt:2 MLD004"]


def test_no_files_is_a_clean_exit(git_repo: Path) -> None:
    result = ml_policy("deps", cwd=git_repo)
    assert (result.returncode, _lines(result.stdout)) == (0, [])
