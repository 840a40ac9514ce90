"""`ml-policy check`: file discovery, the checker contract, exit codes and output formats."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import ml_policy, run

from ml_policy import checkers, registry
from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import PathError, discover


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def found(root: Path, *paths: str) -> list[str]:
    resolver = SettingsResolver(cwd=root)
    given = [root / p for p in paths] or [root]
    return sorted(p.relative_to(root).as_posix() for p in discover(given, resolver))


@pytest.mark.slow
def test_git_repository_respects_gitignore(git_repo: Path) -> None:
    touch(git_repo, "src/a.py", "src/b.py", "data/raw.csv", "notes/c.py", "build/gen.py")
    (git_repo / ".gitignore").write_text("data/\n*.csv\nnotes/\n")
    run(["git", "add", "src/a.py", ".gitignore"], git_repo, check=True)
    # tracked, untracked-not-ignored; never ignored files nor tool folders
    assert found(git_repo) == [".gitignore", "src/a.py", "src/b.py"]


def test_outside_git_skips_tool_and_environment_folders(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "train.py",
        ".venv/lib/x.py",
        "node_modules/y.py",
        "pkg/__pycache__/z.py",
        "pkg/m.py",
    )
    assert found(tmp_path) == ["pkg/m.py", "train.py"]


def test_a_folder_named_like_a_skipped_one_can_still_be_checked(tmp_path: Path) -> None:
    touch(tmp_path, "build/gen.py")
    assert found(tmp_path, "build") == ["build/gen.py"]


def test_exclude_applies_to_found_and_named_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ml-policy]\nexclude = ["vendor/", "*_pb2.py"]\n'
    )
    touch(tmp_path, "src/a.py", "vendor/v.py", "src/m_pb2.py")
    assert found(tmp_path) == ["pyproject.toml", "src/a.py"]
    assert found(tmp_path, "vendor/v.py", "src/a.py") == ["src/a.py"]


def test_each_file_once(tmp_path: Path) -> None:
    touch(tmp_path, "src/a.py")
    assert found(tmp_path, "src", "src/a.py", "src") == ["src/a.py"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PathError, match="no such file or directory"):
        discover([tmp_path / "nope.py"], SettingsResolver(cwd=tmp_path))


# A checker in the shape every rule family registers: (files, resolver) -> diagnostics.
# It stands for a new family: MLT is reserved (valid in configuration) and has no rule yet.
def one_finding_per_file(
    files: Sequence[Path], resolver: SettingsResolver, options: checkers.RunOptions
) -> list[Diagnostic]:
    del resolver, options
    return [
        diagnostic
        for file in files
        for diagnostic in (
            Diagnostic("MLT001", "example finding", file, 1, 1),
            Diagnostic("MLE001", "cannot parse", file, 2, 1),
        )
    ]


EXAMPLE = ((("MLT",), "test_check:one_finding_per_file"),)


def test_run_all_applies_selection_per_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ml-policy]\nper-file-ignores = { "tests/" = ["MLT"] }\n'
    )
    touch(tmp_path, "src/a.py", "tests/t.py")
    files = [tmp_path / "src/a.py", tmp_path / "tests/t.py"]
    result = checkers.run_all(files, SettingsResolver(cwd=tmp_path), checkers=EXAMPLE)
    assert [(d.path.name, d.code) for d in result] == [
        ("a.py", "MLT001"),
        ("a.py", "MLE001"),
        ("t.py", "MLE001"),
    ]


def test_parse_errors_cannot_be_switched_off(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ml-policy]\nignore = ["ML"]\n')
    touch(tmp_path, "a.py")
    result = checkers.run_all([tmp_path / "a.py"], SettingsResolver(cwd=tmp_path), checkers=EXAMPLE)
    assert [d.code for d in result] == ["MLE001"]


def test_a_finding_two_checkers_share_is_reported_once(tmp_path: Path) -> None:
    touch(tmp_path, "a.py")
    twice = (*EXAMPLE, (("MLY",), "test_check:one_finding_per_file"))
    result = checkers.run_all([tmp_path / "a.py"], SettingsResolver(cwd=tmp_path), checkers=twice)
    assert [d.code for d in result] == ["MLT001", "MLE001"]


def test_families_choose_checkers(tmp_path: Path) -> None:
    touch(tmp_path, "a.py")
    resolver = SettingsResolver(cwd=tmp_path)
    assert (
        checkers.run_all([tmp_path / "a.py"], resolver, families=("MLD",), checkers=EXAMPLE) == []
    )
    assert checkers.run_all([tmp_path / "a.py"], resolver, families=("MLT",), checkers=EXAMPLE)


def test_every_registered_checker_can_be_loaded() -> None:
    for prefixes, spec in checkers.CHECKERS:
        assert all(prefix.startswith("ML") for prefix in prefixes)
        assert callable(checkers.load(spec))


@pytest.mark.slow
def test_check_on_a_clean_tree_exits_zero(tmp_path: Path) -> None:
    touch(tmp_path, "train.py")
    result = ml_policy("check", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "All checks passed!\n"


@pytest.mark.slow
@pytest.mark.parametrize("output_format", ["json", "sarif", "junit", "github"])
def test_check_output_formats_on_a_clean_tree(tmp_path: Path, output_format: str) -> None:
    touch(tmp_path, "train.py")
    result = ml_policy("check", "--output-format", output_format, cwd=tmp_path)
    assert result.returncode == 0
    if output_format == "json":
        assert json.loads(result.stdout) == []
    if output_format == "sarif":
        assert json.loads(result.stdout)["runs"][0]["results"] == []


@pytest.mark.slow
def test_config_error_exits_two_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ml-policy]\nselect = ['MLM']\nignroe = []\n")
    result = ml_policy("check", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        "pyproject.toml:3: [tool.ml-policy] ignroe: unknown key 'ignroe' (did you mean 'ignore'?)"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "missing.py"], "missing.py: no such file or directory"),
        (["check", "--select", "E501"], "'E501' is not an ml-policy rule code or prefix"),
        (["check", "--output-format", "xml"], "invalid choice: 'xml'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_two(tmp_path: Path, args: list[str], message: str) -> None:
    result = ml_policy(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.slow
def test_family_commands_exit_zero_without_files(tmp_path: Path) -> None:
    for family in registry.FAMILIES:
        if family.name != "check-config":
            result = ml_policy(family.name, cwd=tmp_path)
            assert result.returncode == 0, family
            assert result.stdout == ""


@pytest.mark.slow
def test_version(tmp_path: Path) -> None:
    from ml_policy import __version__

    result = ml_policy("--version", cwd=tmp_path)
    assert result.stdout == f"ml-policy {__version__}\n"


@pytest.mark.slow
def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    probe = (
        "import sys; from ml_policy import cli; "
        "heavy = ('libcst', 'tomlkit', 'ruamel.yaml', 'pathspec', 'ml_policy.report.json_report'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    result = run([sys.executable, "-c", probe], tmp_path, check=True)
    assert result.stdout.strip() == "[]"
