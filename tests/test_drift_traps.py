"""MLG007 (config not read) and MLG008 (checks off project-wide) on real repositories,
and the tools' own semantics they rely on, checked against the pinned Ruff and mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_files
from drift_repo import findings, line_of, pyproject

from ml_policy.drift import ruffglob

HIDDEN = ("MLG007",)
WIDE = ("MLG008",)


# --- MLG007: configuration a tool never reads -----------------------------------------


@pytest.mark.parametrize("name", ["mypy.ini", ".mypy.ini"])
def test_mypy_ini_hides_tool_mypy(tmp_path: Path, name: str) -> None:
    assert findings(tmp_path, {name: "[mypy]\npython_version = 3.11\n"}, HIDDEN) == [
        f"{name}:1 MLG007"
    ]


def test_setup_cfg_never_hides_tool_mypy(tmp_path: Path) -> None:
    assert findings(tmp_path, {"setup.cfg": "[mypy]\nignore_errors = True\n"}, HIDDEN) == []


def test_hiding_file_accepted_by_an_override(tmp_path: Path) -> None:
    accepted = pyproject('[tool.ml-policy.overrides]\n".mypy.ini" = { reason = "moved in Q3" }\n')
    changed = {".mypy.ini": "[mypy]\n", "pyproject.toml": accepted}
    assert findings(tmp_path, changed, HIDDEN) == []


@pytest.mark.parametrize("name", ["ruff.toml", ".ruff.toml"])
def test_ruff_toml_hides_tool_ruff(tmp_path: Path, name: str) -> None:
    assert findings(tmp_path, {name: "line-length = 100\n"}, HIDDEN) == [f"{name}:1 MLG007"]


def test_ruff_toml_extending_pyproject_hides_nothing(tmp_path: Path) -> None:
    changed = {"ruff.toml": 'extend = "pyproject.toml"\nline-length = 90\n'}
    assert findings(tmp_path, changed, HIDDEN) == []


def test_nested_ruff_toml_replacing_the_policy(tmp_path: Path) -> None:
    changed = {"src/demo/ruff.toml": '[lint]\nselect = ["E", "F"]\n'}
    assert findings(tmp_path, changed, HIDDEN) == ["src/demo/ruff.toml:1 MLG007"]


def test_nested_pyproject_with_tool_ruff(tmp_path: Path) -> None:
    nested = '[project]\nname = "sub"\n\n[tool.ruff]\nline-length = 90\n'
    assert findings(tmp_path, {"src/demo/pyproject.toml": nested}, HIDDEN) == [
        "src/demo/pyproject.toml:1 MLG007"
    ]


def test_nested_pyproject_without_tool_ruff_is_not_a_config(tmp_path: Path) -> None:
    nested = '[project]\nname = "sub"\n'
    assert findings(tmp_path, {"src/demo/pyproject.toml": nested}, HIDDEN) == []


def test_nested_config_extending_the_root_passes(tmp_path: Path) -> None:
    nested = 'extend = "../../pyproject.toml"\n\n[lint]\nextend-select = ["FURB"]\n'
    assert findings(tmp_path, {"src/demo/ruff.toml": nested}, HIDDEN) == []


def test_select_in_an_extending_config_starts_over(tmp_path: Path) -> None:
    nested = 'extend = "../../pyproject.toml"\n\n[lint]\nselect = ["E", "F"]\n'
    found = findings(tmp_path, {"src/demo/ruff.toml": nested}, HIDDEN)
    assert found == [f"src/demo/ruff.toml:{line_of(nested, 'select')} MLG007"]


def test_select_that_covers_the_root_selection_passes(tmp_path: Path) -> None:
    nested = 'extend = "../../pyproject.toml"\n\n[lint]\nselect = ["ALL"]\n'
    assert findings(tmp_path, {"src/demo/ruff.toml": nested}, HIDDEN) == []


def test_nested_config_below_tests_or_excluded_is_left_alone(tmp_path: Path) -> None:
    changed = {
        "tests/ruff.toml": '[lint]\nselect = ["E"]\n',
        "tests/test_more.py": "",
        "src/demo/legacy/ruff.toml": '[lint]\nselect = ["E"]\n',
        "src/demo/legacy/old.py": "",
        "pyproject.toml": pyproject('[tool.ruff]\nextend-exclude = ["legacy"]\n'),
    }
    assert findings(tmp_path, changed, HIDDEN) == []


def test_nested_override_with_reason_passes(tmp_path: Path) -> None:
    accepted = pyproject(
        '[tool.ml-policy.overrides]\n"src/demo/ruff.toml" = { reason = "generated code" }\n'
    )
    changed = {"src/demo/ruff.toml": '[lint]\nselect = ["E"]\n', "pyproject.toml": accepted}
    assert findings(tmp_path, changed, HIDDEN) == []


# --- MLG008: checks off for the whole project ------------------------------------------


def test_global_ignore_errors(tmp_path: Path) -> None:
    text = pyproject("[tool.mypy]\nignore_errors = true\n")
    found = findings(tmp_path, {"pyproject.toml": text}, WIDE)
    assert found == [f"pyproject.toml:{line_of(text, 'ignore_errors = true')} MLG008"]


def test_global_ignore_errors_with_override_and_reason(tmp_path: Path) -> None:
    text = pyproject(
        "[tool.mypy]\nignore_errors = true\n\n[tool.ml-policy.overrides]\n"
        '"mypy.ignore_errors" = { reason = "typing starts next quarter" }\n'
    )
    assert findings(tmp_path, {"pyproject.toml": text}, WIDE) == []


OVERRIDE = "\n[[tool.mypy.overrides]]\nmodule = {module}\n{setting}\n"


@pytest.mark.parametrize(
    ("module", "setting", "reported"),
    [
        ('["demo.*"]', "ignore_errors = true", True),
        ('"*.*"', "ignore_errors = true", True),
        ('["demo", "demo.*"]', 'follow_imports = "skip"', True),
        ('"*"', "ignore_errors = true", False),  # mypy: a bare * matches no module
        ('["demo.legacy.*"]', "ignore_errors = true", False),
        ('["demo.*"]', 'follow_imports = "silent"', False),
        ('["demo.*"]', "ignore_errors = false", False),
        ('["torch.*"]', 'follow_imports = "skip"', False),
    ],
)
def test_mypy_override_covering_the_project(
    tmp_path: Path, module: str, setting: str, reported: bool
) -> None:
    text = pyproject(tail=OVERRIDE.format(module=module, setting=setting))
    found = findings(tmp_path, {"pyproject.toml": text}, WIDE)
    line = len(text.splitlines()) - 1  # the module line of the appended entry
    assert found == ([f"pyproject.toml:{line} MLG008"] if reported else [])


def test_mypy_ini_section_judged_where_it_is(tmp_path: Path) -> None:
    ini = "[mypy]\nstrict = True\n\n[mypy-demo.*]\nignore_errors = True\n"
    assert findings(tmp_path, {".mypy.ini": ini}, WIDE) == [".mypy.ini:4 MLG008"]


def test_global_ignore_missing_imports(tmp_path: Path) -> None:
    text = pyproject("[tool.mypy]\nignore_missing_imports = true\n")
    found = findings(tmp_path, {"pyproject.toml": text}, WIDE)
    assert found == [f"pyproject.toml:{line_of(text, 'ignore_missing_imports = true')} MLG008"]


def test_mypy_exclude_of_every_source_file(tmp_path: Path) -> None:
    text = pyproject('[tool.mypy]\nexclude = ["^src/"]\n')
    line = line_of(text, '"^src/"')
    assert findings(tmp_path, {"pyproject.toml": text}, WIDE) == [f"pyproject.toml:{line} MLG008"]


@pytest.mark.parametrize(
    ("pattern", "codes", "reported"),
    [
        ("*", '["S"]', True),
        ("*.py", '["B006"]', True),
        ("**/*.py", '["E501"]', True),
        ("src/**", '["T20"]', True),
        ("src/*", '["T20"]', True),  # Ruff's * crosses folders
        ("src/demo/train.py", '["T20"]', False),  # names one file: scoped
        ("tests/**", '["S101"]', False),
        ("src", '["S"]', False),  # a folder pattern matches no file in per-file-ignores
        ("*", '["D100"]', False),  # a rule the bundle does not select
    ],
)
def test_per_file_ignores_covering_the_project(
    tmp_path: Path, pattern: str, codes: str, reported: bool
) -> None:
    text = pyproject(f'[tool.ruff.lint.per-file-ignores]\n"{pattern}" = {codes}\n')
    found = findings(tmp_path, {"pyproject.toml": text}, WIDE)
    if not reported:
        assert found == []
        return
    line = next(n for n, x in enumerate(text.splitlines(), 1) if x.startswith(f'"{pattern}" ='))
    assert found == [f"pyproject.toml:{line} MLG008"]


def test_per_file_ignores_in_ruff_toml_judged_where_it_is(tmp_path: Path) -> None:
    ruff = 'extend = "pyproject.toml"\n\n[lint.per-file-ignores]\n"*" = ["S"]\n'
    assert findings(tmp_path, {"ruff.toml": ruff}, WIDE) == ["ruff.toml:4 MLG008"]


def test_per_file_ignores_override_names_the_pattern(tmp_path: Path) -> None:
    fragment = '[tool.ruff.lint.per-file-ignores]\n"*" = ["S"]\n"*.py" = ["B"]\n'
    override = (
        '[tool.ml-policy.overrides]\n"ruff.lint.per-file-ignores" = '
        '{ add = ["*"], reason = "bandit runs S here" }\n'
    )
    text = pyproject(fragment + override)
    line = line_of(text, '"*.py" = ')
    assert findings(tmp_path, {"pyproject.toml": text}, WIDE) == [f"pyproject.toml:{line} MLG008"]


@pytest.mark.parametrize(
    ("patterns", "reported"),
    [('["src"]', True), ('["demo"]', True), ('["src/demo/legacy", "tests"]', False)],
)
def test_ruff_exclude_of_the_source_tree(tmp_path: Path, patterns: str, reported: bool) -> None:
    text = pyproject(f"[tool.ruff]\nextend-exclude = {patterns}\n")
    found = findings(tmp_path, {"pyproject.toml": text}, WIDE)
    assert found == (
        [f"pyproject.toml:{line_of(text, 'extend-exclude')} MLG008"] if reported else []
    )


def test_flat_layout_packages(tmp_path: Path) -> None:
    text = pyproject(tail=OVERRIDE.format(module='["app.*"]', setting="ignore_errors = true"))
    changed = {"pyproject.toml": text, "app/__init__.py": "", "app/model.py": ""}
    # src/demo is a package too: app.* alone does not cover the project
    assert findings(tmp_path, changed, WIDE) == []


# --- the tools' own semantics ----------------------------------------------------------


def _tool(name: str, *args: str, cwd: Path) -> str:
    command = [sys.executable, "-m", name, *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False).stdout


@pytest.mark.slow
def test_ruff_matches_patterns_as_ruffglob_does(tmp_path: Path) -> None:
    names = ["top.py", "src/pkg/a.py", "src/pkg/sub/b.py", "tests/test_x.py"]
    write_files(tmp_path, dict.fromkeys(names, "print(1)\n"))
    for pattern in ["*", "*.py", "**/*.py", "src/*", "src/**", "src", "pkg/*", "*/pkg/*"]:
        config = f'[lint]\nselect = ["T20"]\n[lint.per-file-ignores]\n"{pattern}" = ["T20"]\n'
        (tmp_path / "ruff.toml").write_text(config)
        out = _tool("ruff", "check", "--no-cache", "--output-format", "concise", ".", cwd=tmp_path)
        ignored = {n for n in names if f"{n}:" not in out}
        assert ignored == {n for n in names if ruffglob.matches(pattern, n)}, pattern
    for pattern in ["src", "pkg", "*.py", "src/pkg/sub"]:
        config = f'extend-exclude = ["{pattern}"]\n[lint]\nselect = ["T20"]\n'
        (tmp_path / "ruff.toml").write_text(config)
        given = ["check", "--no-cache", "--force-exclude", "--output-format", "concise"]
        out = _tool("ruff", *given, *names, cwd=tmp_path)
        excluded = {n for n in names if f"{n}:" not in out}
        assert excluded == {n for n in names if ruffglob.excluded(n, [pattern])}, pattern


@pytest.mark.slow
def test_ruff_nested_select_starts_over(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.ruff.lint]\nselect = ["T20"]\n',
            "sub/ruff.toml": 'extend = "../pyproject.toml"\n[lint]\nselect = ["E"]\n',
            "sub/m.py": "print(1)\n",
            "m.py": "print(1)\n",
        },
    )
    out = _tool("ruff", "check", "--no-cache", "--output-format", "concise", ".", cwd=tmp_path)
    assert "m.py:1:1: T201" in out
    assert "sub/m.py" not in out


@pytest.mark.slow
def test_mypy_reads_ini_before_pyproject_and_pyproject_before_setup_cfg(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.mypy]\nstrict = true\n",
            "setup.cfg": "[mypy]\nignore_errors = True\n",
            "a.py": "def f(x):\n    return 1\n",
        },
    )
    args = ("--no-incremental", "a.py")
    assert "no-untyped-def" in _tool("mypy", *args, cwd=tmp_path)  # setup.cfg is not read
    (tmp_path / ".mypy.ini").write_text("[mypy]\n")
    assert "no-untyped-def" not in _tool("mypy", *args, cwd=tmp_path)  # [tool.mypy] is not


@pytest.mark.slow
def test_mypy_module_globs(tmp_path: Path) -> None:
    source = "def f(x):\n    return 1\n"
    files = {"pkg/__init__.py": "", "pkg/a.py": source, "top.py": source}
    for module, silenced in [('"*"', False), ('"*.*"', True), ('"pkg.*"', True)]:
        config = f"[tool.mypy]\nstrict = true\n[[tool.mypy.overrides]]\nmodule = {module}\n"
        write_files(tmp_path, {**files, "pyproject.toml": config + "ignore_errors = true\n"})
        out = _tool("mypy", "--no-incremental", "pkg/a.py", cwd=tmp_path)
        assert ("no-untyped-def" not in out) == silenced, module
