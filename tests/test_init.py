"""`ml-policy init` end to end, in real git repositories, checked with the real tools."""

from __future__ import annotations

import difflib
import os
import stat
import sys
from pathlib import Path

import pytest
import tomllib
from conftest import ml_policy, run, write_files

from ml_policy import HOOK_REPO_URL, __version__, bundles

pytestmark = pytest.mark.slow

USER_PYPROJECT = """\
# The demo project. Comments here must survive.
[project]
name = "demo"  # keep me
version = "0.1.0"
dependencies = ["torch==2.5.1"]

[tool.ruff]
line-length = 120  # we like long lines
lint.ignore = ["E501"]

[tool.black]
line-length = 120

[[tool.mypy.overrides]]
module = ["wandb.*"]
ignore_missing_imports = true
"""

USER_PRECOMMIT = """\
# our hooks
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v5.0.0  # pinned on purpose
    hooks:
      - id: trailing-whitespace
      - id: check-yaml
  - repo: local
    hooks:
      - id: no-print
        name: no print
        entry: "print\\\\("
        language: pygrep
        types: [python]
"""

STRICT = bundles.latest("ml-strict")


def only_insertions(before: str, after: str) -> bool:
    """True when `after` is `before` with lines added and none removed or changed."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return all(tag in {"equal", "insert"} for tag, *_ in matcher.get_opcodes())


def leaves(table: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Flatten nested tables to dotted keys (arrays, including arrays of tables, are leaves)."""
    flat: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(leaves(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}


def tool_output(*args: str | Path, cwd: Path) -> tuple[int, str]:
    result = run([sys.executable, "-m", *args], cwd)
    return result.returncode, result.stdout + result.stderr


def assert_tools_accept(repo: Path) -> None:
    """The pinned pre-commit, Ruff and mypy accept what init wrote, without config warnings."""
    (repo / "src").mkdir(exist_ok=True)
    (repo / "src" / "train.py").write_text(
        '"""Train."""\n\n\ndef main() -> int:\n    """Run."""\n    return 0\n'
    )
    code, out = tool_output("pre_commit", "validate-config", ".pre-commit-config.yaml", cwd=repo)
    assert code == 0, out
    code, out = tool_output("ruff", "check", "--no-cache", "src", cwd=repo)
    assert code in {0, 1}, out
    assert "warning" not in out.lower(), out
    code, out = tool_output("ruff", "format", "--check", "--no-cache", "src", cwd=repo)
    assert code in {0, 1}, out
    assert "warning" not in out.lower(), out
    code, out = tool_output("mypy", "--no-incremental", "src", cwd=repo)
    assert code in {0, 1}, out
    assert "unrecognized option" not in out.lower(), out
    assert "warning" not in out.lower(), out


def test_empty_repository(git_repo: Path) -> None:
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert "pyproject.toml: create" in result.stdout
    pyproject = tomllib.loads((git_repo / "pyproject.toml").read_text())
    assert pyproject["tool"]["ml-policy"] == {"bundle": STRICT.ref}
    assert pyproject["tool"]["ruff"] == STRICT.ruff()
    assert pyproject["tool"]["mypy"] == STRICT.mypy()
    assert pyproject["tool"]["bandit"] == STRICT.bandit()
    precommit = (git_repo / ".pre-commit-config.yaml").read_text()
    assert f"repo: {HOOK_REPO_URL}\n    rev: v{__version__}\n" in precommit
    for hook in STRICT.hook_ids():
        assert f"- id: {hook}\n" in precommit
    assert_tools_accept(git_repo)


def test_second_run_changes_nothing(git_repo: Path) -> None:
    assert ml_policy("init", cwd=git_repo).returncode == 0
    before = snapshot(git_repo)
    again = ml_policy("init", cwd=git_repo)
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    assert snapshot(git_repo) == before


def test_existing_files_keep_every_user_byte(git_repo: Path) -> None:
    (git_repo / "pyproject.toml").write_text(USER_PYPROJECT)
    (git_repo / ".pre-commit-config.yaml").write_text(USER_PRECOMMIT)
    result = ml_policy("init", cwd=git_repo)
    # Adoption: the user's own choices are kept and recorded, so the repository is green.
    assert result.returncode == 0, result.stdout
    assert "o tool.ruff.line-length: yours 120, bundle" in result.stdout
    assert "kept yours" in result.stdout
    pyproject = (git_repo / "pyproject.toml").read_text()
    precommit = (git_repo / ".pre-commit-config.yaml").read_text()
    # Every user line stays, but the one list both sides set: the bundle's ignores
    # are appended to it (tests/test_init_merge.py has the merge rules).
    merged_list = 'lint.ignore = ["E501"]\n'
    assert only_insertions(USER_PYPROJECT.replace(merged_list, ""), pyproject)
    assert only_insertions(USER_PRECOMMIT, precommit)
    assert "<<<<<<<" not in pyproject + precommit
    parsed = tomllib.loads(pyproject)
    assert parsed["tool"]["ruff"]["line-length"] == 120  # the user's value stands
    ignore = parsed["tool"]["ruff"]["lint"]["ignore"]
    assert ignore == ["E501", *STRICT.ruff()["lint"]["ignore"]]
    # E501 turns off a rule the bundle selects: kept, and recorded as an override.
    assert parsed["tool"]["ml-policy"]["overrides"] == {
        "ruff.lint.ignore": {"add": ["E501"], "reason": "kept at adoption by ml-policy init"},
        "ruff.line-length": {"reason": "kept at adoption by ml-policy init"},
    }
    assert parsed["tool"]["black"] == {"line-length": 120}
    assert parsed["project"] == tomllib.loads(USER_PYPROJECT)["project"]
    merged_ruff = leaves(parsed["tool"]["ruff"])
    for key, value in leaves(
        STRICT.ruff()
    ).items():  # every other bundle key landed where Ruff reads it
        if key not in {"line-length", "lint.ignore"}:
            assert merged_ruff[key] == value, key
    assert set(parsed) == {"project", "tool"}
    modules = [o["module"] for o in parsed["tool"]["mypy"]["overrides"]]
    assert modules[0] == ["wandb.*"]
    assert len(modules) == len({str(m) for m in modules})
    second = ml_policy("init", cwd=git_repo)
    assert (git_repo / "pyproject.toml").read_text() == pyproject
    assert (git_repo / ".pre-commit-config.yaml").read_text() == precommit
    assert "nothing to change" in second.stdout
    assert_tools_accept(git_repo)


def test_force_takes_the_bundle_values(git_repo: Path) -> None:
    (git_repo / "pyproject.toml").write_text(USER_PYPROJECT)
    result = ml_policy("init", "--force", cwd=git_repo)
    assert result.returncode == 0, result.stdout
    assert "~ tool.ruff.line-length: 120 ->" in result.stdout
    parsed = tomllib.loads((git_repo / "pyproject.toml").read_text())
    assert parsed["tool"]["ruff"]["line-length"] == STRICT.ruff()["line-length"]
    assert parsed["project"]["name"] == "demo"


def test_recorded_override_is_not_a_conflict(git_repo: Path) -> None:
    text = USER_PYPROJECT.replace(
        "[tool.black]",
        "[tool.ml-policy.overrides]\n"
        '"ruff.line-length" = { reason = "generated code" }\n\n[tool.black]',
    )
    text = text.replace('lint.ignore = ["E501"]\n', "")
    (git_repo / "pyproject.toml").write_text(text)
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stdout
    assert "o tool.ruff.line-length: kept yours (generated code)" in result.stdout


def test_another_bundle_than_recorded_is_a_conflict(git_repo: Path) -> None:
    assert ml_policy("init", "--bundle", "ml-baseline@1", cwd=git_repo).returncode == 0
    result = ml_policy("init", "--bundle", "ml-strict", cwd=git_repo)
    assert result.returncode == 1
    strict = bundles.latest("ml-strict").ref
    assert f'! tool.ml-policy.bundle: yours "ml-baseline@1", bundle "{strict}"' in result.stdout
    assert (
        tomllib.loads((git_repo / "pyproject.toml").read_text())["tool"]["ml-policy"]["bundle"]
        == "ml-baseline@1"
    )


def test_rerun_without_bundle_keeps_the_recorded_one(git_repo: Path) -> None:
    assert ml_policy("init", "--bundle", "ml-library", cwd=git_repo).returncode == 0
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0
    assert bundles.latest("ml-library").ref in result.stdout
    assert "nothing to change" in result.stdout


@pytest.mark.parametrize("flag", ["--dry-run", "--diff"])
def test_dry_run_and_diff_write_nothing(git_repo: Path, flag: str) -> None:
    (git_repo / "pyproject.toml").write_text(USER_PYPROJECT)
    before = snapshot(git_repo)
    result = ml_policy("init", flag, cwd=git_repo)
    assert snapshot(git_repo) == before
    assert "(dry run: nothing written)" in result.stdout
    if flag == "--diff":
        assert "--- a/pyproject.toml\n+++ b/pyproject.toml\n" in result.stdout
        assert "--- /dev/null\n+++ b/.pre-commit-config.yaml\n" in result.stdout
    else:
        assert ".pre-commit-config.yaml: create" in result.stdout


def test_crlf_and_bom_are_kept(git_repo: Path) -> None:
    original = ("\ufeff" + USER_PYPROJECT).replace("\n", "\r\n").encode()
    (git_repo / "pyproject.toml").write_bytes(original)
    ml_policy("init", cwd=git_repo)
    written = (git_repo / "pyproject.toml").read_bytes()
    assert written.startswith(b"\xef\xbb\xbf# The demo project.")
    assert b"\n" not in written.replace(b"\r\n", b"")
    assert len(written) > len(original)


def test_malformed_toml_is_reported_and_nothing_is_written(git_repo: Path) -> None:
    bad = '[project]\nname = "demo"\n\n[tool.ruff\nline-length = 100\n'
    (git_repo / "pyproject.toml").write_text(bad)
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 2
    assert result.stderr.startswith("ml-policy: error: ")
    assert "pyproject.toml:4: invalid TOML" in result.stderr
    assert "left untouched" in result.stderr
    assert "Traceback" not in result.stderr
    assert (git_repo / "pyproject.toml").read_text() == bad
    assert not (git_repo / ".pre-commit-config.yaml").exists()  # all or nothing


def test_malformed_yaml_is_reported_and_nothing_is_written(git_repo: Path) -> None:
    bad = "repos:\n  - repo: local\n    hooks: [\n  - broken\n"
    (git_repo / ".pre-commit-config.yaml").write_text(bad)
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 2
    assert ".pre-commit-config.yaml:" in result.stderr
    assert "invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert (git_repo / ".pre-commit-config.yaml").read_text() == bad
    assert not (git_repo / "pyproject.toml").exists()


def test_yaml_that_is_not_a_mapping(git_repo: Path) -> None:
    (git_repo / ".pre-commit-config.yaml").write_text("- just\n- a list\n")
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 2
    assert "expected a mapping with a 'repos' list" in result.stderr


def test_read_only_file_is_refused(git_repo: Path) -> None:
    pyproject = git_repo / "pyproject.toml"
    pyproject.write_text(USER_PYPROJECT)
    pyproject.chmod(stat.S_IRUSR | stat.S_IRGRP)
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 2
    assert (
        "ml-policy: error: pyproject.toml: file is read-only; nothing was written" in result.stderr
    )
    assert pyproject.read_text() == USER_PYPROJECT
    assert not (git_repo / ".pre-commit-config.yaml").exists()


def test_missing_directory(tmp_path: Path) -> None:
    result = ml_policy("init", tmp_path / "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / 'nope'}: no such directory" in result.stderr


def test_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    result = ml_policy("init", "file.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "file.txt: not a directory" in result.stderr


def test_unknown_bundle(tmp_path: Path) -> None:
    result = ml_policy("init", "--bundle", "ml-nope", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        "no bundle named 'ml-nope' (available: ml-baseline, ml-library, ml-strict)" in result.stderr
    )


def test_file_mode_is_kept(git_repo: Path) -> None:
    pyproject = git_repo / "pyproject.toml"
    pyproject.write_text(USER_PYPROJECT)
    pyproject.chmod(0o640)
    ml_policy("init", cwd=git_repo)
    assert stat.S_IMODE(pyproject.stat().st_mode) == 0o640
    assert not [p for p in os.listdir(git_repo) if p.endswith(".tmp")]


@pytest.mark.parametrize("bundle", [b.ref for b in bundles.all_bundles()])
def test_every_bundle_renders_into_a_config_the_tools_accept(git_repo: Path, bundle: str) -> None:
    assert ml_policy("init", "--bundle", bundle, cwd=git_repo).returncode == 0
    assert_tools_accept(git_repo)


def test_tables_split_across_the_file(git_repo: Path) -> None:
    text = (
        "[tool.ruff]\nline-length = 100\n\n[tool.black]\nx = 1\n\n"
        '[tool.ruff.format]\nquote-style = "single"\n'
    )
    (git_repo / "pyproject.toml").write_text(text)
    result = ml_policy("init", cwd=git_repo)
    written = (git_repo / "pyproject.toml").read_text()
    assert only_insertions(text, written)
    parsed = tomllib.loads(written)
    assert parsed["tool"]["black"] == {"x": 1}
    assert parsed["tool"]["ruff"]["format"]["quote-style"] == "single"
    assert parsed["tool"]["ruff"]["lint"]["select"] == STRICT.ruff()["lint"]["select"]
    assert result.returncode != 2, result.stderr


def test_mypy_overrides_are_matched_by_module(git_repo: Path) -> None:
    entry = STRICT.mypy()["overrides"][0]
    modules = ", ".join(f'"{m}"' for m in entry["module"])
    text = (
        "[tool.mypy]\nstrict = true\n\n"
        f"[[tool.mypy.overrides]]\nmodule = [{modules}]\nignore_missing_imports = false\n"
    )
    (git_repo / "pyproject.toml").write_text(text)
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stdout  # stricter than the bundle: no conflict
    shown = f"{entry['module'][0]}, ... {len(entry['module'])} modules"  # long labels are cut
    assert (
        f"= tool.mypy.overrides[{shown}].ignore_missing_imports: yours false is stricter"
        in result.stdout
    )
    parsed = tomllib.loads((git_repo / "pyproject.toml").read_text())
    assert len(parsed["tool"]["mypy"]["overrides"]) == len(
        STRICT.mypy()["overrides"]
    )  # no duplicate entry


OWN_TOOL_HOOKS = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.11.13
    hooks:
      - id: ruff
        args: [--fix]
      - id: ruff-format
  - repo: https://github.com/pre-commit/mirrors-mypy
    rev: v1.10.0
    hooks:
      - id: mypy
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v5.0.0
    hooks:
      - id: check-yaml
"""


def test_the_repositorys_own_tool_hooks_are_named_and_left(git_repo: Path) -> None:
    # Its own Ruff and mypy hooks read the settings init merges, at their own versions and
    # without the baseline: init says so, and leaves them to their owner.
    (git_repo / ".pre-commit-config.yaml").write_text(OWN_TOOL_HOOKS)
    result = ml_policy("init", "--bundle", "ml-strict", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if "your own" in line]
    assert [note.split("your own ")[1].split(" hook")[0] for note in notes] == [
        "ruff",
        "ruff-format",
        "mypy",
    ]
    assert "remove it (ml-policy-ruff runs the pinned tool)" in notes[0]
    precommit = (git_repo / ".pre-commit-config.yaml").read_text()
    assert only_insertions(OWN_TOOL_HOOKS, precommit)
    assert "check-yaml" not in result.stdout


def test_a_top_level_precommit_exclude_is_recorded_at_adoption(git_repo: Path) -> None:
    # pytorch-ignite's `exclude: "^conda.recipe|assets|docs"` left project files out of every
    # hook: init keeps it and records it, so the repository starts green.
    config = (
        "repos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v5.0.0\n"
        '    hooks:\n      - id: check-yaml\nexclude: "^assets|docs"\n'
    )
    files = {".pre-commit-config.yaml": config, "pkg/a.py": "x = 1\n", "assets/b.py": "y = 2\n"}
    write_files(git_repo, files)
    run(["git", "add", "."], git_repo, check=True)
    result = ml_policy("init", "--bundle", "ml-strict", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert 'overrides."pre-commit.exclude": kept at adoption' in result.stdout
    checked = ml_policy("check-config", cwd=git_repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    kept = (git_repo / ".pre-commit-config.yaml").read_text()
    assert kept.endswith('exclude: "^assets|docs"\n')


@pytest.mark.parametrize(
    ("files", "note"),
    [
        ({"setup.py": 'setup(name="x", python_requires=">=3.8")\n'}, 'target-version = "py38"'),
        ({"setup.cfg": "[options]\npython_requires = >=3.10\n"}, 'target-version = "py310"'),
        ({"requirements.txt": "torch==2.5.1\n"}, "the oldest Python you support"),
        ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9"\n'}, None),
    ],
)
def test_a_missing_target_python_is_named(
    git_repo: Path, files: dict[str, str], note: str | None
) -> None:
    # audiocraft: no [project], `python_requires` in setup.py; Ruff infers its target from
    # `[project] requires-python` alone.
    write_files(git_repo, files)
    result = ml_policy("init", "--bundle", "ml-strict", "--dry-run", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if "tool.ruff.target-version" in line]
    if note is None:
        assert said == []
    else:
        assert [note in line for line in said] == [True]
