"""Where Ruff, mypy and bandit read their configuration: toolconfig's answer against the
pinned tools' own, the Ruff rule selection against Ruff, and the bandit/Ruff twin table
against the bundles' comments."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import tomllib
from conftest import ml_policy, run, write_files

from ml_policy import bundles, ruffselect, toolconfig
from ml_policy.bandit_twins import TWINS, skips_for

PYTHON = sys.executable

# --- Ruff ---------------------------------------------------------------------------

RUFF_CASES = {
    "all three": ({".ruff.toml": "", "ruff.toml": "", "pyproject.toml": "[tool.ruff]\n"}, 0),
    "ruff.toml over pyproject": ({"ruff.toml": "", "pyproject.toml": "[tool.ruff]\n"}, 0),
    "pyproject alone": ({"pyproject.toml": "[tool.ruff]\nline-length = 90\n"}, 0),
    # A pyproject.toml without [tool.ruff] is no Ruff configuration: ruff.toml is read.
    "pyproject without table": ({"pyproject.toml": "[project]\nname='x'\n", "ruff.toml": ""}, 0),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(RUFF_CASES))
def test_ruff_reads_what_toolconfig_says(git_repo: Path, case: str) -> None:
    files, _ = RUFF_CASES[case]
    write_files(git_repo, {**files, "src/a.py": "x = 1\n"})
    found = toolconfig.ruff(git_repo)
    assert found.reads is not None
    settings = run([PYTHON, "-m", "ruff", "check", "--show-settings", "src/a.py"], git_repo)
    assert f'Settings path: "{found.reads.path}"' in settings.stdout, settings.stdout
    ignored = {s.path.name for s in found.shadows}
    expected = {n for n in files if n != found.reads.path.name}
    if case == "pyproject without table":
        expected = set()  # not a Ruff configuration at all, so not shadowed either
    assert ignored == expected


@pytest.mark.slow
def test_no_ruff_configuration(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": "[project]\nname = 'x'\n"})
    assert toolconfig.ruff(git_repo) == toolconfig.Found("Ruff", None, ())


# --- mypy ---------------------------------------------------------------------------

MYPY_CASES = {
    "mypy.ini first": (
        {"mypy.ini": "[mypy]\n", ".mypy.ini": "[mypy]\n", "pyproject.toml": "[tool.mypy]\n"},
        "mypy.ini",
        {".mypy.ini", "pyproject.toml"},
    ),
    # mypy.ini counts even without a [mypy] section (mypy then runs with its defaults).
    "mypy.ini without section": (
        {"mypy.ini": "# nothing\n", "pyproject.toml": "[tool.mypy]\nstrict = true\n"},
        "mypy.ini",
        {"pyproject.toml"},
    ),
    ".mypy.ini over pyproject": (
        {".mypy.ini": "[mypy]\n", "pyproject.toml": "[tool.mypy]\nstrict = true\n"},
        ".mypy.ini",
        {"pyproject.toml"},
    ),
    "pyproject over setup.cfg": (
        {"pyproject.toml": "[tool.mypy]\n", "setup.cfg": "[mypy]\nstrict = True\n"},
        "pyproject.toml",
        {"setup.cfg"},
    ),
    # Shared files count only with mypy's table or section.
    "setup.cfg when pyproject has none": (
        {"pyproject.toml": "[tool.ruff]\n", "setup.cfg": "[flake8]\n\n[mypy]\n"},
        "setup.cfg",
        set(),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(MYPY_CASES))
def test_mypy_reads_what_toolconfig_says(git_repo: Path, case: str) -> None:
    files, reads, shadows = MYPY_CASES[case]
    write_files(git_repo, {**files, "a.py": "x = 1\n"})
    found = toolconfig.mypy(git_repo)
    assert found.reads is not None
    assert found.reads.path.name == reads
    assert {s.path.name for s in found.shadows} == shadows
    verbose = run([PYTHON, "-m", "mypy", "-v", "--no-incremental", "a.py"], git_repo)
    config = re.search(r"Config File:\s+(\S+)", verbose.stdout + verbose.stderr)
    assert config is not None
    assert Path(config[1]).name == reads


@pytest.mark.slow
def test_setup_cfg_without_mypy_section_is_not_mypy_configuration(git_repo: Path) -> None:
    write_files(git_repo, {"setup.cfg": "[flake8]\nmax-line-length = 100\n"})
    assert toolconfig.mypy(git_repo).reads is None


@pytest.mark.slow
def test_malformed_ini_is_an_error_naming_the_line(git_repo: Path) -> None:
    write_files(git_repo, {"setup.cfg": "[mypy]\nstrict = True\nstrict = False\n"})
    result = ml_policy("init", "--dry-run", cwd=git_repo)
    assert result.returncode == 2
    assert "setup.cfg:3: invalid INI" in result.stderr
    assert "Traceback" not in result.stderr


# --- Ruff's rule selection ----------------------------------------------------------

SAMPLE = """\
import os
import pickle

# A comment long enough for E501 at Ruff's default line length of eighty-eight characters.


def run(text, blob):
    assert text
    exec(text)
    print(eval(text))
    return pickle.loads(blob)
"""
CODES = ("S101", "S102", "S307", "S301", "T201", "E501", "F401")
SELECTIONS = [
    '[lint]\nselect = ["S"]\nignore = ["S3"]\nextend-select = ["S307"]\n',
    '[lint]\nselect = ["S307"]\nignore = ["S307"]\n',  # same specificity: ignore wins
    '[lint]\nselect = ["ALL"]\nignore = ["S", "D", "ANN", "INP", "E501"]\n',
    '[lint]\nextend-select = ["S1", "T20"]\n',  # on top of the defaults
    'select = ["S30"]\n',  # the deprecated top-level spelling
    'select = ["F"]\n[lint]\nselect = ["S"]\n',  # lint.select wins over the top-level one
    '[lint]\nselect = ["SIM"]\n',  # "S" is not a prefix of SIM's codes, nor SIM of S's
    '[lint]\nselect = ["S", "T", "E", "F"]\n',  # every code of CODES: the sample has them all
]


@pytest.mark.slow
@pytest.mark.parametrize("config", SELECTIONS)
def test_selection_matches_ruff(tmp_path: Path, config: str) -> None:
    write_files(tmp_path, {"ruff.toml": config, "a.py": SAMPLE})
    result = run(
        [PYTHON, "-m", "ruff", "check", "--no-cache", "--output-format=json", "a.py"], tmp_path
    )
    reported = {finding["code"] for finding in json.loads(result.stdout)}
    selection = ruffselect.of_tables([tomllib.loads(config)])
    for code in CODES:
        assert selection.enabled(code) == (code in reported), (config, code)
    if config == SELECTIONS[-1]:
        assert set(CODES) <= reported


@pytest.mark.slow
def test_selection_follows_extend(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.ruff.lint]\nselect = ["S"]\n',
            "sub/ruff.toml": 'extend = "../pyproject.toml"\n[lint]\nignore = ["S307"]\n',
            "sub/a.py": SAMPLE,
        },
    )
    result = run(
        [PYTHON, "-m", "ruff", "check", "--no-cache", "--output-format=json", "a.py"],
        tmp_path / "sub",
    )
    reported = {finding["code"] for finding in json.loads(result.stdout)}
    chain = ruffselect.extend_chain(
        {"extend": "../pyproject.toml", "lint": {"ignore": ["S307"]}}, tmp_path / "sub"
    )
    selection = ruffselect.of_tables(chain)
    assert len(chain) == 2
    for code in CODES:
        assert selection.enabled(code) == (code in reported), code


def test_enables_any_looks_under_a_prefix() -> None:
    selection = ruffselect.of_tables([{"lint": {"select": ["S102", "E"], "ignore": ["E501"]}}])
    assert selection.enables_any("S")  # S102 runs
    assert selection.enables_any("E5")  # E502 and others still run
    assert not selection.enables_any("E501")
    assert not selection.enables_any("T20")


# --- bandit's twins -----------------------------------------------------------------

_ENTRY = re.compile(r'^\s*"(?P<test>B\d{3})",\s*#\s*\w+\s*->\s*(?P<twins>.*)$')
_CODE = re.compile(r"\b(?:S\d{3}|PLE\d{4}|ML[A-Z]\d{3})\b")


def _comment_twins() -> dict[str, set[str]]:
    """Every bundle's bandit.toml: the Ruff or ml-policy codes after "->" per skipped test."""
    found: dict[str, set[str]] = {}
    for bundle in bundles.all_bundles():
        for line in bundle.text("bandit.toml").splitlines():
            match = _ENTRY.match(line)
            if match:
                twins = set(_CODE.findall(match["twins"].split("(")[0].split(":")[0]))
                found.setdefault(match["test"], set()).update(twins)
    return found


def test_twin_table_matches_the_bundles_comments() -> None:
    comments = _comment_twins()
    assert set(comments) == set(TWINS)
    for test, twins in TWINS.items():
        assert set(twins) == comments[test], test


def test_every_bundle_skip_has_a_twin() -> None:
    for bundle in bundles.all_bundles():
        assert set(bundle.bandit()["skips"]) <= set(TWINS), bundle.ref


def test_skips_follow_the_effective_selection() -> None:
    bundle = bundles.latest("ml-strict")
    bundle_ruff = ruffselect.of_tables([bundle.ruff()])
    skips = bundle.bandit()["skips"]
    everything = skips_for(skips, bundle_ruff, bundle_ruff)
    assert everything.skips == skips  # the bundle's own Ruff runs every twin it relies on
    assert everything.run_in_bandit == {}
    no_s = ruffselect.of_tables([{"lint": {"select": ["E", "F"]}}])
    choice = skips_for(skips, bundle_ruff, no_s)
    for test in ("B102", "B301", "B303", "B307", "B602", "B403", "B404"):
        assert test in choice.run_in_bandit, test
    # Left off in Ruff by the bundle itself: neither tool reports them, on purpose.
    for test in ("B105", "B311", "B603", "B607"):
        assert test in choice.skips, test


# --- the bandit hook ----------------------------------------------------------------

EVAL_AND_EXEC = "def f(text):\n    exec(text)\n    return eval(text)\n"


def _bandit_tests(output: str) -> set[str]:
    return set(re.findall(r"Issue: \[(B\d{3})", output))


@pytest.mark.slow
def test_bandit_ignores_dot_bandit_for_files_but_the_hook_reads_it(git_repo: Path) -> None:
    write_files(git_repo, {".bandit": "[bandit]\nskips = B307\n", "a.py": EVAL_AND_EXEC})
    plain = run([PYTHON, "-m", "bandit", "a.py"], git_repo)
    assert _bandit_tests(plain.stdout) == {"B102", "B307"}  # bandit itself drops .bandit
    hook = ml_policy("bandit", "a.py", cwd=git_repo)
    assert _bandit_tests(hook.stdout) == {"B102"}, hook.stdout + hook.stderr


@pytest.mark.slow
def test_bandit_hook_applies_dot_bandit_and_tool_bandit_together(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            ".bandit": "[bandit]\nskips = B307\n",
            "pyproject.toml": '[tool.bandit]\nskips = ["B102"]\n',
            "a.py": EVAL_AND_EXEC + "import pickle\n",
        },
    )
    hook = ml_policy("bandit", "a.py", cwd=git_repo)
    assert _bandit_tests(hook.stdout) == {"B403"}, hook.stdout + hook.stderr


@pytest.mark.slow
def test_dot_bandit_without_section_is_not_passed(git_repo: Path) -> None:
    write_files(git_repo, {".bandit": "# nothing here\n", "a.py": EVAL_AND_EXEC})
    assert toolconfig.bandit_arguments(git_repo, ["a.py"], pyproject_ok=False) == []
    hook = ml_policy("bandit", "a.py", cwd=git_repo)
    assert _bandit_tests(hook.stdout) == {"B102", "B307"}


@pytest.mark.slow
def test_dot_bandit_naming_its_config_file_keeps_it(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            ".bandit": "[bandit]\nconfigfile = bandit.yaml\n",
            "bandit.yaml": "skips: ['B102']\n",
            "pyproject.toml": '[tool.bandit]\nskips = ["B307"]\n',
            "a.py": EVAL_AND_EXEC,
        },
    )
    arguments = toolconfig.bandit_arguments(git_repo, ["a.py"], pyproject_ok=True)
    assert arguments == ["--ini", str(git_repo / ".bandit")]  # no -c: bandit takes .bandit's
    hook = ml_policy("bandit", "a.py", cwd=git_repo)
    assert _bandit_tests(hook.stdout) == {"B307"}, hook.stdout + hook.stderr


@pytest.mark.slow
def test_options_given_to_the_hook_win(git_repo: Path) -> None:
    write_files(git_repo, {".bandit": "[bandit]\nskips = B307\n"})
    assert toolconfig.bandit_arguments(git_repo, ["--ini", "x", "a.py"], True) == [
        "-c",
        str(git_repo / "pyproject.toml"),
    ]
    assert toolconfig.bandit_arguments(git_repo, ["-c", "y.yaml", "a.py"], False) == [
        "--ini",
        str(git_repo / ".bandit"),
    ]


@pytest.mark.slow
def test_malformed_dot_bandit_is_reported(git_repo: Path) -> None:
    write_files(git_repo, {".bandit": "skips = B101\n", "a.py": "x = 1\n"})
    result = ml_policy("bandit", "a.py", cwd=git_repo)
    assert result.returncode == 2
    assert ".bandit:1: invalid INI" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["-s", "B101,B311", "-x", "tests", "-c", "pyproject.toml"],
        ["--skip=B101,B311", "--exclude=tests", "--configfile=pyproject.toml"],
        ["-sB101,B311", "-xtests", "-cpyproject.toml", "-r"],
    ],
)
def test_hook_arguments_in_every_spelling(args: list[str]) -> None:
    settings = toolconfig.parse_bandit_args(args, "hook")
    assert settings.skips == ("B101", "B311")
    assert settings.exclude == ("tests",)
    assert settings.configfile == "pyproject.toml"


@pytest.mark.slow
def test_bandit_hooks_are_found(git_repo: Path) -> None:
    write_files(
        git_repo,
        {
            ".pre-commit-config.yaml": (
                "repos:\n"
                "  - repo: https://github.com/PyCQA/bandit\n"
                "    rev: 1.7.5\n"
                "    hooks:\n"
                "      - id: bandit\n"
                '        args: ["-s", "B101", "-c", "bandit.yml"]\n'
                "  - repo: https://github.com/psf/black\n"
                "    rev: 24.1.0\n"
                "    hooks:\n"
                "      - id: black\n"
                '        args: ["-s", "B999"]\n'
            ),
            "bandit.yml": "skips: [B311]\ntests: [B102]\n",
        },
    )
    found = toolconfig.bandit(git_repo)
    assert [h.skips for h in found.hooks] == [("B101",)]
    settings = toolconfig.hook_settings(git_repo, found.hooks[0])
    assert [(s.skips, s.tests) for s in settings] == [(("B101",), ()), (("B311",), ("B102",))]
