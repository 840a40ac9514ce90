"""`ml-policy upgrade`: a three-way merge per key from the recorded bundle version to the target.

Most tests run on a bundle history of their own (a tmp policies/ tree): the shipped
version 2 is still being written, and a test must see keys added, changed and removed.
The real-history tests at the end go from every shipped v1 to every shipped v2.
"""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomllib
from conftest import write, write_files
from ruamel.yaml import YAML

from ml_policy import bundles
from ml_policy.cli import main

POLICIES = Path(__file__).resolve().parents[1] / "policies"
FILES = ("pyproject.toml", ".pre-commit-config.yaml", "ruff.toml", ".mypy.ini")
PROJECT = '[project]\nname = "demo"  # the package\nversion = "1.0"\n'


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Shipped v1 bundles, with ml-strict@1 lacking the ruff-format hook, and an
    ml-strict@2 that adds, changes and removes keys and hooks."""
    root = tmp_path / "policies"
    for name in ("ml-strict", "ml-library", "ml-baseline"):
        shutil.copytree(POLICIES / name / "1", root / name / "1")
    v1, v2 = root / "ml-strict" / "1", root / "ml-strict" / "2"
    edit(v1 / "pre-commit.yaml", "  - id: ml-policy-ruff-format\n", "")
    shutil.copytree(v1, v2)
    edit(v2 / "bundle.toml", "version = 1", "version = 2")
    edit(v2 / "bundle.toml", 'changes = ["First release."]', 'changes = ["FURB on, T10 off."]')
    edit(v2 / "ruff.toml", "line-length = 100", "line-length = 110")
    edit(v2 / "ruff.toml", 'extend-exclude = ["wandb", "mlruns", "lightning_logs", "multirun"]', "")
    edit(v2 / "ruff.toml", '  "T10",    # flake8-debugger\n', "")
    edit(
        v2 / "ruff.toml", '  "ASYNC",  # flake8-async\n', '  "ASYNC",  # flake8-async\n  "FURB",\n'
    )
    edit(v2 / "ruff.toml", '  "PD015",    # pd.merge', '  "E731",  # lambdas\n  # "PD015",')
    edit(v2 / "mypy.toml", "warn_unreachable = true\n", "local_partial_types = true\n")
    edit(v2 / "mypy.toml", '  "deprecated",\n', '  "explicit-override",\n')
    edit(v2 / "pre-commit.yaml", "  - id: ml-policy-bandit\n", "  - id: ml-policy-ruff-format\n")
    edit(v2 / "mypy.toml", '  "catboost.*",', '  "bitsandbytes.*",  # no py.typed\n  "catboost.*",')
    monkeypatch.setattr(bundles, "policies_root", lambda: root)
    bundles.all_bundles.cache_clear()
    yield root
    bundles.all_bundles.cache_clear()


def cli(*args: str | Path) -> int:
    return main([str(a) for a in args])


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(repo.iterdir()) if p.is_file()}


def toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text("utf-8"))


def meaning(value: Any) -> Any:
    """TOML data as the tools read it: the order of a list of names does not matter."""
    if isinstance(value, dict):
        return {key: meaning(item) for key, item in value.items()}
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return sorted(value)
    return [meaning(item) for item in value] if isinstance(value, list) else value


def hooks(repo: Path) -> list[str]:
    data = YAML(typ="safe").load((repo / ".pre-commit-config.yaml").read_text())
    return [h["id"] for h in data["repos"][0]["hooks"]]


def initialised(
    repo: Path, bundle: str, files: dict[str, str] | None = None, *, conflicts: bool = False
) -> Path:
    """`repo` with PROJECT and `files`, after init with `bundle`."""
    repo.mkdir()
    write_files(repo, {"pyproject.toml": PROJECT, **(files or {})})
    assert cli("init", "--bundle", bundle, repo) == (1 if conflicts else 0)
    return repo


def upgrade(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli("upgrade", repo, *args)
    out, err = capsys.readouterr()
    return code, out, err


# --- the synthetic history ---------------------------------------------------------


def test_untouched_keys_follow_the_bundle_removals_included(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 0, out
    ruff = toml(repo / "pyproject.toml")["tool"]["ruff"]
    mypy = toml(repo / "pyproject.toml")["tool"]["mypy"]
    assert ruff["line-length"] == 110
    assert "extend-exclude" not in ruff
    assert "FURB" in ruff["lint"]["select"]
    assert "T10" not in ruff["lint"]["select"]
    assert "E731" in ruff["lint"]["ignore"]
    assert "PD015" not in ruff["lint"]["ignore"]
    assert "warn_unreachable" not in mypy
    assert mypy["local_partial_types"] is True
    assert "deprecated" not in mypy["enable_error_code"]
    assert "bitsandbytes.*" in mypy["overrides"][0]["module"]
    assert "explicit-override" in mypy["enable_error_code"]
    assert "ml-policy-ruff-format" in hooks(repo)
    assert "ml-policy-bandit" not in hooks(repo)
    assert toml(repo / "pyproject.toml")["tool"]["ml-policy"]["bundle"] == "ml-strict@2"
    # The same data as init with version 2 writes into the same repository.
    fresh = initialised(tmp_path / "fresh", "ml-strict@2")
    assert meaning(toml(repo / "pyproject.toml")) == meaning(toml(fresh / "pyproject.toml"))
    assert sorted(hooks(repo)) == sorted(hooks(fresh))
    assert "ml-strict@2: New or production" in out
    assert "  - FURB on, T10 off." in out
    assert "~ tool.ruff.line-length: 100 -> 110" in out
    assert "- tool.ruff.extend-exclude" in out
    assert "- tool.mypy.warn_unreachable" in out
    assert "+ repos[ml-policy].hooks[ml-policy-ruff-format]" in out
    assert "- repos[ml-policy].hooks[ml-policy-bandit]" in out


def test_comments_order_and_unrelated_bytes_are_kept(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    pyproject = repo / "pyproject.toml"
    edit(
        pyproject, "ignore_missing_imports = true", "# ours: untyped\nignore_missing_imports = true"
    )
    edit(pyproject, '  "I",      # isort', '  # ours: sorted imports\n  "I",      # isort')
    before = pyproject.read_text()
    assert upgrade(repo, capsys=capsys)[0] == 0
    after = (repo / "pyproject.toml").read_text()
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [line[2:] for line in diff if line.startswith("- ")]
    added = [line[2:] for line in diff if line.startswith("+ ")]
    assert removed == [
        "line-length = 100",
        'extend-exclude = ["wandb", "mlruns", "lightning_logs", "multirun"]',
        '  "T10",    # flake8-debugger',
        '  "PD015",    # pd.merge vs DataFrame.merge: equivalent',
        "warn_unreachable = true",
        '  "deprecated",',
        'bundle = "ml-strict@1"',
    ]
    assert added == [
        "line-length = 110",
        '  "FURB",',
        '  "E731", # lambdas',
        '  "explicit-override",',
        "local_partial_types = true",
        '  "bitsandbytes.*", # no py.typed',
        'bundle = "ml-strict@2"',
    ]
    assert after.startswith(PROJECT)  # the user's own table, byte for byte


def test_user_edits_are_kept_and_reported_as_conflicts(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    pyproject = repo / "pyproject.toml"
    edit(pyproject, "line-length = 100", "line-length = 120  # our screens")
    edit(pyproject, "warn_unreachable = true", "warn_unreachable = false")
    edit(pyproject, '  "ASYNC",  # flake8-async\n', '  "ASYNC",  # flake8-async\n  "ERA",\n')
    edit(pyproject, '  "RET504",', '  "E501",  # ours\n  "RET504",')
    capsys.readouterr()
    code, out, err = upgrade(repo, capsys=capsys)
    assert code == 1
    assert "! tool.ruff.line-length: yours 120, old bundle 100, new bundle 110; kept yours" in out
    assert "! tool.mypy.warn_unreachable: yours false, old bundle true, new bundle nothing" in out
    assert "2 conflict(s) left as you had them" in err
    data = toml(pyproject)["tool"]
    assert data["ruff"]["line-length"] == 120
    assert data["mypy"]["warn_unreachable"] is False
    select = data["ruff"]["lint"]["select"]
    assert "ERA" in select
    assert "FURB" in select
    assert "T10" not in select
    assert "E501" in data["ruff"]["lint"]["ignore"]
    assert "line-length = 120  # our screens" in pyproject.read_text()
    assert "overrides" not in data["ml-policy"]


def test_a_reason_records_the_conflicts_as_overrides(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    edit(repo / "pyproject.toml", "line-length = 100", "line-length = 120")
    code, out, _ = upgrade(repo, "--reason", "wide screens", capsys=capsys)
    assert code == 0, out
    overrides = toml(repo / "pyproject.toml")["tool"]["ml-policy"]["overrides"]
    assert overrides == {"ruff.line-length": {"reason": "wide screens"}}
    assert "o tool.ruff.line-length: yours 120, old bundle 100, new bundle 110" in out


def test_a_recorded_override_keeps_the_users_value(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    edit(repo / "pyproject.toml", "line-length = 100", "line-length = 120")
    with (repo / "pyproject.toml").open("a") as file:
        file.write('\n[tool.ml-policy.overrides]\n"ruff.line-length" = { reason = "wide" }\n')
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 0, out
    assert "o tool.ruff.line-length: kept yours by override (wide)" in out
    assert toml(repo / "pyproject.toml")["tool"]["ruff"]["line-length"] == 120


def test_a_second_upgrade_writes_nothing(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    assert upgrade(repo, capsys=capsys)[0] == 0
    before = snapshot(repo)
    code, out, _ = upgrade(repo, capsys=capsys)
    assert (code, snapshot(repo)) == (0, before)
    assert "already on ml-strict@2; nothing to do" in out


@pytest.mark.parametrize("option", ["--dry-run", "--diff"])
def test_dry_run_and_diff_write_nothing(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    before = snapshot(repo)
    code, out, _ = upgrade(repo, option, capsys=capsys)
    assert (code, snapshot(repo)) == (0, before)
    assert "(dry run: nothing written)" in out
    if option == "--diff":
        assert "-line-length = 100\n+line-length = 110\n" in out
        assert "-      - id: ml-policy-bandit\n" in out
    else:
        assert "~ tool.ruff.line-length: 100 -> 110" in out


def test_switching_bundles_ends_where_init_with_the_other_bundle_does(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    code, out, _ = upgrade(repo, "--to", "ml-baseline@1", capsys=capsys)
    assert code == 0, out
    assert "switching bundles: ml-strict@1 -> ml-baseline@1" in out
    fresh = initialised(tmp_path / "fresh", "ml-baseline@1")
    assert meaning(toml(repo / "pyproject.toml")) == meaning(toml(fresh / "pyproject.toml"))
    assert sorted(hooks(repo)) == sorted(hooks(fresh))


def test_ruff_settings_are_upgraded_in_ruff_toml(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(
        tmp_path / "repo", "ml-strict@1", {"ruff.toml": "# ours\nline-length = 100\n"}
    )
    pyproject = (repo / "pyproject.toml").read_text()
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 0, out
    ruff = toml(repo / "ruff.toml")
    assert ruff["line-length"] == 110
    assert "FURB" in ruff["lint"]["select"]
    assert (repo / "ruff.toml").read_text().startswith("# ours\n")
    assert "ruff" not in toml(repo / "pyproject.toml")["tool"]
    assert "~ line-length: 100 -> 110" in out
    assert (repo / "pyproject.toml").read_text() != pyproject  # mypy and the bundle moved


def test_mypy_settings_in_mypy_ini_are_reported_where_they_are(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = "[mypy]\nstrict = True\nwarn_unreachable = True\n"
    # init reports that .mypy.ini hides [tool.mypy], and writes no mypy settings
    repo = initialised(tmp_path / "repo", "ml-strict@1", {".mypy.ini": ini}, conflicts=True)
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 1
    assert "! tool.mypy: mypy reads .mypy.ini, which ml-policy does not edit" in out
    changed = "local_partial_types, enable_error_code, overrides, warn_unreachable: set them"
    assert f"changes {changed}" in out
    assert (repo / ".mypy.ini").read_text() == ini
    assert "mypy" not in toml(repo / "pyproject.toml")["tool"]


def test_a_malformed_pyproject_is_named_with_its_line_and_nothing_is_written(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    with (repo / "pyproject.toml").open("a") as file:
        file.write("broken = = 1\n")
    before = snapshot(repo)
    lines = (repo / "pyproject.toml").read_text().count("\n")
    code, _, err = upgrade(repo, capsys=capsys)
    assert (code, snapshot(repo)) == (2, before)
    assert f"pyproject.toml:{lines}: invalid TOML" in err
    assert "Traceback" not in err


def test_no_recorded_bundle_says_to_run_init(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "repo", "pyproject.toml", PROJECT)
    code, _, err = upgrade(tmp_path / "repo", capsys=capsys)
    assert code == 2
    assert "no bundle is recorded in [tool.ml-policy]" in err
    assert "run `ml-policy init` first" in err


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ml-nope@2", "no bundle named 'ml-nope'"),
        ("ml-strict@7", "ml-strict has no version 7"),
    ],
)
def test_an_unknown_target_is_refused(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, message: str
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    before = snapshot(repo)
    code, _, err = upgrade(repo, "--to", target, capsys=capsys)
    assert (code, snapshot(repo)) == (2, before)
    assert message in err


def test_an_older_target_is_refused(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@2")
    code, _, err = upgrade(repo, "--to", "ml-strict@1", capsys=capsys)
    assert code == 2
    assert "ml-strict@1 is older than the recorded ml-strict@2" in err


def test_an_empty_reason_is_refused(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    assert upgrade(repo, "--reason", " ", capsys=capsys)[0] == 2


def test_a_hook_the_user_configured_is_not_removed(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    config = repo / ".pre-commit-config.yaml"
    edit(
        config,
        "      - id: ml-policy-bandit\n",
        "      - id: ml-policy-bandit\n        args: [-ll]\n",
    )
    edit(config, "rev: v", "rev: v0.0.9  # was v")
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 1
    assert "! repos[ml-policy].hooks[ml-policy-bandit]: the new bundle drops it; kept" in out
    assert "ml-policy-bandit" in hooks(repo)
    assert "ml-policy-ruff-format" in hooks(repo)
    assert "~ repos[ml-policy].rev: v0.0.9 -> v" in out
    assert "args: [-ll]" in config.read_text()


# --- the shipped history -------------------------------------------------------------


def _refs(version: int) -> list[str]:
    return [b.ref for b in bundles.all_bundles() if b.version == version]


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


USER_EDITS = {
    "tool.ruff.line-length": 123,
    "tool.mypy.python_version": "3.12",  # a key no bundle sets
}


@pytest.mark.parametrize("new", _refs(2))
@pytest.mark.parametrize("old", _refs(1))
def test_every_shipped_v1_upgrades_to_every_shipped_v2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str
) -> None:
    repo = initialised(tmp_path / "repo", old)
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text()
    line_length = toml(pyproject)["tool"]["ruff"]["line-length"]
    edit(pyproject, f"line-length = {line_length}", "line-length = 123")
    edit(pyproject, "[tool.mypy]\n", '[tool.mypy]\npython_version = "3.12"\n')
    assert pyproject.read_text() != text
    code, out, _ = upgrade(repo, "--to", new, capsys=capsys)
    new_length = bundles.get(new).ruff()["line-length"]
    conflicts = "! tool.ruff.line-length" in out
    assert conflicts == (line_length != new_length), out
    assert code == (1 if conflicts else 0), out
    fresh = initialised(tmp_path / "fresh", new)
    ours = _flat(meaning(toml(pyproject)))
    wanted = _flat(meaning(toml(fresh / "pyproject.toml")))
    for key, value in USER_EDITS.items():
        assert ours.pop(key) == value
        wanted.pop(key, None)
    assert ours == wanted
    assert sorted(hooks(repo)) == sorted(hooks(fresh))
    before = snapshot(repo)
    code, out, _ = upgrade(repo, "--to", new, capsys=capsys)
    assert (code, snapshot(repo)) == (0, before)
    assert "nothing to do" in out


def test_a_select_of_the_users_own_gets_the_new_selectors_in_extend_select(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = '[tool.ruff.lint]\nselect = ["E", "F", "T10"]  # ours\n'
    repo = initialised(tmp_path / "repo", "ml-strict@1", {"pyproject.toml": f"{PROJECT}\n{own}"})
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 0, out
    lint = toml(repo / "pyproject.toml")["tool"]["ruff"]["lint"]
    assert lint["select"] == ["E", "F"]  # T10: the old bundle's too, and the new one drops it
    assert "FURB" in lint["extend-select"]
    assert "T10" not in lint["extend-select"]
    assert 'select = ["E", "F"]  # ours' in (repo / "pyproject.toml").read_text()


PRE_COMMIT = """\
repos:
-   repo: local
    hooks:
    -   id: no-todo
        name: no TODO files
        entry: TODO files are not committed
        language: fail
        args:
          [
              '--strict',
          ]
"""


def test_hooks_are_added_and_removed_as_text_where_yaml_cannot_round_trip(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1", {".pre-commit-config.yaml": PRE_COMMIT})
    before = (repo / ".pre-commit-config.yaml").read_text()
    assert before.startswith(PRE_COMMIT)
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 0, out
    after = (repo / ".pre-commit-config.yaml").read_text()
    assert after.startswith(PRE_COMMIT)
    assert after == before.replace("    -   id: ml-policy-bandit\n", "").replace(
        "    -   id: ml-policy-mypy\n",
        "    -   id: ml-policy-mypy\n    -   id: ml-policy-ruff-format\n",
    )


def test_an_untyped_library_of_the_users_own_stays_beside_the_bundles_new_ones(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The common edit of [[tool.mypy.overrides]]: one more library without types.
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    edit(repo / "pyproject.toml", '  "catboost.*",', '  "catboost.*",\n  "wandb.*",  # ours')
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 0, out
    assert "module: added bitsandbytes.*" in out
    modules = toml(repo / "pyproject.toml")["tool"]["mypy"]["overrides"][0]["module"]
    assert {"wandb.*", "bitsandbytes.*", "catboost.*"} <= set(modules)
    assert '"wandb.*",  # ours' in (repo / "pyproject.toml").read_text()
    again, out, _ = upgrade(repo, capsys=capsys)
    assert (again, "nothing to do" in out) == (0, True)


def test_an_override_entry_the_user_reshaped_is_a_conflict(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    edit(repo / "pyproject.toml", "ignore_missing_imports = true\n", 'follow_imports = "skip"\n')
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 1, out
    assert "! tool.mypy.overrides" in out


def test_override_entries_of_the_users_own_before_the_bundles_are_left_alone(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # init --migrate puts the user's own [[tool.mypy.overrides]] first (axolotl's case)
    repo = initialised(tmp_path / "repo", "ml-strict@1")
    own = '[[tool.mypy.overrides]]\nmodule = "legacy.*"\nignore_missing_imports = true\n\n'
    edit(repo / "pyproject.toml", "[[tool.mypy.overrides]]\n", own + "[[tool.mypy.overrides]]\n")
    code, out, _ = upgrade(repo, capsys=capsys)
    assert code == 0, out
    overrides = toml(repo / "pyproject.toml")["tool"]["mypy"]["overrides"]
    assert overrides[0] == {"module": "legacy.*", "ignore_missing_imports": True}
    assert "bitsandbytes.*" in overrides[1]["module"]
