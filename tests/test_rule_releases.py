"""A bundle version pins its rule set: rules added after its release stay off under it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from ml_policy import bundles, registry
from ml_policy.config import CliOverrides, SettingsResolver

# The rules of the first release, frozen: a rule added later needs its release in
# registry._ADDED_LATER, or version 1 bundles (`select = ["ML"]`) would turn it on.
FIRST_RELEASE_CODES = {
    *("MLA001", "MLA002", "MLE001", "MLK001", "MLK002"),
    *("MLD001", "MLD002", "MLD003", "MLD004", "MLD005", "MLD006"),
    *("MLM001", "MLM002", "MLM003", "MLM004", "MLP001", "MLP002", "MLP003"),
}
LATER = "MLG001"  # added in 0.2.0


def settings_under(root: Path, table: str, cli: CliOverrides | None = None) -> SettingsResolver:
    write(root, "pyproject.toml", f"[tool.ml-policy]\n{table}")
    return SettingsResolver(cli, cwd=root)


def enabled(root: Path, table: str, code: str = LATER, cli: CliOverrides | None = None) -> bool:
    resolver = settings_under(root, table, cli)
    return resolver.for_path(root / "pyproject.toml").is_enabled(code)


def test_the_first_release_rule_set_is_frozen() -> None:
    first = {c for c in registry.RULE_CODES if registry.added(c) == registry.FIRST_RELEASE}
    assert first == FIRST_RELEASE_CODES


def test_every_release_is_a_version_no_later_than_the_newest_bundle() -> None:
    newest = max(bundles.all_bundles(), key=lambda b: registry._version(b.release))
    for code in registry.RULE_CODES:
        assert registry._version(registry.added(code)) <= registry._version(newest.release), code


@pytest.mark.parametrize("name", ["ml-strict", "ml-baseline", "ml-library"])
def test_a_later_rule_is_off_under_version_1_and_on_under_version_2(
    tmp_path: Path, name: str
) -> None:
    assert not enabled(tmp_path / "one", f'bundle = "{name}@1"\n')
    assert enabled(tmp_path / "two", f'bundle = "{name}@2"\n')


def test_first_release_rules_stay_on_under_version_1(tmp_path: Path) -> None:
    assert enabled(tmp_path, 'bundle = "ml-strict@1"\n', code="MLM001")


def test_no_table_means_the_newest_bundle_and_every_rule(tmp_path: Path) -> None:
    resolver = SettingsResolver(cwd=tmp_path)
    assert resolver.for_path(tmp_path / "train.py").is_enabled(LATER)


@pytest.mark.parametrize(
    ("table", "on"),
    [
        ('select = ["ML"]\n', False),
        ('select = ["MLG"]\n', False),  # a family prefix is not an opt-in to later rules
        ('extend-select = ["MLG00"]\n', False),
        (f'extend-select = ["{LATER}"]\n', True),  # the full code is
        (f'select = ["{LATER}"]\n', True),
        (f'extend-select = ["{LATER}"]\nignore = ["{LATER}"]\n', False),  # ignore still wins
    ],
)
def test_only_the_full_code_selects_a_later_rule(tmp_path: Path, table: str, on: bool) -> None:
    assert enabled(tmp_path, f'bundle = "ml-strict@1"\n{table}') is on


def test_the_command_line_selects_a_later_rule_by_its_code(tmp_path: Path) -> None:
    table = 'bundle = "ml-strict@1"\n'
    assert enabled(tmp_path / "a", table, cli=CliOverrides(select=(LATER,)))
    assert not enabled(tmp_path / "b", table, cli=CliOverrides(select=("MLG",)))


def test_a_user_prefix_that_only_matches_later_rules_is_explained(tmp_path: Path) -> None:
    resolver = settings_under(tmp_path, 'bundle = "ml-strict@1"\nextend-select = ["MLG"]\n')
    resolver.for_path(tmp_path / "pyproject.toml")
    [warning] = resolver.warnings
    assert "pyproject.toml:3" in warning
    drift = sorted(registry.family("check-config").rules)
    shown = f"{drift[0]} to {drift[-1]} ({len(drift)} rules)"
    assert f"'MLG' does not turn on {shown} under ml-strict@1" in warning
    assert "ml-policy 0.2.0" in warning


def test_no_warning_when_the_bundle_has_the_rules(tmp_path: Path) -> None:
    resolver = settings_under(tmp_path, 'bundle = "ml-strict@2"\nextend-select = ["MLG"]\n')
    resolver.for_path(tmp_path / "pyproject.toml")
    assert resolver.warnings == {}
