"""MLG002 where mypy reads an INI file: judged there, with mypy's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_files

from ml_policy import bundles, checkers
from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.drift.mypy_ini import _bundle_flags
from ml_policy.drift.rule import changed_after_init

BUNDLE = "ml-strict@2"


def mlg002(root: Path, ini: str, name: str = ".mypy.ini", fragment: str = "") -> list[Diagnostic]:
    files = {**changed_after_init(BUNDLE, fragment), name: ini, "src/demo/train.py": "x = 1\n"}
    write_files(root, files)
    found = checkers.run_all([root], SettingsResolver(cwd=root), families=("MLG",))
    return [d for d in found if d.code == "MLG002"]


def as_strict_as_the_bundle(but: str = "") -> str:
    flags = _bundle_flags(bundles.get(BUNDLE).mypy())
    lines = [f"{flag} = {value}\n" for flag, value in flags.items() if flag != but]
    return "[mypy]\n" + "".join(lines)


@pytest.mark.parametrize("name", [".mypy.ini", "mypy.ini"])
def test_an_ini_as_strict_as_the_bundle_passes(tmp_path: Path, name: str) -> None:
    assert mlg002(tmp_path, as_strict_as_the_bundle(), name) == []


@pytest.mark.parametrize(
    ("weakened", "flag"),
    [
        ("allow_untyped_defs = True", "disallow_untyped_defs"),
        ("disallow_untyped_defs = False", "disallow_untyped_defs"),
        ("no_warn_return_any = True", ""),  # after warn_return_any = True: the last one wins
    ],
)
def test_a_weakened_flag_is_reported_at_its_line(tmp_path: Path, weakened: str, flag: str) -> None:
    ini = as_strict_as_the_bundle(but=flag) + weakened + "\n"
    [finding] = mlg002(tmp_path, ini)
    assert finding.line == ini.count("\n")
    assert "weaker than ml-strict@2" in finding.message


def test_flags_left_unset_are_one_finding_at_the_section(tmp_path: Path) -> None:
    [finding] = mlg002(tmp_path, "# ours\n[mypy]\nignore_missing_imports = True\n")
    assert finding.line == 2
    assert "does not set disallow_any_generics = True" in finding.message
    assert "ml-policy init --migrate" in finding.message


def test_strict_true_sets_the_strict_flags(tmp_path: Path) -> None:
    flags = _bundle_flags(bundles.get(BUNDLE).mypy())
    extra = "".join(f"{f} = {v}\n" for f, v in flags.items() if f not in _strict_ones())
    assert mlg002(tmp_path, "[mypy]\nstrict = True\n" + extra) == []


def _strict_ones() -> set[str]:
    from ml_policy.apply.keyrules import MYPY_STRICT_FLAGS

    return {flag for flag, _ in MYPY_STRICT_FLAGS}


def test_an_override_accepts_a_weakened_flag(tmp_path: Path) -> None:
    override = (
        '[tool.ml-policy.overrides]\n"mypy.disallow_untyped_defs" = { reason = "notebooks" }\n'
    )
    ini = as_strict_as_the_bundle() + "allow_untyped_defs = True\n"
    assert mlg002(tmp_path, ini, fragment=override) == []


def test_pyproject_configuration_is_left_to_inits_plan(tmp_path: Path) -> None:
    # no INI: the TOML is judged by the plan (one finding, not two)
    files = changed_after_init(BUNDLE, "[tool.mypy]\ndisallow_untyped_defs = false\n")
    write_files(tmp_path, files)
    found = checkers.run_all([tmp_path], SettingsResolver(cwd=tmp_path), families=("MLG",))
    assert [d.code for d in found] == ["MLG002"]
