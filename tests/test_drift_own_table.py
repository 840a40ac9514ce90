"""MLG005 ([tool.ml-policy] weaker than its bundle) and MLG006 (stale overrides), in process,
on the files `ml-policy init --bundle ml-strict@2` writes plus the change under test."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write, write_files

from ml_policy import bundles, checkers
from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.drift.rule import changed_after_init


def drift(root: Path, fragment: str, bundle: str = "ml-strict@2") -> list[Diagnostic]:
    """MLG findings of an initialised repository with `fragment` merged into pyproject.toml."""
    write_files(root, changed_after_init(bundle, fragment))
    return checkers.run_all([root], SettingsResolver(cwd=root), families=("MLG",))


def codes_at(root: Path, found: list[Diagnostic]) -> list[tuple[str, str]]:
    """(code, the text of the line each finding is on)."""
    lines = (root / "pyproject.toml").read_text().splitlines()
    return [(d.code, lines[d.line - 1].strip()) for d in found]


def test_the_initialised_repository_has_no_drift(tmp_path: Path) -> None:
    assert drift(tmp_path, "") == []


WEAKER = [
    ('[tool.ml-policy]\nignore = ["MLP003"]\n', 'ignore = ["MLP003"]', "turns off MLP003"),
    ('[tool.ml-policy]\nignore = ["MLM"]\n', 'ignore = ["MLM"]', "MLM001, MLM002, MLM003"),
    ('[tool.ml-policy]\nselect = ["MLM", "MLD", "MLG"]\n', "select", "leaves out MLA001"),
    ("[tool.ml-policy.artifacts]\nmax-kb = 501\n", "max-kb = 501", "max-kb 501, bundle 500"),
    ("[tool.ml-policy.artifacts]\nnotebook-max-kb = 4096\n", "notebook-max-kb", "bundle 1024"),
    ('[tool.ml-policy.artifacts]\nlfs = ["*.pt"]\n', 'lfs = ["*.pt"]', "*.safetensors"),
    ("[tool.ml-policy.artifacts]\nallow-notebook-outputs = true\n", "allow-notebook", "outputs"),
    ('[tool.ml-policy.deps]\nmode = "library"\n', 'mode = "library"', "'library', bundle 'app'"),
    ('[tool.ml-policy.deps]\npin = "bounded"\n', 'pin = "bounded"', "'bounded', bundle 'exact'"),
    ('[tool.ml-policy]\nexclude = ["**/*.py"]\n', "exclude", "whole project unchecked"),
    ('[tool.ml-policy]\nexclude = ["*"]\n', "exclude", "whole project unchecked"),
    ('[tool.ml-policy.per-file-ignores]\n"*.py" = ["MLP"]\n', '"*.py"', "in every file"),
    (
        '[tool.ml-policy.secrets]\ndisable-plugins = ["AWSKeyDetector"]\n',
        "disable-plugins",
        "AWSKeyDetector",
    ),
]
# The container policy arrived with version 3 of the bundles.
WEAKER_3 = [
    ('[tool.ml-policy.hadolint]\nignore = ["DL3013", "DL3007"]\n', "ignore", "DL3007"),
    (
        '[tool.ml-policy.hadolint]\nfailure-threshold = "error"\n',
        "failure-threshold",
        "'error', bundle 'info'",
    ),
]


@pytest.mark.parametrize(("fragment", "line", "message"), WEAKER_3)
def test_each_container_policy_weakening_is_mlg005(
    tmp_path: Path, fragment: str, line: str, message: str
) -> None:
    found = drift(tmp_path, fragment, "ml-strict@3")
    [(code, text)] = codes_at(tmp_path, found)
    assert code == "MLG005"
    assert text.startswith(line)
    assert message in found[0].message


@pytest.mark.parametrize(
    "fragment",
    [
        '[tool.ml-policy.hadolint]\nignore = []\nfailure-threshold = "style"\n',
        '[tool.ml-policy.images]\nbase-pin = "digest"\n',
        '[tool.ml-policy.hadolint]\ntrusted-registries = ["docker.io"]\n',
    ],
)
def test_a_stricter_container_policy_passes(tmp_path: Path, fragment: str) -> None:
    assert drift(tmp_path, fragment, "ml-strict@3") == []


@pytest.mark.parametrize(("fragment", "line", "message"), WEAKER)
def test_each_weakening_is_mlg005_at_its_line(
    tmp_path: Path, fragment: str, line: str, message: str
) -> None:
    found = drift(tmp_path, fragment)
    [(code, text)] = codes_at(tmp_path, found)
    assert code == "MLG005"
    assert text.startswith(line)
    assert message in found[0].message
    assert "weaker than ml-strict@2" in found[0].message


ACCEPTED = [
    '[tool.ml-policy]\nignore = ["MLP003"]\n[tool.ml-policy.overrides]\n'
    '"ml-policy.ignore" = { add = ["MLP003"], reason = "CPU-only" }\n',
    "[tool.ml-policy.artifacts]\nmax-kb = 900\n[tool.ml-policy.overrides]\n"
    '"ml-policy.artifacts.max-kb" = { reason = "one 800 kB fixture" }\n',
    '[tool.ml-policy.artifacts]\nlfs = ["*.pt"]\n[tool.ml-policy.overrides]\n'
    '"ml-policy.artifacts.lfs" = { reason = "no weights in this repository" }\n',
]


@pytest.mark.parametrize("fragment", ACCEPTED)
def test_a_departure_with_an_override_passes(tmp_path: Path, fragment: str) -> None:
    assert drift(tmp_path, fragment) == []


def test_an_override_for_other_entries_does_not_accept(tmp_path: Path) -> None:
    fragment = (
        '[tool.ml-policy]\nignore = ["MLP003", "MLM001"]\n[tool.ml-policy.overrides]\n'
        '"ml-policy.ignore" = { add = ["MLP003"], reason = "CPU-only" }\n'
    )
    found = drift(tmp_path, fragment)
    assert [d.code for d in found] == ["MLG005"]
    assert "MLM001" in found[0].message


STRICT_LFS = bundles.get("ml-strict@2").ml_policy_settings()["artifacts"]["lfs"]
STRICTER_OR_NEUTRAL = [
    '[tool.ml-policy]\nextend-select = ["MLG001"]\n',
    "[tool.ml-policy.artifacts]\nmax-kb = 100\nnotebook-max-kb = 200\n",
    f"[tool.ml-policy.artifacts]\nlfs = {[*STRICT_LFS, '*.zip']}\n".replace("'", '"'),
    '[tool.ml-policy]\nexclude = ["vendor/", "third_party/**"]\n',
    '[tool.ml-policy.per-file-ignores]\n"tests/**" = ["MLM"]\n',
    '[tool.ml-policy.secrets]\nbaseline = "config/.secrets.baseline"\n',
    '[tool.ml-policy]\nml-packages = ["our_models"]\nfree-threaded = true\n',
]


@pytest.mark.parametrize("fragment", STRICTER_OR_NEUTRAL)
def test_stricter_or_neutral_settings_pass(tmp_path: Path, fragment: str) -> None:
    assert drift(tmp_path, fragment) == []


def test_library_bundles_do_not_judge_pins(tmp_path: Path) -> None:
    # ml-library asks for lower bounds; an application-style pin policy is stricter
    fragment = '[tool.ml-policy.deps]\nmode = "app"\npin = "bounded"\n'
    assert drift(tmp_path, fragment, bundle="ml-library@2") == []


def test_a_raised_pattern_limit_is_weaker(tmp_path: Path) -> None:
    assert drift(tmp_path, "", bundle="ml-baseline@2") == []
    fragment = '[tool.ml-policy.artifacts]\nlimits = { "*.pt" = 2048 }\n'
    found = [d for d in drift(tmp_path / "raised", fragment, "ml-baseline@2") if d.code == "MLG005"]
    # a `limits` table replaces the bundle's: the patterns it leaves out fall back to max-kb
    others = list(bundles.get("ml-baseline@2").ml_policy_settings()["artifacts"]["limits"])
    others.remove("*.pt")
    assert [d.message.split(":")[0] for d in found] == [
        "[tool.ml-policy.artifacts] limits '*.pt'",
        f"[tool.ml-policy.artifacts] limits no longer has {', '.join(others[:6])} "
        f"and {len(others) - 6} more",
    ]
    assert "2048 kB, bundle 1024" in found[0].message
    assert "fall back to max-kb 5120" in found[1].message


def test_a_command_line_select_is_not_a_departure(tmp_path: Path) -> None:
    from ml_policy.config import CliOverrides

    write_files(tmp_path, changed_after_init("ml-strict@2", ""))
    resolver = SettingsResolver(CliOverrides(select=("MLG005",)), cwd=tmp_path)
    assert checkers.run_all([tmp_path], resolver, families=("MLG",)) == []


STALE = [
    ('[tool.ml-policy.overrides]\n"ruff.line-length" = { reason = "was 120" }\n', "the bundle's"),
    (
        '[tool.ml-policy.overrides]\n"mypy.disallow_any_explicit" = { reason = "noisy" }\n',
        "not set any more",
    ),
    (
        '[tool.ruff.lint]\nextend-ignore = ["E501"]\n[tool.ml-policy.overrides]\n'
        '"ruff.lint.extend-ignore" = { add = ["E501", "B006"], reason = "urls" }\n',
        "add B006",
    ),
    (
        '[tool.ml-policy.overrides]\n"ml-policy.artifacts.max-kb" = { reason = "a fixture" }\n',
        "not set any more",
    ),
    (
        "[tool.ml-policy.artifacts]\nmax-kb = 500\n[tool.ml-policy.overrides]\n"
        '"ml-policy.artifacts.max-kb" = { reason = "a fixture" }\n',
        "the bundle's",
    ),
    (
        '[tool.ml-policy.overrides]\n"ml-policy.artifacts.lfs" = '
        '{ remove = ["*.pt"], reason = "no weights" }\n',
        "not set any more",
    ),
]


@pytest.mark.parametrize(("fragment", "why"), STALE)
def test_a_stale_override_is_mlg006_at_its_line_with_its_reason(
    tmp_path: Path, fragment: str, why: str
) -> None:
    found = drift(tmp_path, fragment)
    [(code, text)] = codes_at(tmp_path, found)
    assert code == "MLG006"
    key = fragment.split("[tool.ml-policy.overrides]\n")[1].split(" = ", maxsplit=1)[0]
    assert text.startswith(key)
    assert why in found[0].message
    reason = fragment.split('reason = "')[1].split('"', maxsplit=1)[0]
    assert f"({reason})" in found[0].message


LIVE = [
    '[tool.ruff]\nline-length = 120\n[tool.ml-policy.overrides]\n"ruff.line-length" = '
    '{ reason = "generated code" }\n',
    '[tool.ruff.lint]\nextend-ignore = ["E501"]\n[tool.ml-policy.overrides]\n'
    '"ruff.lint.extend-ignore" = { add = ["E501"], reason = "urls" }\n',
    '[tool.ml-policy.artifacts]\nlfs = ["*.pt"]\n[tool.ml-policy.overrides]\n'
    '"ml-policy.artifacts.lfs" = { remove = ["*.safetensors"], reason = "no weights" }\n',
]


@pytest.mark.parametrize("fragment", LIVE)
def test_an_override_that_still_overrides_is_not_stale(tmp_path: Path, fragment: str) -> None:
    assert [d.code for d in drift(tmp_path, fragment) if d.code == "MLG006"] == []


def test_an_override_is_judged_where_ruff_reads_its_settings(tmp_path: Path) -> None:
    write(tmp_path, "ruff.toml", "line-length = 120\n")
    fragment = '[tool.ml-policy.overrides]\n"ruff.line-length" = { reason = "ruff.toml says" }\n'
    found = drift(tmp_path, fragment)
    assert [d.code for d in found if d.code == "MLG006"] == []


def test_an_override_of_a_mypy_ini_is_not_judged(tmp_path: Path) -> None:
    write(tmp_path, ".mypy.ini", "[mypy]\nstrict = True\n")
    fragment = '[tool.ml-policy.overrides]\n"mypy.strict" = { reason = "ini" }\n'
    assert [d.code for d in drift(tmp_path, fragment) if d.code == "MLG006"] == []


def test_exclude_cannot_hide_the_configuration_from_its_own_check(tmp_path: Path) -> None:
    found = drift(tmp_path, '[tool.ml-policy]\nexclude = ["**"]\n')
    assert [d.code for d in found] == ["MLG005"]


def test_turning_every_drift_rule_off_is_said(tmp_path: Path) -> None:
    write_files(tmp_path, changed_after_init("ml-strict@2", '[tool.ml-policy]\nignore = ["MLG"]\n'))
    resolver = SettingsResolver(cwd=tmp_path)
    assert checkers.run_all([tmp_path], resolver, families=("MLG",)) == []
    [note] = resolver.notes
    assert "every MLG rule is turned off" in note


def test_live_overrides_are_noted_with_their_reasons(tmp_path: Path) -> None:
    fragment = (
        "[tool.ruff]\nline-length = 120\n[tool.ml-policy.overrides]\n"
        '"ruff.line-length" = { reason = "generated code" }\n'
    )
    write_files(tmp_path, changed_after_init("ml-strict@2", fragment))
    resolver = SettingsResolver(cwd=tmp_path)
    assert checkers.run_all([tmp_path], resolver, families=("MLG",)) == []
    [note] = resolver.notes
    assert note.endswith("override 'ruff.line-length' accepted: generated code")


HOOK_OVERRIDE = (
    '[tool.ml-policy.overrides]\n"pre-commit.ml-policy-mypy.args" = '
    '{ add = ["--ignore-missing-imports"], reason = "no stubs for our C extension" }\n'
)


@pytest.mark.parametrize(("args", "stale"), [("", True), ("--ignore-missing-imports", False)])
def test_a_hook_override_is_stale_once_the_hook_is_plain_again(
    tmp_path: Path, args: str, stale: bool
) -> None:
    files = changed_after_init("ml-strict@2", HOOK_OVERRIDE)
    config = str(files[".pre-commit-config.yaml"])
    if args:
        config = config.replace(
            "- id: ml-policy-mypy\n", f"- id: ml-policy-mypy\n        args: [{args}]\n"
        )
    files[".pre-commit-config.yaml"] = config
    write_files(tmp_path, files)
    found = checkers.run_all([tmp_path], SettingsResolver(cwd=tmp_path), families=("MLG",))
    assert [d.code for d in found] == (["MLG006"] if stale else [])
    if stale:
        assert "what it excuses is not there any more" in found[0].message


MISSING_HOOK = (
    '[tool.ml-policy.overrides]\n"pre-commit.ml-policy-mypy" = { reason = "CI runs it" }\n'
)


@pytest.mark.parametrize("override", ["", MISSING_HOOK])
def test_a_missing_hook_is_mlg004_unless_an_override_says_why(
    tmp_path: Path, override: str
) -> None:
    files = changed_after_init("ml-strict@2", override)
    files[".pre-commit-config.yaml"] = str(files[".pre-commit-config.yaml"]).replace(
        "      - id: ml-policy-mypy\n", ""
    )
    write_files(tmp_path, files)
    found = checkers.run_all([tmp_path], SettingsResolver(cwd=tmp_path), families=("MLG",))
    if override:
        assert found == []
    else:
        [finding] = found
        assert finding.code == "MLG004"
        assert "hook ml-policy-mypy of ml-strict@2 is missing" in finding.message
        assert '"pre-commit.ml-policy-mypy"' in finding.message


def test_an_override_for_a_hook_that_is_there_is_stale(tmp_path: Path) -> None:
    [finding] = drift(tmp_path, MISSING_HOOK)
    assert finding.code == "MLG006"
    assert "(CI runs it): what it excuses is not there any more" in finding.message


def test_base_images_no_longer_pinned_by_digest_is_weaker() -> None:
    from ml_policy.config import Settings
    from ml_policy.drift.ml_policy_table import weakenings
    from ml_policy.settings.model import ImageSettings

    root = Path("/r")
    bundle = Settings(root, images=ImageSettings("digest"))
    [departure] = weakenings(bundle, Settings(root))
    assert departure.key == "ml-policy.images.base-pin"
    assert weakenings(Settings(root), bundle) == []
