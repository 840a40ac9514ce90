"""MLA001 large-artifact and MLA002 notebook-outputs: sizes, git-lfs, notebooks, bad input.

End-to-end tests run the real CLI in real git repositories with a real
`.gitattributes`; `git check-attr` answers without git-lfs installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import ml_policy, notebook, run, write

from ml_policy import checkers
from ml_policy.artifacts import check
from ml_policy.artifacts.large_artifact import LargeArtifact
from ml_policy.artifacts.messages import human_size
from ml_policy.artifacts.notebook_outputs import NotebookOutputs
from ml_policy.artifacts.notebooks import NotebookError, cells_with_outputs
from ml_policy.checkers import RunOptions
from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic

LFS_ATTRIBUTES = "*.pt filter=lfs diff=lfs merge=lfs -text\n"
POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n"
)
KB = 1024


def sized(root: Path, name: str, size: int) -> Path:
    """A file of `size` bytes (sparse: only its size matters to these rules)."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        file.truncate(size)
    return path


def pyproject(root: Path, artifacts: str, bundle: str = "ml-strict@1") -> None:
    write(
        root,
        "pyproject.toml",
        f'[tool.ml-policy]\nbundle = "{bundle}"\n\n[tool.ml-policy.artifacts]\n{artifacts}\n',
    )


def code_cell(outputs: Sequence[dict[str, Any]] = (), count: int | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "source": ["model.eval()\n"],
        "outputs": list(outputs),
    }


MARKDOWN = {"cell_type": "markdown", "metadata": {}, "source": ["# Results"]}
STREAM = {"output_type": "stream", "name": "stdout", "text": ["loss 0.42\n"]}
PLOT = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}}


def findings(root: Path, *names: str) -> list[tuple[str, str, int, int | None]]:
    """(file, code, line, cell) of every finding, through the checker with its resolver."""
    resolver = SettingsResolver(cwd=root)
    found = check([root / n for n in names], resolver, RunOptions())
    return sorted(
        (d.path.relative_to(root).as_posix(), d.code, d.line, d.cell)
        for d in sorted(found, key=Diagnostic.sort_key)
    )


def messages(root: Path, *names: str) -> list[str]:
    resolver = SettingsResolver(cwd=root)
    return [d.message for d in check([root / n for n in names], resolver, RunOptions())]


# --- MLA001: git-lfs required ---------------------------------------------------


@pytest.mark.slow
def test_weights_outside_lfs_are_reported_whatever_their_size(git_repo: Path) -> None:
    write(git_repo, ".gitattributes", LFS_ATTRIBUTES)
    sized(git_repo, "models/tracked.pt", 3 * KB)
    sized(git_repo, "models/adapter.safetensors", 2 * KB)  # ml-strict: lfs, no attribute
    sized(git_repo, "data/train.parquet", 10)
    assert findings(
        git_repo, "models/tracked.pt", "models/adapter.safetensors", "data/train.parquet"
    ) == [
        ("data/train.parquet", "MLA001", 1, None),
        ("models/adapter.safetensors", "MLA001", 1, None),
    ]


@pytest.mark.slow
def test_lfs_message_gives_size_pattern_and_fix(git_repo: Path) -> None:
    sized(git_repo, "ckpt/epoch_3.safetensors", 3000)
    (message,) = messages(git_repo, "ckpt/epoch_3.safetensors")
    assert message.startswith('3 kB file must be tracked by git-lfs (lfs pattern "*.safetensors"')
    assert 'git lfs track "*.safetensors"' in message
    sized(git_repo, "tiny.pt", 77)
    (tiny,) = messages(git_repo, "tiny.pt")
    assert tiny.startswith("77 bytes file must be tracked by git-lfs")
    assert "Hugging Face Hub" in message


@pytest.mark.slow
def test_lfs_tracked_files_are_exempt_from_size_limits(git_repo: Path) -> None:
    write(
        git_repo, ".gitattributes", LFS_ATTRIBUTES + "*.csv filter=lfs diff=lfs merge=lfs -text\n"
    )
    sized(git_repo, "model.pt", 50 * KB * KB)
    sized(git_repo, "data/big.csv", 2 * KB * KB)
    assert findings(git_repo, "model.pt", "data/big.csv") == []


@pytest.mark.slow
def test_lfs_pointer_content_is_fine_without_the_attribute(git_repo: Path) -> None:
    write(git_repo, "model.pt", POINTER)
    write(git_repo, "not-a-pointer.pt", "version 2\n")
    assert findings(git_repo, "model.pt", "not-a-pointer.pt") == [
        ("not-a-pointer.pt", "MLA001", 1, None)
    ]


@pytest.mark.slow
def test_negated_lfs_pattern_excludes_a_folder(git_repo: Path) -> None:
    pyproject(git_repo, 'lfs = ["*.pt", "!tests/fixtures/**"]')
    sized(git_repo, "tests/fixtures/tiny.pt", 100)
    sized(git_repo, "models/m.pt", 100)
    assert findings(git_repo, "tests/fixtures/tiny.pt", "models/m.pt") == [
        ("models/m.pt", "MLA001", 1, None)
    ]


@pytest.mark.slow
def test_unusual_file_names_reach_git_intact(git_repo: Path) -> None:
    write(git_repo, ".gitattributes", LFS_ATTRIBUTES)
    names = ["with space/ü model.pt", 'quote"d.pt', "tab\tname.pt", "new\nline.pt"]
    for name in names:
        sized(git_repo, name, 10)
    sized(git_repo, "with space/ü adapter.onnx", 10)
    assert findings(git_repo, *names, "with space/ü adapter.onnx") == [
        ("with space/ü adapter.onnx", "MLA001", 1, None)
    ]


# --- MLA001: size limits ---------------------------------------------------------


@pytest.mark.slow
def test_any_file_over_max_kb(git_repo: Path) -> None:
    sized(git_repo, "data/labels.csv", 500 * KB + 1)
    sized(git_repo, "data/exactly.csv", 500 * KB)
    assert findings(git_repo, "data/labels.csv", "data/exactly.csv") == [
        ("data/labels.csv", "MLA001", 1, None)
    ]
    (message,) = messages(git_repo, "data/labels.csv")
    assert message.startswith("file is 501 kB, over the 500 kB limit (max-kb): ")
    assert 'git lfs track "*.csv"' in message
    assert "raise the limit in [tool.ml-policy.artifacts]" in message


@pytest.mark.slow
def test_lock_files_are_held_to_a_size_only_by_a_limits_pattern(git_repo: Path) -> None:
    # MLD003 asks for uv.lock to be committed: max-kb must not send it to git-lfs.
    sized(git_repo, "uv.lock", 2 * KB * KB)
    sized(git_repo, "app/poetry.lock", 2 * KB * KB)
    sized(git_repo, "big.lock.csv", 2 * KB * KB)
    files = ("uv.lock", "app/poetry.lock", "big.lock.csv")
    assert findings(git_repo, *files) == [("big.lock.csv", "MLA001", 1, None)]
    pyproject(git_repo, 'limits = { "uv.lock" = 1024 }')
    assert findings(git_repo, *files) == [
        ("big.lock.csv", "MLA001", 1, None),
        ("uv.lock", "MLA001", 1, None),
    ]


@pytest.mark.slow
def test_per_pattern_limits_of_ml_baseline(git_repo: Path) -> None:
    pyproject(git_repo, "", bundle="ml-baseline@1")  # *.pt 1024 kB, max-kb 5120, no lfs
    sized(git_repo, "small.pt", 900 * KB)
    sized(git_repo, "large.pt", 1536 * KB)
    sized(git_repo, "table.csv", 4 * KB * KB)
    sized(git_repo, "huge.csv", 6 * KB * KB)
    assert findings(git_repo, "small.pt", "large.pt", "table.csv", "huge.csv") == [
        ("huge.csv", "MLA001", 1, None),
        ("large.pt", "MLA001", 1, None),
    ]
    assert messages(git_repo, "large.pt") == [
        'file is 1.5 MB, over the 1024 kB limit (limits "*.pt"): git lfs track "*.pt", move it '
        "to object storage or the Hugging Face Hub, or raise the limit in "
        "[tool.ml-policy.artifacts]"
    ]


@pytest.mark.slow
def test_the_last_matching_limit_wins(git_repo: Path) -> None:
    pyproject(git_repo, 'lfs = []\nlimits = { "*.npy" = 10, "tests/fixtures/**" = 100 }')
    sized(git_repo, "tests/fixtures/emb.npy", 50 * KB)
    sized(git_repo, "src/emb.npy", 50 * KB)
    assert findings(git_repo, "tests/fixtures/emb.npy", "src/emb.npy") == [
        ("src/emb.npy", "MLA001", 1, None)
    ]


@pytest.mark.slow
def test_each_package_of_a_monorepo_uses_its_own_limits(git_repo: Path) -> None:
    pyproject(git_repo / "research", "max-kb = 5000\nlfs = []")
    pyproject(git_repo / "serving", "max-kb = 10\nlfs = []")
    sized(git_repo, "research/a.bin", 100 * KB)
    sized(git_repo, "serving/a.bin", 100 * KB)
    assert findings(git_repo, "research/a.bin", "serving/a.bin") == [
        ("serving/a.bin", "MLA001", 1, None)
    ]


@pytest.mark.slow
def test_ignored_rules_do_no_work(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(git_repo, "pyproject.toml", '[tool.ml-policy]\nignore = ["MLA"]\n')
    sized(git_repo, "model.pt", 5 * KB * KB)
    calls = count_git_calls(monkeypatch)
    assert findings(git_repo, "model.pt") == []
    assert calls == []


# --- what is skipped, and where git cannot help --------------------------------------


@pytest.mark.slow
def test_deleted_files_symlinks_and_folders_are_skipped(git_repo: Path) -> None:
    target = sized(git_repo.parent, "outside.pt", 5 * KB * KB)
    (git_repo / "link.pt").symlink_to(target)
    (git_repo / "folder.pt").mkdir()
    assert findings(git_repo, "deleted.pt", "link.pt", "folder.pt") == []


def test_outside_a_repository_only_sizes_apply(tmp_path: Path) -> None:
    sized(tmp_path, "small.pt", 10 * KB)
    sized(tmp_path, "large.pt", 600 * KB)
    assert findings(tmp_path, "small.pt", "large.pt") == [("large.pt", "MLA001", 1, None)]


@pytest.mark.slow
def test_git_missing_is_reported_not_passed(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sized(git_repo, "model.pt", 10)
    sized(git_repo, "train.py", 10)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    resolver = SettingsResolver(cwd=git_repo)
    found = check([git_repo / "model.pt", git_repo / "train.py"], resolver, RunOptions())
    assert [(d.path.name, d.code, d.line) for d in found] == [("model.pt", "MLE001", 1)]
    assert found[0].message == "not checked for git-lfs: git is not installed (or not on PATH)"


@pytest.mark.slow
def test_a_repository_git_refuses_is_reported(git_repo: Path) -> None:
    sized(git_repo, "model.pt", 10)
    (git_repo / ".git" / "HEAD").write_text("garbage\n")  # no longer a repository to git
    (diagnostic,) = check([git_repo / "model.pt"], SettingsResolver(cwd=git_repo), RunOptions())
    assert diagnostic.code == "MLE001"
    assert diagnostic.message.startswith("not checked for git-lfs: git rev-parse failed in ")


@pytest.mark.slow
def test_unreadable_small_file_is_reported(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sized(git_repo, "model.pt", 10)

    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "model.pt":  # as chmod 000 would, were the tests not run as root
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    (diagnostic,) = check([git_repo / "model.pt"], SettingsResolver(cwd=git_repo), RunOptions())
    assert (diagnostic.path.name, diagnostic.code, diagnostic.line) == ("model.pt", "MLE001", 1)
    assert diagnostic.message == "cannot read: Permission denied"


@pytest.mark.slow
def test_hook_environment_does_not_redirect_git(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git exports GIT_DIR to hooks; each repository must still answer for itself.
    other = tmp_path / "other"
    run(["git", "init", "-q", str(other)], tmp_path, check=True)
    write(git_repo, ".gitattributes", LFS_ATTRIBUTES)
    sized(git_repo, "model.pt", 10)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    assert findings(git_repo, "model.pt") == []


# --- speed: one git call per repository -------------------------------------------


def count_git_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command: list[str], **kwargs: Any) -> Any:
        calls.append(command)
        return real_run(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    return calls


@pytest.mark.slow
def test_one_check_attr_per_repository(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(git_repo, ".gitattributes", LFS_ATTRIBUTES)
    names = [f"{folder}/m{i}.pt" for folder in ("a", "b/c", "d") for i in range(20)]
    for name in names:
        sized(git_repo, name, 10)
    inner = git_repo / "vendor" / "inner"
    run(["git", "init", "-q", str(inner)], git_repo, check=True)
    sized(inner, "w.pt", 10)
    calls = count_git_calls(monkeypatch)
    assert findings(git_repo, *names, "vendor/inner/w.pt") == [
        ("vendor/inner/w.pt", "MLA001", 1, None)  # its own repository has no .gitattributes
    ]
    assert sorted(call[1] for call in calls) == ["check-attr"] * 2 + ["rev-parse"] * 2


@pytest.mark.slow
def test_no_git_call_when_nothing_depends_on_lfs(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"src/m{i}.py" for i in range(50)]
    for name in names:
        sized(git_repo, name, 100)
    calls = count_git_calls(monkeypatch)
    assert findings(git_repo, *names) == []
    assert calls == []


# --- MLA002: notebooks ----------------------------------------------------------------


@pytest.mark.slow
def test_cells_with_outputs_are_reported_at_the_cell(git_repo: Path) -> None:
    write(git_repo, "eda.ipynb", notebook(MARKDOWN, code_cell([STREAM, PLOT], 3), code_cell()))
    assert findings(git_repo, "eda.ipynb") == [("eda.ipynb", "MLA002", 1, 2)]
    (message,) = messages(git_repo, "eda.ipynb")
    assert message.startswith("code cell committed with 2 outputs (stream, image/png): ")
    assert "nbstripout" in message


@pytest.mark.slow
def test_execution_counts_alone_are_fine(git_repo: Path) -> None:
    write(git_repo, "clean.ipynb", notebook(code_cell(count=7), MARKDOWN))
    assert findings(git_repo, "clean.ipynb") == []


@pytest.mark.slow
def test_allow_notebook_outputs(git_repo: Path) -> None:
    pyproject(git_repo, "allow-notebook-outputs = true")
    write(git_repo, "eda.ipynb", notebook(code_cell([STREAM])))
    assert findings(git_repo, "eda.ipynb") == []


@pytest.mark.slow
def test_nbformat_3_worksheets(git_repo: Path) -> None:
    old = {"worksheets": [{"cells": [code_cell(), code_cell([STREAM])]}], "nbformat": 3}
    write(git_repo, "old.ipynb", json.dumps(old))
    assert findings(git_repo, "old.ipynb") == [("old.ipynb", "MLA002", 1, 2)]


@pytest.mark.slow
def test_notebook_over_its_limit_is_reported_at_the_file(git_repo: Path) -> None:
    pyproject(git_repo, "notebook-max-kb = 1")
    write(git_repo, "big.ipynb", notebook(code_cell(count=1)) + " " * 2 * KB)
    assert findings(git_repo, "big.ipynb") == [("big.ipynb", "MLA002", 1, None)]
    (message,) = messages(git_repo, "big.ipynb")
    assert message.startswith("notebook is 3 kB, over the 1 kB limit (notebook-max-kb): ")


@pytest.mark.slow
def test_a_limits_pattern_can_set_a_notebook_limit(git_repo: Path) -> None:
    pyproject(git_repo, 'limits = { "reports/*.ipynb" = 1 }')
    write(git_repo, "reports/weekly.ipynb", notebook(code_cell(count=1)) + " " * 2 * KB)
    write(git_repo, "eda.ipynb", notebook(code_cell(count=1)) + " " * 2 * KB)
    assert findings(git_repo, "reports/weekly.ipynb", "eda.ipynb") == [
        ("reports/weekly.ipynb", "MLA002", 1, None)
    ]
    (message,) = messages(git_repo, "reports/weekly.ipynb")
    assert message.startswith('notebook is 3 kB, over the 1 kB limit (limits "reports/*.ipynb"): ')


@pytest.mark.slow
def test_notebooks_are_not_held_to_max_kb(git_repo: Path) -> None:
    pyproject(git_repo, "max-kb = 1")
    write(git_repo, "nb.ipynb", notebook(code_cell(count=1)) + " " * 2 * KB)
    assert findings(git_repo, "nb.ipynb") == []


@pytest.mark.slow
def test_lfs_tracked_notebook_keeps_the_outputs_check(git_repo: Path) -> None:
    pyproject(git_repo, "notebook-max-kb = 1")
    write(git_repo, ".gitattributes", "*.ipynb filter=lfs diff=lfs merge=lfs -text\n")
    write(git_repo, "big.ipynb", notebook(code_cell([STREAM])) + " " * 2 * KB)
    write(git_repo, "pointer.ipynb", POINTER)
    assert findings(git_repo, "big.ipynb", "pointer.ipynb") == [("big.ipynb", "MLA002", 1, 1)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n  "cells": [\n    oops\n  ]\n}\n', 3, "notebook is not valid JSON: Expecting value"),
        ('{"metadata": {}}', 1, "notebook has no 'cells' list"),
        ("", 1, "notebook is not valid JSON"),
    ],
)
def test_malformed_notebook_is_a_parse_error(
    git_repo: Path, text: str, line: int, message: str
) -> None:
    write(git_repo, "broken.ipynb", text)
    sized(git_repo, "ok.csv", 10)
    resolver = SettingsResolver(cwd=git_repo)
    (found,) = check([git_repo / "broken.ipynb", git_repo / "ok.csv"], resolver, RunOptions())
    assert (found.path.name, found.code, found.line) == ("broken.ipynb", "MLE001", line)
    assert found.message.startswith(message)


def test_notebook_that_is_not_utf8_is_a_parse_error() -> None:
    # The deps reader's words for any manifest: `check` reports it once.
    with pytest.raises(NotebookError, match="not valid UTF-8"):
        cells_with_outputs(b'{"cells": ["\xff"]}')


def test_odd_cells_and_outputs_do_not_crash() -> None:
    cells = [{"cell_type": "markdown"}, code_cell([{"output_type": "error"}])]
    data = json.dumps({"cells": [*cells, code_cell(["odd"])]}).encode()  # type: ignore[list-item]
    assert [(c.cell, c.kinds) for c in cells_with_outputs(data)] == [(2, ("error",)), (3, ())]
    # Not a cell, or outputs that are not a list: an error naming the cell, not a skip.
    for broken in ("text", {"cell_type": "code", "outputs": "x"}):
        data = json.dumps({"cells": [code_cell(), broken]}).encode()
        with pytest.raises(NotebookError, match="notebook cell 2 "):
            cells_with_outputs(data)


def test_odd_nbformat_3_worksheets_do_not_crash() -> None:
    sheets = [5, {"cells": 5}, {"cells": None}, {"cells": [code_cell([STREAM])]}]
    data = json.dumps({"worksheets": sheets}).encode()
    assert [c.cell for c in cells_with_outputs(data)] == [1]


def test_notebook_nested_too_deep_is_a_parse_error() -> None:
    with pytest.raises(NotebookError, match="nested too deep"):
        cells_with_outputs(b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


# --- the real CLI in a real repository ------------------------------------------------


def repository_with_artifacts(git_repo: Path) -> None:
    write(git_repo, ".gitattributes", LFS_ATTRIBUTES)
    sized(git_repo, "models/resnet.pt", 2 * KB * KB)  # LFS-tracked: fine
    sized(git_repo, "models/resnet.onnx", 2 * KB * KB)  # ml-strict: lfs required
    write(git_repo, "models/head.bin", POINTER)  # already a pointer: fine
    sized(git_repo, "data/labels.csv", 600 * KB)  # over max-kb
    write(git_repo, "train.py", "print('ok')\n")
    write(git_repo, "notebooks/eda.ipynb", notebook(MARKDOWN, MARKDOWN, code_cell([PLOT], 1)))


@pytest.mark.slow
def test_cli_reports_file_line_and_code(git_repo: Path) -> None:
    repository_with_artifacts(git_repo)
    files = [
        "models/resnet.pt",
        "models/resnet.onnx",
        "models/head.bin",
        "data/labels.csv",
        "train.py",
        "notebooks/eda.ipynb",
    ]
    result = ml_policy("artifacts", *files, cwd=git_repo)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines[:-1]] == [
        ["data/labels.csv:1:1:", "MLA001"],
        ["models/resnet.onnx:1:1:", "MLA001"],
        ["notebooks/eda.ipynb:cell", "3:1:1:"],
    ]
    assert "MLA002 code cell committed with 1 output (image/png)" in lines[2]
    assert lines[-1] == "Found 3 errors."


@pytest.mark.slow
def test_cli_json_output(git_repo: Path) -> None:
    repository_with_artifacts(git_repo)
    result = ml_policy("artifacts", "--output-format", "json", "data/labels.csv", cwd=git_repo)
    (record,) = json.loads(result.stdout)
    assert record["code"] == "MLA001"
    assert Path(record["filename"]).name == "labels.csv"
    assert record["location"] == {"row": 1, "column": 1}
    assert record["url"].endswith("/docs/rules/MLA001.md")


@pytest.mark.slow
def test_cli_checks_committed_files_too(git_repo: Path) -> None:
    """The check-added-large-files trap: a file already committed is still judged."""
    repository_with_artifacts(git_repo)
    run(["git", "add", "."], git_repo, check=True)
    run(["git", "commit", "-q", "-m", "artifacts"], git_repo, check=True)
    result = ml_policy("check", ".", cwd=git_repo)
    assert result.returncode == 1
    assert "data/labels.csv:1:1: MLA001" in result.stdout
    assert "models/resnet.onnx:1:1: MLA001" in result.stdout
    assert "models/resnet.pt" not in result.stdout


@pytest.mark.slow
def test_pre_commit_all_files_fails_on_committed_weights(git_repo: Path) -> None:
    """What CI runs: `pre-commit run --all-files` sees files that were never staged now."""
    pytest.importorskip("pre_commit")
    sized(git_repo, "checkpoints/last.ckpt", 800 * KB)
    write(git_repo, "README.md", "# demo\n")
    run(["git", "add", "."], git_repo, check=True)
    run(["git", "commit", "-q", "-m", "weights"], git_repo, check=True)
    config = (
        "repos:\n- repo: local\n  hooks:\n  - id: ml-policy-artifacts\n"
        "    name: ml-policy artifacts\n"
        f"    entry: {sys.executable} -m ml_policy artifacts\n"
        "    language: system\n"
    )
    write(git_repo, ".pre-commit-config.yaml", config)
    env_home = git_repo.parent / "pre-commit-home"
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=git_repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(env_home)},
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "checkpoints/last.ckpt:1:1: MLA001" in result.stdout


@pytest.mark.slow
def test_cli_gives_no_traceback_on_bad_input(git_repo: Path) -> None:
    write(git_repo, "broken.ipynb", "{not json")
    sized(git_repo, "data.npz", 10)
    result = ml_policy("artifacts", "broken.ipynb", "data.npz", cwd=git_repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # At the column the lint and deps readers give too: one MLE001 under `check`.
    assert "broken.ipynb:1:2: MLE001 notebook is not valid JSON" in result.stdout
    assert "data.npz:1:1: MLA001" in result.stdout


def test_registered_as_the_mla_checker() -> None:
    assert (("MLA",), "ml_policy.artifacts:check") in checkers.CHECKERS


# --- documentation and helpers ----------------------------------------------------------


def test_rules_document_what_they_replace() -> None:
    """Their examples and sections are run and checked with every rule's (test_rule_examples)."""
    assert "check-added-large-files" in LargeArtifact.documentation()
    assert "nbstripout" in NotebookOutputs.documentation()


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (1000, "1000 bytes"),
        (1024, "1 kB"),
        (1025, "2 kB"),
        (1536 * KB, "1.5 MB"),
        (3 * KB**3, "3.0 GB"),
    ],
)
def test_human_size(size: int, shown: str) -> None:
    assert human_size(size) == shown
