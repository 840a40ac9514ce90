"""The adoption baseline: record every hook's findings, then fail only on new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_venv, ml_policy, run, write_files

from ml_policy.baseline import store
from ml_policy.baseline.fingerprint import Finding, SourceLines, fingerprint
from ml_policy.baseline.store import BaselineError

# Findings of every family and tool: MLM001 (and Ruff B006), MLD001, Ruff F401,
# an unformatted file, a mypy error, bandit B301 (no [tool.bandit]: bandit runs all),
# and hadolint DL3007 with MLI003.
OLD = {
    "train.py": (
        "import os\n"
        "import pickle\n\n\n"
        "def train(config={}):\n"
        '    config["lr"] = 1\n'
        '    return pickle.loads(b"")\n\n\n'
        'count: int = "many"\n'
    ),
    "requirements.txt": "torch\n",
    "messy.py": "x=1\n",
    "Dockerfile": "FROM pytorch/pytorch:nightly\nFROM python:latest\n",
}
MYPY_STRICT = "[tool.mypy]\nstrict = true\n[tool.ruff.lint]\nselect = ['E', 'F', 'B', 'I']\n"


@pytest.fixture
def adopted(git_repo: Path) -> Path:
    write_files(git_repo, {**OLD, "pyproject.toml": MYPY_STRICT})
    run(["git", "add", "."], git_repo, check=True)
    recorded = ml_policy("baseline", cwd=git_repo)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    return git_repo


def entries(repo: Path) -> list[dict[str, object]]:
    findings: list[dict[str, object]] = json.loads((repo / store.NAME).read_text(encoding="utf-8"))[
        "findings"
    ]
    return findings


def codes(repo: Path) -> set[str]:
    return {str(e["code"]) for e in entries(repo)}


@pytest.mark.slow
def test_baseline_records_every_hooks_findings(adopted: Path) -> None:
    assert {
        "MLM001",
        "MLD001",
        "ruff:F401",
        "ruff:B006",
        "ruff-format",
        "mypy:assignment",
        "bandit:B301",
        "hadolint:DL3007",
        "MLI003",
    } <= codes(adopted)
    assert {"path": "messy.py", "code": "ruff-format"}.items() <= next(
        e for e in entries(adopted) if e["path"] == "messy.py"
    ).items()


@pytest.mark.slow
def test_baseline_file_is_sorted_one_finding_per_line(adopted: Path) -> None:
    text = (adopted / store.NAME).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith('    {"path"')]
    assert len(lines) == len(entries(adopted))
    assert lines == sorted(lines)
    assert all(
        line.count("\n") == 0 and "line" not in json.loads(line.rstrip(",")) for line in lines
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ("check", "."),
        ("lint", "train.py"),
        ("deps", "requirements.txt"),
        ("ruff", "check", "--force-exclude", "train.py", "messy.py"),
        ("mypy", "train.py", "messy.py"),
        ("bandit", "train.py"),
        ("hadolint", "Dockerfile"),
    ],
)
def test_every_hook_passes_on_baselined_findings(adopted: Path, command: tuple[str, ...]) -> None:
    result = ml_policy(*command, cwd=adopted)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accepted by .ml-policy-baseline.json" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ("check", "."),
        ("ruff", "check", "--force-exclude", "train.py"),
        ("mypy", "train.py"),
        ("bandit", "train.py"),
        ("hadolint", "Dockerfile"),
    ],
)
def test_hooks_fail_without_the_baseline(adopted: Path, command: tuple[str, ...]) -> None:
    (adopted / store.NAME).unlink()
    assert ml_policy(*command, cwd=adopted).returncode == 1


@pytest.mark.slow
def test_a_new_hadolint_finding_fails_and_only_it_is_shown(adopted: Path) -> None:
    (adopted / "Dockerfile").write_text(
        "FROM pytorch/pytorch:nightly\nFROM python:latest\nRUN cd /tmp && ls\n"
    )
    result = ml_policy("hadolint", "Dockerfile", cwd=adopted)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DL3003" in result.stdout  # `cd` in RUN: new
    assert "DL3007" not in result.stdout  # accepted


@pytest.mark.slow
def test_a_finding_that_moves_with_its_code_stays_accepted(adopted: Path) -> None:
    train = adopted / "train.py"
    train.write_text('"""Training."""\n\n# moved down\n' + train.read_text(encoding="utf-8"))
    for command in (("check", "."), ("ruff", "check", "train.py"), ("mypy", "train.py")):
        result = ml_policy(*command, cwd=adopted)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_new_findings_fail_and_only_they_are_shown(adopted: Path) -> None:
    write_files(
        adopted,
        {"new.py": "import sys\n\n\ndef step(state=[]):\n    state.append(1)\n    return state\n"},
    )
    result = ml_policy("check", ".", cwd=adopted)
    assert result.returncode == 1
    assert "new.py" in result.stdout
    assert "train.py" not in result.stdout
    ruff = ml_policy("ruff", "check", "new.py", "train.py", cwd=adopted)
    assert ruff.returncode == 1
    assert "new.py:1:8: F401" in ruff.stdout
    assert "train.py" not in ruff.stdout


@pytest.mark.slow
def test_a_second_copy_of_an_accepted_line_is_new(adopted: Path) -> None:
    train = adopted / "train.py"
    train.write_text(train.read_text(encoding="utf-8") + 'other: int = "many"\n')
    result = ml_policy("mypy", "train.py", cwd=adopted)
    assert result.returncode == 1
    assert "train.py:11: error: Incompatible types in assignment" in result.stdout
    assert "train.py:10:" not in result.stdout


@pytest.mark.slow
def test_an_edited_line_is_a_new_finding(adopted: Path) -> None:
    train = adopted / "train.py"
    train.write_text(train.read_text(encoding="utf-8").replace('"many"', '"lots"'))
    assert ml_policy("mypy", "train.py", cwd=adopted).returncode == 1


@pytest.mark.slow
def test_formatter_skips_baselined_files_only(adopted: Path) -> None:
    write_files(adopted, {"fresh.py": "y=2\n"})
    result = ml_policy("ruff", "format", "--force-exclude", "messy.py", "fresh.py", cwd=adopted)
    assert result.returncode == 0, result.stderr
    assert (adopted / "messy.py").read_text() == "x=1\n"
    assert (adopted / "fresh.py").read_text() == "y = 2\n"


@pytest.mark.slow
@pytest.mark.parametrize("where", [(".",), ()])
def test_formatter_given_a_folder_skips_baselined_files(
    adopted: Path, where: tuple[str, ...]
) -> None:
    # Ruff walks the folder itself (with none given, the current one): it is told to leave
    # the exempt files out (audiocraft trial: `ruff format .` reformatted 129 of them).
    write_files(adopted, {"fresh.py": "y=2\n"})
    check = ml_policy("ruff", "format", "--check", *where, cwd=adopted)
    assert "messy.py" not in check.stdout + check.stderr
    assert "fresh.py" in check.stdout + check.stderr
    result = ml_policy("ruff", "format", *where, cwd=adopted)
    assert result.returncode == 0, result.stderr
    assert (adopted / "messy.py").read_text() == "x=1\n"
    assert (adopted / "fresh.py").read_text() == "y = 2\n"


@pytest.mark.slow
def test_formatter_given_only_exempt_files_formats_nothing(adopted: Path) -> None:
    write_files(adopted, {"other.py": "z=3\n"})
    result = ml_policy("ruff", "format", "messy.py", cwd=adopted)
    assert result.returncode == 0
    assert (adopted / "other.py").read_text() == "z=3\n"  # not the whole folder


@pytest.mark.slow
def test_rerecording_drops_fixed_findings_and_adds_nothing_new(adopted: Path) -> None:
    train = adopted / "train.py"
    train.write_text(train.read_text(encoding="utf-8").replace("import os\n", ""))
    write_files(adopted, {"new.py": "import sys\n"})
    result = ml_policy("baseline", cwd=adopted)
    assert result.returncode == 0, result.stderr
    assert "fixed finding(s) dropped" in result.stdout
    assert "new finding(s) not accepted" in result.stdout
    assert not any(e["path"] == "new.py" for e in entries(adopted))
    assert not any("`os`" in str(e["message"]) for e in entries(adopted))
    assert ml_policy("ruff", "check", "new.py", cwd=adopted).returncode == 1
    added = ml_policy("baseline", "--add", cwd=adopted)
    assert added.returncode == 0
    assert any(e["path"] == "new.py" for e in entries(adopted))
    assert ml_policy("ruff", "check", "new.py", cwd=adopted).returncode == 0


@pytest.mark.slow
def test_rerecording_an_unchanged_repository_changes_nothing(adopted: Path) -> None:
    before = (adopted / store.NAME).read_bytes()
    assert ml_policy("baseline", cwd=adopted).returncode == 0
    assert (adopted / store.NAME).read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("{not json", f"{store.NAME}:1: invalid JSON"),
        ('{"version": 9, "findings": []}', '"version": 1'),
        ('{"version": 1, "findings": [{"path": "a"}]}', "finding 1"),
        (
            '{"version": 1, "findings": [{"path": "a", "code": "X", "fingerprint": "f", '
            '"count": 0}]}',
            "positive integer",
        ),
    ],
)
def test_a_broken_baseline_is_an_error_naming_it(adopted: Path, content: str, error: str) -> None:
    (adopted / store.NAME).write_text(content)
    result = ml_policy("check", ".", cwd=adopted)
    assert result.returncode == 2
    assert error in result.stderr
    assert "Traceback" not in result.stderr


def test_fingerprint_ignores_whitespace_and_numbers_not_the_code_or_text() -> None:
    base = fingerprint("E501", "x = 1", "Line too long (120 > 100)")
    assert fingerprint("E501", "    x  =  1", "Line too long (121 > 100)") == base
    assert fingerprint("E502", "x = 1", "Line too long (120 > 100)") != base
    assert fingerprint("E501", "x = 2", "Line too long (120 > 100)") != base


def test_source_lines_read_notebook_cells(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": ["a = 1\n", "b = 2"], "outputs": []},
        {"cell_type": "code", "metadata": {}, "source": ["c = 3"], "outputs": []},
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "n.ipynb").write_text(json.dumps(notebook))
    lines = SourceLines(tmp_path)
    assert lines.line("n.ipynb", 2, cell=1) == "b = 2"
    assert lines.line("n.ipynb", 1, cell=2) == "c = 3"
    assert lines.line("n.ipynb", 5, cell=2) == ""
    assert lines.line("missing.py", 1) == ""
    first = lines.key(Finding("n.ipynb", "X1", 1, "m", cell=2))
    assert first == lines.key(Finding("n.ipynb", "X1", 1, "m", cell=2))


def test_parse_counts_duplicates() -> None:
    text = store.render(store.Baseline())
    assert store.parse(Path("b"), text.encode()).total() == 0
    baseline = store.Baseline()
    baseline.add(("a.py", "MLM001", "f"), "m")
    baseline.add(("a.py", "MLM001", "f"), "m")
    parsed = store.parse(Path("b"), store.render(baseline).encode())
    assert parsed.counts == baseline.counts
    matcher = parsed.matcher()
    assert [matcher.accepts(("a.py", "MLM001", "f")) for _ in range(3)] == [True, True, False]
    with pytest.raises(BaselineError):
        store.parse(Path("b"), b"\xff")


@pytest.mark.slow
def test_init_baseline_makes_a_new_repository_green(git_repo: Path) -> None:
    write_files(git_repo, OLD)
    run(["git", "add", "."], git_repo, check=True)
    result = ml_policy("init", "--baseline", cwd=git_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accepted in .ml-policy-baseline.json" in result.stdout
    assert ml_policy("check", ".", cwd=git_repo).returncode == 0
    written = {p: p.read_bytes() for p in git_repo.iterdir() if p.is_file()}
    again = ml_policy("init", "--baseline", cwd=git_repo)
    assert "nothing to change" in again.stdout
    assert {p: p.read_bytes() for p in git_repo.iterdir() if p.is_file()} == written


# -- the mypy hook in real repositories --------------------------------------------


@pytest.mark.slow
def test_mypy_skips_files_its_configuration_excludes(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "pyproject.toml": '[tool.mypy]\nexclude = ["^generated/"]\n',
            "generated/api.py": 'x: int = "a"\n',
            "ok.py": "y: int = 1\n",
        },
    )
    only_excluded = ml_policy("mypy", "generated/api.py", cwd=git_repo)
    assert only_excluded.returncode == 0, only_excluded.stdout
    assert "generated" not in only_excluded.stdout
    mixed = ml_policy("mypy", "generated/api.py", "ok.py", cwd=git_repo)
    assert mixed.returncode == 0, mixed.stdout
    (git_repo / "pyproject.toml").write_text("[tool.mypy]\n")
    assert ml_policy("mypy", "generated/api.py", cwd=git_repo).returncode == 1


PLUGIN = """\
from mypy.plugin import Plugin


class Quiet(Plugin):
    pass


def plugin(version: str) -> type[Plugin]:
    return Quiet
"""


@pytest.mark.slow
def test_mypy_loads_a_plugin_from_the_project_environment(git_repo: Path) -> None:
    write_files(
        git_repo,
        {"pyproject.toml": '[tool.mypy]\nplugins = ["teamplugin.mypy"]\n', "ok.py": "y = 1\n"},
    )
    missing = ml_policy("mypy", "ok.py", cwd=git_repo)
    assert missing.returncode == 2
    assert "additional_dependencies: [teamplugin]" in missing.stderr
    make_venv(git_repo / ".venv", {"teamplugin": {"__init__.py": "", "mypy.py": PLUGIN}})
    loaded = ml_policy("mypy", "ok.py", cwd=git_repo)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "loading mypy plugin 'teamplugin.mypy' from the project environment" in loaded.stderr


@pytest.mark.slow
def test_a_tool_that_cannot_run_is_left_out_then_recorded_in_full(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "pyproject.toml": (
                '[tool.mypy]\nplugins = ["teamplugin.mypy"]\n[tool.ruff.lint]\nselect = ["F"]\n'
            ),
            "train.py": 'import os\n\ncount: int = "many"\n',
        },
    )
    first = ml_policy("baseline", cwd=git_repo)
    assert first.returncode == 1
    assert "mypy not recorded" in first.stderr
    assert "ruff:F401" in codes(git_repo)
    assert "mypy" not in json.loads((git_repo / store.NAME).read_text())["recorded"]
    make_venv(git_repo / ".venv", {"teamplugin": {"__init__.py": "", "mypy.py": PLUGIN}})
    second = ml_policy("baseline", cwd=git_repo)  # no --add: mypy's findings are all first seen
    assert second.returncode == 0, second.stderr
    assert "mypy:assignment" in codes(git_repo)
    assert ml_policy("mypy", "train.py", cwd=git_repo).returncode == 0


@pytest.mark.slow
def test_a_large_baseline_is_reviewed_text_not_a_large_artifact(git_repo: Path) -> None:
    padding = "x" * 600_000  # over ml-strict's 500 kB
    write_files(
        git_repo,
        {
            store.NAME: json.dumps({"version": 1, "findings": [], "padding": padding}),
            "weights.json": padding,
        },
    )
    result = ml_policy("artifacts", store.NAME, "weights.json", cwd=git_repo)
    assert result.returncode == 1
    assert "weights.json" in result.stdout
    assert store.NAME not in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("form", [("--output-format", "github"), ("--output-format=github",)])
def test_ruff_keeps_the_github_format_with_a_baseline(adopted: Path, form: tuple[str, ...]) -> None:
    write_files(adopted, {"new.py": "import sys\n"})
    result = ml_policy("ruff", "check", *form, "new.py", "train.py", cwd=adopted)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("::error title=Ruff (F401),file=new.py,line=1,col=8,")
    assert "train.py" not in result.stdout


@pytest.mark.slow
def test_ruff_keeps_the_json_format_with_a_baseline(adopted: Path) -> None:
    write_files(adopted, {"new.py": "import sys\n"})
    result = ml_policy(
        "ruff", "check", "--output-format", "json", "new.py", "train.py", cwd=adopted
    )
    assert result.returncode == 1, result.stderr
    assert [item["code"] for item in json.loads(result.stdout)] == ["F401"]


@pytest.mark.slow
def test_bandit_with_its_own_format_option_still_filters(adopted: Path) -> None:
    result = ml_policy("bandit", "-f", "screen", "train.py", cwd=adopted)
    assert result.returncode == 0, result.stdout + result.stderr


def test_recording_never_fixes_files_even_where_ruff_is_told_to(git_repo: Path) -> None:
    # A project's `fix = true` applies Ruff's fixes on every `ruff check`: recording the
    # baseline runs Ruff to read findings, and must leave the sources as they are.
    source = "import os\nimport sys\n\nprint(sys.argv)\n"
    config = "[tool.ruff]\nfix = true\n[tool.ruff.lint]\nselect = ['F']\n"
    write_files(git_repo, {"app.py": source, "pyproject.toml": config})
    run(["git", "add", "."], git_repo, check=True)
    recorded = ml_policy("baseline", cwd=git_repo)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (git_repo / "app.py").read_text(encoding="utf-8") == source
    assert "ruff:F401" in codes(git_repo)


def test_the_note_says_what_the_baseline_holds(adopted: Path) -> None:
    result = ml_policy("ruff", "check", "train.py", cwd=adopted)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ruff findings in all" in result.stderr


def test_recording_skips_what_precommit_never_gives_its_hooks(git_repo: Path) -> None:
    # pytorch-ignite: `exclude: "^conda.recipe|assets|docs"` at the top of its
    # .pre-commit-config.yaml; the hooks never see those files, so neither does the baseline.
    config = "repos: []\nexclude: ^assets/\n"
    files = {
        ".pre-commit-config.yaml": config,
        "assets/old.py": "import os\n",
        "app.py": "import sys\n",
        "pyproject.toml": "[tool.ruff.lint]\nselect = ['F']\n",
    }
    write_files(git_repo, files)
    run(["git", "add", "."], git_repo, check=True)
    recorded = ml_policy("baseline", cwd=git_repo)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    paths = {str(entry["path"]) for entry in entries(git_repo)}
    assert "app.py" in paths
    assert not any(path.startswith("assets/") for path in paths)
