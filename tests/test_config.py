"""[tool.ml-policy] loading: layering, validation with file/line/key, nearest-pyproject lookup."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from ml_policy import bundles
from ml_policy.config import CliOverrides, ConfigError, Settings, SettingsResolver


def settings_for(
    tmp_path: Path, pyproject: str, file: str = "src/train.py", **cli: object
) -> Settings:
    write(tmp_path, "pyproject.toml", pyproject)
    resolver = SettingsResolver(CliOverrides(**cli), cwd=tmp_path)  # type: ignore[arg-type]
    return resolver.for_path(Path(file))


def config_error(tmp_path: Path, pyproject: str) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_for(tmp_path, pyproject)
    return str(caught.value)


def test_no_table_gets_ml_strict_defaults(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, '[project]\nname = "demo"\n')
    strict = bundles.latest("ml-strict").ml_policy_settings()
    assert settings.source is None
    assert settings.bundle is None
    assert settings.select == ("ML",)
    assert settings.deps.mode == "app"
    assert settings.artifacts.max_kb == strict["artifacts"]["max-kb"]
    assert "*.safetensors" in settings.artifacts.lfs


def test_user_keys_override_the_recorded_bundle_key_by_key(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        '[tool.ml-policy]\nbundle = "ml-baseline@1"\n\n[tool.ml-policy.artifacts]\nmax-kb = 10\n',
    )
    baseline = bundles.get("ml-baseline@1").ml_policy_settings()
    assert settings.bundle == "ml-baseline@1"
    assert settings.artifacts.max_kb == 10  # the user's
    assert (
        settings.artifacts.notebook_max_kb == baseline["artifacts"]["notebook-max-kb"]
    )  # the bundle's
    assert settings.deps.pin == "bounded"
    assert settings.select == tuple(baseline["select"])


def test_nearest_pyproject_with_a_table_wins(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.ml-policy]\nignore = ["MLP"]\n')
    write(tmp_path, "pkg/pyproject.toml", '[tool.ml-policy]\nignore = ["MLM"]\n')
    write(tmp_path, "pkg/inner/pyproject.toml", '[project]\nname = "inner"\n')
    resolver = SettingsResolver(cwd=tmp_path)
    assert resolver.for_path(Path("a.py")).ignore == ("MLP",)
    inner = resolver.for_path(Path("pkg/inner/deep/b.py"))
    assert inner.ignore == ("MLM",)  # the table-less pyproject in inner/ is skipped
    assert inner.source == (tmp_path / "pkg" / "pyproject.toml").resolve()
    assert resolver.for_path(Path("pkg/inner/deep/c.py")) is inner  # read once per run


def test_unknown_key_names_file_line_key_and_suggestion(tmp_path: Path) -> None:
    message = config_error(
        tmp_path, '[project]\nname = "x"\n\n[tool.ml-policy]\nselect = ["ML"]\nslect = ["MLP"]\n'
    )
    assert message == (
        f"{tmp_path / 'pyproject.toml'}:6: "
        "[tool.ml-policy] slect: unknown key 'slect' (did you mean 'select'?)"
    )


def test_unknown_nested_key_points_at_its_line(tmp_path: Path) -> None:
    message = config_error(
        tmp_path,
        "[tool.ml-policy]\nselect = []\n\n[tool.ml-policy.deps]\nmode = 'app'\nmoed = 'x'\n",
    )
    assert ":6: [tool.ml-policy.deps] moed: unknown key 'moed' (did you mean 'mode'?)" in message


def test_unknown_key_under_a_quoted_table_header(tmp_path: Path) -> None:
    message = config_error(tmp_path, '[tool."ml-policy"]\nslect = ["ML"]\n')
    assert ":2: [tool.ml-policy] slect: unknown key 'slect'" in message


def test_unknown_key_in_inline_table(tmp_path: Path) -> None:
    message = config_error(tmp_path, '[tool.ml-policy]\ndeps = { mode = "app", pins = "exact" }\n')
    assert ":2: [tool.ml-policy.deps] pins: unknown key 'pins' (did you mean 'pin'?)" in message


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('select = "ML"', "select: must be a list of rule codes"),
        ('select = ["E501"]', "'E501' is not an ml-policy rule code"),
        ("free-threaded = 1", "free-threaded: must be true or false"),
        ('bundle = "ml-strict"', 'bundle: must be "NAME@VERSION"'),
        ('bundle = "ml-nonexistent@1"', "no bundle named 'ml-nonexistent'"),
        ('bundle = "ml-strict@99"', "ml-strict has no version 99"),
        ('deps = { mode = "application" }', "mode: must be one of 'app', 'library'"),
        ("artifacts = { max-kb = -1 }", "max-kb: must be a whole number of kilobytes"),
        (
            'per-file-ignores = { "tests/**" = "MLM001" }',
            "per-file-ignores: ['tests/**'] must be a list",
        ),
        ('overrides = { "ruff.lint.ignore" = { add = ["E501"] } }', "needs a reason"),
    ],
)
def test_bad_values_are_errors(tmp_path: Path, table: str, expected: str) -> None:
    message = config_error(tmp_path, f"[tool.ml-policy]\n{table}\n")
    assert expected in message
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}:2:")


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    message = config_error(tmp_path, '[tool.ml-policy]\nselect = ["ML"\nignore = []\n')
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}:")
    assert "invalid TOML" in message


def test_malformed_toml_in_a_parent_is_still_an_error(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.ml-policy\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        SettingsResolver(cwd=tmp_path).for_path(Path("src/a.py"))


def test_non_utf8_pyproject_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.ml-policy]\nselect = ['\xff']\n")
    with pytest.raises(ConfigError, match="cannot read"):
        SettingsResolver(cwd=tmp_path).for_path(Path("a.py"))


def test_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes('\ufeff[tool.ml-policy]\nignore = ["MLP"]\n'.encode())
    assert SettingsResolver(cwd=tmp_path).for_path(Path("a.py")).ignore == ("MLP",)


def test_selection_longest_prefix_wins(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        "[tool.ml-policy]\n"
        'select = ["MLM", "MLP001"]\nignore = ["MLM00"]\nextend-select = ["MLM004"]\n',
    )
    assert settings.is_enabled("MLP001")
    assert not settings.is_enabled("MLP002")
    assert not settings.is_enabled("MLM001")  # MLM00 beats MLM
    assert settings.is_enabled("MLM004")  # MLM004 beats MLM00
    assert settings.is_enabled("MLM010")


def test_per_file_ignores_use_gitignore_patterns_relative_to_the_config(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        "[tool.ml-policy]\nper-file-ignores = "
        '{ "tests/" = ["MLM001"], "*.ipynb" = ["MLP"], "/scripts/*.py" = ["MLD"] }\n',
    )
    assert not settings.is_enabled("MLM001", tmp_path / "tests" / "unit" / "test_a.py")
    assert settings.is_enabled("MLM001", tmp_path / "src" / "a.py")
    assert not settings.is_enabled("MLP001", tmp_path / "notebooks" / "explore.ipynb")
    assert not settings.is_enabled("MLD001", tmp_path / "scripts" / "run.py")
    assert settings.is_enabled(
        "MLD001", tmp_path / "src" / "scripts" / "run.py"
    )  # anchored by the leading /


def test_exclude(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, '[tool.ml-policy]\nexclude = ["data/", "third_party/**", "*_pb2.py"]\n'
    )
    assert settings.is_excluded(tmp_path / "data" / "x.py")
    assert settings.is_excluded(
        tmp_path / "sub" / "data" / "x.py"
    )  # gitignore: unanchored folder name
    assert settings.is_excluded(tmp_path / "third_party" / "lib" / "x.py")
    assert settings.is_excluded(tmp_path / "proto" / "model_pb2.py")
    assert not settings.is_excluded(tmp_path / "src" / "train.py")


def test_command_line_beats_the_file(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        '[tool.ml-policy]\nselect = ["MLM"]\nignore = ["MLM002"]\nexclude = ["a/"]\n',
        select=("MLP",),
        ignore=("MLP003",),
        exclude=(),
    )
    assert settings.select == ("MLP",)
    assert settings.ignore == ("MLP003",)  # --select starts over: the file's ignore goes too
    assert settings.exclude == ()
    assert not settings.is_enabled("MLM001")


def test_command_line_codes_are_checked() -> None:
    assert CliOverrides(select=("ML",), ignore=("E501",)).problems() == [
        "--ignore: 'E501' is not an ml-policy rule code or prefix "
        "(ml-policy codes start with ML; Ruff's go in [tool.ruff])"
    ]


def test_a_torchfix_code_names_the_rule_that_checks_it() -> None:
    assert CliOverrides(select=("TOR101",)).problems() == [
        "--select: 'TOR101' is not an ml-policy rule code or prefix "
        "(TOR101 is TorchFix's code for ml-policy's MLT004)"
    ]


def test_every_bundle_ml_policy_toml_is_valid() -> None:
    for bundle in bundles.all_bundles():
        table = bundle.ml_policy_settings()  # raises on an unknown key
        assert table["select"], bundle.ref


def test_command_line_select_starts_the_selection_over_as_in_ruff(tmp_path: Path) -> None:
    table = (
        '[tool.ml-policy]\nselect = ["ML"]\nignore = ["MLP001", "MLM"]\n'
        'extend-select = ["MLM004"]\nper-file-ignores = { "tests/" = ["MLP001"] }\n'
    )
    settings = settings_for(tmp_path, table, select=("MLP001", "MLM001"))
    assert settings.is_enabled("MLP001")  # the file's ignore no longer applies
    assert settings.is_enabled("MLM001")
    assert not settings.is_enabled("MLM004")  # nor its extend-select
    assert not settings.is_enabled("MLP001", tmp_path / "tests" / "test_a.py")  # per-file: yes
    narrowed = settings_for(tmp_path, table, ignore=("MLP002",))
    assert not narrowed.is_enabled("MLP001")  # without --select, the file's ignore stays
