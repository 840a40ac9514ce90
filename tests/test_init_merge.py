"""`ml-policy init` merges into the files the tools really read, and keeps the bundle's rules
running: through the real CLI in git repositories, checked with the pinned Ruff, mypy and
bandit (a finding is reported by exactly one of Ruff and bandit, never by neither)."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import tomlkit
import tomllib
from conftest import ml_policy, run, write_files

from ml_policy import bundles
from ml_policy.apply import migrate
from ml_policy.apply.keyrules import MYPY_STRICT_FLAGS

PYTHON = sys.executable
STRICT = bundles.latest("ml-strict")
ADOPTED = "kept at adoption by ml-policy init"

# Five risks that Ruff's S rules and bandit both know; each is one issue.
RISKY = """\
import hashlib
import pickle
import subprocess


def load(blob: bytes, text: str) -> object:
    exec(text)
    digest = hashlib.md5(blob).hexdigest()
    subprocess.run(f"echo {digest}", shell=True, check=False)
    print(eval(text))
    return pickle.loads(blob)
"""
ISSUES = {
    "exec": {"S102", "B102"},
    "md5": {"S324", "B324", "S303", "B303"},
    "shell": {"S602", "B602", "B404"},
    "eval": {"S307", "B307"},
    "pickle": {"S301", "B301", "B403"},
}


def init(repo: Path, *args: str) -> tuple[int, str]:
    result = ml_policy("init", *args, cwd=repo)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr


def toml(repo: Path, name: str = "pyproject.toml") -> dict[str, Any]:
    return tomllib.loads((repo / name).read_text())


def ruff_codes(repo: Path, path: str = "src") -> set[str]:
    result = run([PYTHON, "-m", "ruff", "check", "--no-cache", "--output-format=json", path], repo)
    assert result.returncode in {0, 1}, result.stderr
    assert "warning" not in result.stderr.lower() or "deprecated" in result.stderr, result.stderr
    return {finding["code"] for finding in json.loads(result.stdout)}


def bandit_codes(repo: Path, *files: str) -> set[str]:
    """What the ml-policy-bandit hook reports for `files`, with the repository's config."""
    result = ml_policy("bandit", "-f", "json", "-q", *files, cwd=repo)
    assert result.returncode in {0, 1}, result.stderr
    return {finding["test_id"] for finding in json.loads(result.stdout)["results"]}


def reporters(repo: Path) -> dict[str, set[str]]:
    """For each issue of RISKY, the tools that report it."""
    ruff, bandit = ruff_codes(repo), bandit_codes(repo, "src/risky.py")
    return {
        issue: {tool for tool, codes in (("ruff", ruff), ("bandit", bandit)) if codes & twins}
        for issue, twins in ISSUES.items()
    }


# --- every risk reported exactly once --------------------------------------------

SCENARIOS = {
    # The repository's own select has no S: the bundle's S goes into extend-select.
    "select without S": ('[tool.ruff.lint]\nselect = ["E", "F"]\n', {}),
    "ruff.toml select without S": ("", {"ruff.toml": '[lint]\nselect = ["E", "F"]\n'}),
    # The repository turns S307 off: kept (recorded), so bandit reports eval instead.
    "ignore S307": ('[tool.ruff.lint]\nignore = ["S307"]\n', {"eval": "bandit"}),
    # The repository runs no Ruff S rule at all (it ran bandit): bandit reports them all.
    "ignore S": ('[tool.ruff.lint]\nignore = ["S"]\n', dict.fromkeys(ISSUES, "bandit")),
}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_each_risk_is_reported_by_exactly_one_tool(git_repo: Path, scenario: str) -> None:
    pyproject, extra = SCENARIOS[scenario]
    files = {"src/risky.py": RISKY, "pyproject.toml": "[project]\nname = 'x'\n" + pyproject}
    if "ruff.toml" in scenario:
        files["ruff.toml"] = extra.pop("ruff.toml")
    write_files(git_repo, files)
    code, out = init(git_repo)
    assert code == 0, out
    expected = {issue: {extra.get(issue, "ruff")} for issue in ISSUES}
    assert reporters(git_repo) == expected
    again, out = init(git_repo)
    assert (again, "nothing to change" in out) == (0, True), out


@pytest.mark.slow
def test_without_the_merge_rules_risks_went_unreported(git_repo: Path) -> None:
    """The configuration init wrote before: the user's select kept, the bundle's skips whole."""
    bandit = STRICT.text("bandit.toml").split("[tool.bandit]", 1)[1]
    write_files(
        git_repo,
        {
            "src/risky.py": RISKY,
            "pyproject.toml": f'[tool.ruff.lint]\nselect = ["E", "F"]\n\n[tool.bandit]{bandit}',
        },
    )
    assert reporters(git_repo) == {issue: set() for issue in ISSUES}


# --- Ruff: the file Ruff reads, select, ignore, lists ----------------------------


@pytest.mark.slow
def test_ruff_toml_is_merged_not_pyproject(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "ruff.toml": '# ours\nline-length = 100\n\n[lint]\nselect = ["E", "F"]\n',
            "pyproject.toml": "[tool.ruff]\nline-length = 120\n",
            "src/a.py": 'print("hi")\n',
        },
    )
    assert ruff_codes(git_repo) == set()  # T201 is not selected yet
    code, out = init(git_repo)
    assert code == 0, out
    assert "i pyproject.toml [tool.ruff]: Ruff reads ruff.toml instead" in out
    assert toml(git_repo)["tool"]["ruff"] == {"line-length": 120}  # untouched: Ruff ignores it
    ruff = toml(git_repo, "ruff.toml")
    assert ruff["lint"]["select"] == ["E", "F"]
    assert "T20" in ruff["lint"]["extend-select"]
    assert (git_repo / "ruff.toml").read_text().startswith("# ours\nline-length = 100\n")
    assert ruff_codes(git_repo) == {"T201"}  # the hook's Ruff now runs the bundle's rules


@pytest.mark.slow
def test_dot_ruff_toml_beats_ruff_toml(git_repo: Path) -> None:
    write_files(git_repo, {".ruff.toml": "line-length = 100\n", "ruff.toml": "line-length = 90\n"})
    code, out = init(git_repo)
    assert code == 0, out
    assert "lint" in toml(git_repo, ".ruff.toml")
    assert toml(git_repo, "ruff.toml") == {"line-length": 90}
    assert "i ruff.toml: Ruff reads .ruff.toml instead" in out


@pytest.mark.slow
def test_a_select_equal_to_the_bundles_needs_no_extend_select(git_repo: Path) -> None:
    select = ", ".join(f'"{c}"' for c in STRICT.ruff()["lint"]["select"])
    write_files(git_repo, {"pyproject.toml": f"[tool.ruff.lint]\nselect = [{select}]\n"})
    assert init(git_repo)[0] == 0
    assert "extend-select" not in toml(git_repo)["tool"]["ruff"]["lint"]


@pytest.mark.slow
def test_a_select_of_all_covers_the_bundle(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": '[tool.ruff.lint]\nselect = ["ALL"]\n'})
    code, out = init(git_repo)
    assert code == 0, out
    assert "yours covers every rule the bundle selects" in out
    assert "extend-select" not in toml(git_repo)["tool"]["ruff"]["lint"]


@pytest.mark.slow
def test_deprecated_top_level_keys_are_merged_where_they_are(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "pyproject.toml": (
                '[tool.ruff]\nselect = ["E", "F"]\nextend-select = ["B"]\nignore = ["E501"]\n'
            ),
            "src/a.py": "x = eval('1')\n",
        },
    )
    assert init(git_repo)[0] == 0
    ruff = toml(git_repo)["tool"]["ruff"]
    # A lint.extend-select beside the top-level one would hide the user's B from Ruff.
    assert "extend-select" not in ruff["lint"]
    assert ruff["extend-select"][0] == "B"
    assert "S" in ruff["extend-select"]
    assert ruff["ignore"][:2] == ["E501", "B008"]
    assert "S307" in ruff_codes(git_repo)


@pytest.mark.slow
def test_a_bundle_ignore_the_user_selects_is_not_added(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": '[tool.ruff.lint]\nextend-select = ["S311"]\n'})
    assert init(git_repo)[0] == 0
    ruff = toml(git_repo)["tool"]["ruff"]["lint"]
    assert "S311" not in ruff["ignore"]  # same specificity: it would switch S311 off
    assert "S105" in ruff["ignore"]


@pytest.mark.slow
def test_list_keys_are_unions_in_the_users_order(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "pyproject.toml": (
                "[tool.ruff]\n"
                'extend-exclude = ["data", "wandb"]  # our data\n\n'
                "[tool.ruff.lint.per-file-ignores]\n"
                '"**/tests/**" = ["D"]\n'
                '"notebooks/*" = ["E402"]\n'
            )
        },
    )
    code, out = init(git_repo)
    assert code == 0, out
    ruff = toml(git_repo)["tool"]["ruff"]
    assert ruff["extend-exclude"] == ["data", "wandb", "mlruns", "lightning_logs", "multirun"]
    ignores = ruff["lint"]["per-file-ignores"]
    assert ignores["**/tests/**"] == ["D", "S101", "T20"]
    assert ignores["notebooks/*"] == ["E402"]
    assert ignores["*.ipynb"] == STRICT.ruff()["lint"]["per-file-ignores"]["*.ipynb"]
    assert "# our data" in (git_repo / "pyproject.toml").read_text()
    assert "! " not in out  # lists never conflict


@pytest.mark.slow
def test_weakening_ignores_are_recorded_and_kept(git_repo: Path) -> None:
    write_files(
        git_repo,
        {"pyproject.toml": '[tool.ruff.lint]\nignore = ["E501", "B008", "S101", "PLR0913"]\n'},
    )
    code, out = init(git_repo)
    assert code == 0, out
    data = toml(git_repo)["tool"]
    assert data["ruff"]["lint"]["ignore"][:4] == ["E501", "B008", "S101", "PLR0913"]
    # B008 and PLR0913 (under PLR09) the bundle ignores itself: no departure.
    assert data["ml-policy"]["overrides"] == {
        "ruff.lint.ignore": {"add": ["E501", "S101"], "reason": ADOPTED}
    }
    assert "o tool.ruff.lint.ignore: yours E501, S101 turn off rules the bundle selects" in out
    # The recorded override covers them from now on; a new one is added to it.
    text = (git_repo / "pyproject.toml").read_text().replace('"PLR0913"', '"N801"', 1)
    (git_repo / "pyproject.toml").write_text(text)
    code, out = init(git_repo)
    assert code == 0, out
    assert toml(git_repo)["tool"]["ml-policy"]["overrides"]["ruff.lint.ignore"]["add"] == [
        "E501",
        "S101",
        "N801",
    ]


@pytest.mark.slow
def test_force_removes_weakening_ignores(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": '[tool.ruff.lint]\nignore = ["E501", "B008"]\n'})
    code, out = init(git_repo, "--force")
    assert code == 0, out
    data = toml(git_repo)["tool"]
    assert "E501" not in data["ruff"]["lint"]["ignore"]
    assert data["ruff"]["lint"]["ignore"][0] == "B008"
    assert "overrides" not in data["ml-policy"]
    assert "~ tool.ruff.lint.ignore: removed E501" in out


@pytest.mark.slow
def test_a_recorded_reason_is_kept(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            "pyproject.toml": (
                '[tool.ruff.lint]\nignore = ["E501"]\n\n'
                '[tool.ml-policy]\nbundle = "ml-strict@1"\n\n'
                '[tool.ml-policy.overrides]\n"ruff.lint.ignore" = { reason = "generated code" }\n'
            )
        },
    )
    code, out = init(git_repo, "--force")
    assert code == 0, out
    data = toml(git_repo)["tool"]
    assert data["ruff"]["lint"]["ignore"][0] == "E501"  # a recorded override beats --force
    assert data["ml-policy"]["overrides"] == {"ruff.lint.ignore": {"reason": "generated code"}}


@pytest.mark.slow
def test_scalars_are_recorded_at_adoption(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": "[tool.ruff]\nline-length = 120\n"})
    code, out = init(git_repo)
    assert code == 0, out
    assert "o tool.ruff.line-length: yours 120, bundle 100; kept yours" in out
    assert toml(git_repo)["tool"]["ml-policy"]["overrides"] == {
        "ruff.line-length": {"reason": "kept at adoption by ml-policy init"}
    }
    assert init(git_repo)[0] == 0  # and init stays a no-op


@pytest.mark.slow
def test_scalars_conflict_once_a_bundle_is_recorded(git_repo: Path) -> None:
    text = '[tool.ruff]\nline-length = 120\n[tool.ml-policy]\nbundle = "ml-strict@1"\n'
    write_files(git_repo, {"pyproject.toml": text})
    code, out = init(git_repo)
    assert code == 1
    assert "! tool.ruff.line-length: yours 120, bundle 100; kept yours" in out
    assert "overrides" not in toml(git_repo)["tool"]["ml-policy"]


# --- mypy: strictness, shadowing INI files, --migrate -----------------------------


@pytest.mark.slow
def test_a_weaker_mypy_flag_is_recorded_and_force_takes_the_bundles(git_repo: Path) -> None:
    text = "[tool.mypy]\nstrict = false\nallow_untyped_defs = true\nwarn_unreachable = true\n"
    write_files(git_repo, {"pyproject.toml": text})
    code, out = init(git_repo, "--dry-run")
    assert code == 0, out
    assert "o tool.mypy.strict: yours false, bundle true; kept yours" in out
    assert "o tool.mypy.allow_untyped_defs: yours true turns off disallow_untyped_defs" in out
    assert init(git_repo)[0] == 0
    data = toml(git_repo)["tool"]
    assert data["mypy"]["strict"] is False
    assert data["ml-policy"]["overrides"] == {
        "mypy.strict": {"reason": ADOPTED},
        "mypy.allow_untyped_defs": {"reason": ADOPTED},
    }
    (git_repo / "pyproject.toml").write_text(text)
    assert init(git_repo, "--force")[0] == 0
    mypy = toml(git_repo)["tool"]["mypy"]
    assert mypy["strict"] is True
    assert "allow_untyped_defs" not in mypy


@pytest.mark.slow
def test_a_stricter_mypy_flag_is_kept_without_a_record(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": "[tool.mypy]\nallow_redefinition = false\n"})
    code, out = init(git_repo, "--bundle", "ml-baseline")
    assert code == 0, out
    assert "= tool.mypy.allow_redefinition: yours false is stricter" in out
    data = toml(git_repo)["tool"]
    assert data["mypy"]["allow_redefinition"] is False
    assert "overrides" not in data["ml-policy"]


def test_strict_flag_table_is_mypys() -> None:
    from mypy.main import define_options

    assert tuple(define_options()[2]) == MYPY_STRICT_FLAGS


MYPY_INI = """\
# typing settings
[mypy]
ignore_missing_imports = True
disallow_untyped_defs = yes
warn_unused_configs = 1
python_version = 3.10
exclude = (^build/|^docs/)
enable_error_code = ignore-without-code, redundant-expr
many_errors_threshold = 50

# generated and vendored code
[mypy-legacy.*,vendor]
ignore_errors = True
allow_untyped_calls = True
"""
UNTYPED = "def f(x):\n    return x\n"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mypy.ini", ".mypy.ini", "setup.cfg"])
def test_an_ini_mypy_reads_is_not_hidden_under_a_silent_tool_mypy(
    git_repo: Path, name: str
) -> None:
    write_files(git_repo, {name: MYPY_INI.replace("disallow_untyped_defs = yes\n", "")})
    code, out = init(git_repo)
    assert code == 1
    assert (
        f"! tool.mypy: mypy reads {name} [mypy]" in out or f"! tool.mypy: mypy reads {name}" in out
    )
    assert "`ml-policy init --migrate`" in out
    assert "mypy" not in toml(git_repo)["tool"]  # nothing mypy would ignore was written


@pytest.mark.slow
def test_migrate_moves_the_ini_and_the_bundle_applies(git_repo: Path) -> None:
    write_files(git_repo, {".mypy.ini": MYPY_INI, "src/a.py": UNTYPED})
    strict = ml_policy("mypy", "--no-incremental", "src/a.py", cwd=git_repo)
    assert "no-untyped-def" in strict.stdout  # from .mypy.ini, before
    code, out = init(git_repo, "--migrate")
    assert code == 0, out
    assert not (git_repo / ".mypy.ini").exists()
    assert "removed .mypy.ini" in out
    mypy = toml(git_repo)["tool"]["mypy"]
    assert mypy["strict"] is True  # the bundle, merged on top
    assert mypy["python_version"] == "3.10"
    assert mypy["exclude"][0] == "(^build/|^docs/)"
    assert mypy["enable_error_code"][:2] == ["ignore-without-code", "redundant-expr"]
    assert mypy["overrides"][0] == {
        "module": ["legacy.*", "vendor"],
        "ignore_errors": True,
        "allow_untyped_calls": True,
    }
    after = ml_policy("mypy", "--no-incremental", "-v", "src/a.py", cwd=git_repo)
    assert re.search(r"Config File:\s+\S*pyproject.toml", after.stderr), after.stderr
    assert "no-untyped-def" in after.stdout
    assert "unrecognized" not in (after.stdout + after.stderr).lower()
    assert init(git_repo, "--migrate")[1].count("nothing to change") == 1


@pytest.mark.slow
def test_migrate_keeps_the_rest_of_setup_cfg(git_repo: Path) -> None:
    rest_before = "[metadata]\nname = demo\n\n"
    rest_after = "# flake8 settings\n[flake8]\nmax-line-length = 100\n"
    write_files(git_repo, {"setup.cfg": rest_before + MYPY_INI + "\n" + rest_after})
    code, out = init(git_repo, "--migrate")
    assert code == 0, out
    assert (git_repo / "setup.cfg").read_text() == rest_before + rest_after
    assert toml(git_repo)["tool"]["mypy"]["ignore_missing_imports"] is True


@pytest.mark.slow
def test_migrate_dry_run_and_diff_show_the_removal(git_repo: Path) -> None:
    write_files(git_repo, {"mypy.ini": MYPY_INI})
    before = (git_repo / "mypy.ini").read_text()
    _, out = init(git_repo, "--migrate", "--diff")
    assert "--- a/mypy.ini\n+++ /dev/null\n" in out
    assert "+[tool.mypy]\n" in out
    _, out = init(git_repo, "--migrate", "--dry-run")
    assert "mypy.ini: remove\n  - mypy.ini: its mypy settings moved" in out
    assert (git_repo / "mypy.ini").read_text() == before
    assert not (git_repo / "pyproject.toml").exists()


@pytest.mark.slow
def test_migrate_refuses_what_it_cannot_move_cleanly(git_repo: Path) -> None:
    write_files(git_repo, {"mypy.ini": "[mypy]\nstrict = True\n", ".mypy.ini": "[mypy]\n"})
    result = ml_policy("init", "--migrate", cwd=git_repo)
    assert result.returncode == 2
    assert ".mypy.ini: mypy reads mypy.ini and ignores this file" in result.stderr
    (git_repo / ".mypy.ini").unlink()
    (git_repo / "mypy.ini").write_text("[mypy]\nstrict = True\n\n[isort]\nprofile = black\n")
    result = ml_policy("init", "--migrate", cwd=git_repo)
    assert result.returncode == 2
    assert "it also holds [isort], which is not mypy's" in result.stderr
    assert not (git_repo / "pyproject.toml").exists()


@pytest.mark.slow
def test_a_symlinked_ini_is_not_removed(git_repo: Path) -> None:
    write_files(git_repo, {"config/mypy.ini": "[mypy]\nstrict = True\n"})
    (git_repo / "mypy.ini").symlink_to("config/mypy.ini")
    result = ml_policy("init", "--migrate", cwd=git_repo)
    assert result.returncode == 2
    assert "mypy.ini: a symbolic link" in result.stderr
    assert not (git_repo / "pyproject.toml").exists()  # nothing written


def _mypy_options(config: Path) -> dict[str, Any]:
    """The options mypy takes from `config`, globally and per module."""
    from mypy.config_parser import parse_config_file
    from mypy.main import define_options
    from mypy.options import Options

    options = Options()

    def strict() -> None:
        for dest, value in define_options()[2]:
            setattr(options, dest, value)

    parse_config_file(options, strict, str(config), io.StringIO(), io.StringIO())
    snapshot = options.snapshot()
    snapshot.pop("config_file", None)
    return {"global": snapshot, "modules": options.per_module_options}


def test_conversion_gives_mypy_the_same_options(tmp_path: Path) -> None:
    ini = tmp_path / "ini" / "mypy.ini"
    write_files(tmp_path, {"ini/mypy.ini": MYPY_INI + "\n[mypy-tests.*]\nstrict = False\n"})
    converted = migrate.mypy_migration(ini).table
    document = tomlkit.document()
    document.append("tool", tomlkit.table(is_super_table=True))
    document["tool"]["mypy"] = converted
    write_files(tmp_path, {"toml/pyproject.toml": tomlkit.dumps(document)})
    assert _mypy_options(tmp_path / "toml" / "pyproject.toml") == _mypy_options(ini)


# --- bandit: hook arguments, .bandit, tests ---------------------------------------

HOOKED = """\
repos:
  - repo: https://github.com/PyCQA/bandit
    rev: 1.7.5
    hooks:
      - id: bandit
        args: ["--skip", "B101,B608", "-x", "scripts"]
"""
ASSERTS = "def f(x: int) -> int:\n    assert x\n    return x\n"


@pytest.mark.slow
def test_hook_arguments_reach_ml_policy_bandit(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            ".pre-commit-config.yaml": HOOKED,
            "pyproject.toml": '[tool.ruff.lint]\nignore = ["S101"]\n',
            "src/a.py": ASSERTS,
        },
    )
    code, out = init(git_repo)
    assert code == 0, out
    bandit = toml(git_repo)["tool"]["bandit"]
    assert bandit["skips"][:2] == ["B101", "B608"]
    assert bandit["exclude_dirs"][0] == "scripts"
    assert "from the args of hook 'bandit'" in out
    # S101 is off in Ruff, but the project's own bandit hook skipped B101 deliberately.
    assert bandit_codes(git_repo, "src/a.py") == set()
    assert "S101" not in ruff_codes(git_repo)


@pytest.mark.slow
def test_without_the_hooks_skip_the_assert_runs_in_bandit(git_repo: Path) -> None:
    write_files(
        git_repo, {"pyproject.toml": '[tool.ruff.lint]\nignore = ["S101"]\n', "src/a.py": ASSERTS}
    )
    code, out = init(git_repo)
    assert code == 0, out
    assert "B101" not in toml(git_repo)["tool"]["bandit"]["skips"]
    assert bandit_codes(git_repo, "src/a.py") == {"B101"}


@pytest.mark.slow
def test_dot_bandit_is_read_and_migrated(git_repo: Path) -> None:
    write_files(
        git_repo,
        {".bandit": "[bandit]\nskips = B101,B311\nexclude = ./scripts\n", "src/a.py": ASSERTS},
    )
    code, out = init(git_repo)
    assert code == 0, out
    assert "i .bandit: ml-policy-bandit reads it (--ini) besides [tool.bandit]" in out
    code, out = init(git_repo, "--migrate")
    assert code == 0, out
    assert not (git_repo / ".bandit").exists()
    bandit = toml(git_repo)["tool"]["bandit"]
    assert {"B101", "B311"} <= set(bandit["skips"])
    assert "./scripts" in bandit["exclude_dirs"]
    assert bandit_codes(git_repo, "src/a.py") == set()  # B101 still skipped


@pytest.mark.slow
def test_dot_bandit_with_run_options_stays(git_repo: Path) -> None:
    write_files(git_repo, {".bandit": "[bandit]\nskips = B101\ntargets = src\nrecursive = true\n"})
    code, out = init(git_repo, "--migrate")
    assert code == 0, out
    assert (git_repo / ".bandit").exists()
    assert "i .bandit: .bandit also sets targets, recursive, which [tool.bandit] cannot hold" in out


@pytest.mark.slow
def test_a_tests_list_is_recorded_and_force_removes_it(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": '[tool.bandit]\ntests = ["B101"]\n'})
    code, out = init(git_repo)
    assert code == 0, out
    assert "o tool.bandit.tests: yours limits bandit to B101" in out
    data = toml(git_repo)["tool"]
    assert data["bandit"]["tests"] == ["B101"]
    assert data["ml-policy"]["overrides"] == {"bandit.tests": {"reason": ADOPTED}}
    (git_repo / "pyproject.toml").write_text('[tool.bandit]\ntests = ["B101"]\n')
    assert init(git_repo, "--force")[0] == 0
    assert "tests" not in toml(git_repo)["tool"]["bandit"]


@pytest.mark.slow
def test_no_tool_bandit_when_dot_bandit_names_another_config(git_repo: Path) -> None:
    write_files(
        git_repo, {".bandit": "[bandit]\nconfigfile = bandit.yaml\n", "bandit.yaml": "skips: []\n"}
    )
    code, out = init(git_repo, "--migrate")
    assert code == 1
    assert "! tool.bandit: .bandit names bandit.yaml as bandit's configuration" in out
    assert "bandit" not in toml(git_repo)["tool"]  # bandit would not read it
    assert (git_repo / ".bandit").exists()


@pytest.mark.slow
def test_a_hooks_config_file_is_carried_and_the_rest_named(git_repo: Path) -> None:
    hooked = HOOKED.replace('"-x", "scripts"', '"-c", "bandit.yaml"')
    write_files(
        git_repo,
        {
            ".pre-commit-config.yaml": hooked,
            "bandit.yaml": "skips: [B311]\nassert_used:\n  skips: ['*_test.py']\n",
        },
    )
    code, out = init(git_repo)
    assert code == 0, out
    assert "B311" in toml(git_repo)["tool"]["bandit"]["skips"]
    assert "i tool.bandit: not carried into it from bandit.yaml" in out
    assert "assert_used" in out
