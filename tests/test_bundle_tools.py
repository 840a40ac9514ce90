"""No bundle ships a config its own pinned tools reject.

For every bundle folder `policies/<name>/<version>/`, the pinned Ruff, mypy and
bandit (runtime dependencies of ml-policy, so installed beside the tests) are
run with the bundle's config on a small but realistic ML project
(tests/fixtures/ml_project). A run passes when the tool exits 0 or 1 (findings
are fine, this is about the configuration) and prints nothing about its
configuration: no removed, unknown or preview-only Ruff rule, no formatter
conflict, no unrecognised mypy option or unused override section, no unknown
bandit test. The helpers that look for those messages are themselves tested
on deliberately broken copies of a bundle, so a check here can fail.

The ML libraries the fixture imports need not be installed: mypy's overrides
are counted as used by an import even when the module is missing (checked
against mypy 2.4.1), and Ruff and bandit never import anything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ml_policy.bandit_twins import TWINS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ml_project"
TEMPLATE_SUFFIX = ".tmpl"
TIMEOUT = 300

BUNDLE_DIRS = sorted(path for path in POLICIES.glob("*/*") if path.is_dir())


def bundle_id(path: Path) -> str:
    return f"{path.parent.name}@{path.name}"


def latest(name: str) -> Path:
    versions = [path for path in BUNDLE_DIRS if path.parent.name == name and path.name.isdigit()]
    assert versions, f"no released version of {name} under {POLICIES}"
    return max(versions, key=lambda path: int(path.name))


per_bundle = pytest.mark.parametrize("bundle", BUNDLE_DIRS, ids=bundle_id)

# Source files that, with the bundle's config, must produce a known finding:
# proof that the tool really read the config (mypy, for one, silently runs
# with its defaults when a .toml file has no [tool.mypy] table).
MYPY_CANARY = '''\
"""Every bundle checks the bodies of unannotated functions."""


def untyped():
    count: int = "three"
    return count
'''
BANDIT_CANARY = '''\
"""What only bandit reports (B614, B615) next to what the bundle skips."""

import random

import torch
from transformers import AutoModel


def load(path):
    assert path
    weights = torch.load(path)
    model = AutoModel.from_pretrained("bert-base-uncased")
    return weights, model, random.random()
'''


# --- running the tools --------------------------------------------------------


def run(command: Sequence[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a pinned tool through this interpreter; never raises on exit status."""
    env = {
        key: value for key, value in os.environ.items() if key not in {"MYPYPATH", "RUFF_CACHE_DIR"}
    }
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
        env=env,
    )


def make_project(tmp_path: Path) -> Path:
    """Copy the fixture ML project into tmp_path, dropping the .tmpl suffixes."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    for path in sorted(project.rglob(f"*{TEMPLATE_SUFFIX}")):
        path.rename(path.with_name(path.name.removesuffix(TEMPLATE_SUFFIX)))
    return project


def copy_bundle(bundle: Path, tmp_path: Path) -> Path:
    """A writable copy of a bundle folder, to break on purpose."""
    copy = tmp_path / "broken" / bundle.parent.name / bundle.name
    shutil.copytree(bundle, copy)
    return copy


def edit(path: Path, anchor: str, replacement: str) -> None:
    text = path.read_text("utf-8")
    assert anchor in text, f"{path} no longer contains {anchor!r}; update this test"
    path.write_text(text.replace(anchor, replacement, 1), "utf-8")


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def exit_problem(tool: str, result: subprocess.CompletedProcess[str]) -> list[str]:
    if result.returncode in (0, 1):
        return []
    return [f"{tool} exited {result.returncode}: {result.stderr.strip() or result.stdout.strip()}"]


def ruff_problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Exit 2 (unknown or removed rule selected, unknown key, bad value) and any
    `warning:` (a removed rule ignored, a preview-only rule selected without
    preview, a formatter conflict, a deprecated setting)."""
    warnings: list[str] = []
    for line in result.stderr.splitlines():
        if line.startswith(("warning:", "error:", "ruff failed")):
            warnings.append(line)
        elif warnings and line[:1].isspace():  # a message's indented continuation (rule lists)
            warnings[-1] += "\n" + line
    return exit_problem("ruff", result) + warnings


def check_ruff(config: Path, project: Path) -> list[str]:
    return ruff_problems(
        run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config", config, "."], project)
    )


def check_ruff_format(config: Path, project: Path) -> list[str]:
    return ruff_problems(
        run(
            [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--check",
                "--no-cache",
                "--config",
                config,
                ".",
            ],
            project,
        )
    )


def mypy_problems(result: subprocess.CompletedProcess[str], config: Path) -> list[str]:
    """Exit 2, and every line mypy writes about its config file: unrecognised
    options, non-per-module flags in an override, bad patterns, invalid error
    codes, and (with --warn-unused-configs) override sections no checked module
    uses. mypy prefixes those lines with the config file's path."""
    lines = (result.stdout + result.stderr).splitlines()
    about_config = [
        line
        for line in lines
        if line.startswith(str(config))
        or "unused section" in line
        or "Invalid error code" in line
        or "Unrecognized option" in line
    ]
    return exit_problem("mypy", result) + about_config


def check_mypy(config: Path, project: Path, cache_dir: Path) -> list[str]:
    """mypy on the project plus a canary module that must fail under the config.

    --warn-unused-configs is passed here, not set in the bundles: with it, every
    run whose files import none of an override's modules (a pre-commit run on a
    few changed files, a repository without Keras) prints an "unused section"
    note. The fixture imports every overridden module, so a misspelt module name
    in an override shows up as unused.
    """
    (project / "mypy_config_canary.py").write_text(MYPY_CANARY, "utf-8")
    result = run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            config,
            "--cache-dir",
            cache_dir,
            "--warn-unused-configs",
            "--no-pretty",
            ".",
        ],
        project,
    )
    problems = mypy_problems(result, config)
    canary = [
        line for line in result.stdout.splitlines() if line.startswith("mypy_config_canary.py:")
    ]
    if not any("[assignment]" in line for line in canary):
        problems.append(f"{config} was not applied: the canary's bad assignment went unreported")
    return problems


def bandit_problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Exit 2 (unreadable config, no test left to run) and bandit's logged
    warnings and errors, such as "Unknown test found in profile: B999"."""
    logged = [
        line
        for line in result.stderr.splitlines()
        if "\tWARNING\t" in line or "\tERROR\t" in line or "Unknown test" in line
    ]
    return exit_problem("bandit", result) + logged


def run_bandit(config: Path, project: Path) -> subprocess.CompletedProcess[str]:
    return run(
        [sys.executable, "-m", "bandit", "-c", config, "-r", ".", "-q", "-f", "json"], project
    )


def ruff_enabled_rules(config: Path, cwd: Path) -> set[str]:
    """The rule codes Ruff resolves from a config (select, ignore, prefixes, preview)."""
    probe = cwd / "probe.py"
    probe.write_text("", "utf-8")
    result = run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--config",
            config,
            "--show-settings",
            probe,
        ],
        cwd,
    )
    assert result.returncode == 0, result.stderr
    match = re.search(
        r"^linter\.rules\.enabled = \[\n(.*?)^\]", result.stdout, re.MULTILINE | re.DOTALL
    )
    assert match, result.stdout
    codes = set(re.findall(r"\(([A-Z]+[0-9]+)\),?$", match.group(1), re.MULTILINE))
    assert codes, match.group(1)
    return codes


def bandit_test_ids() -> set[str]:
    """Every test the pinned bandit knows (from the list its --help prints)."""
    result = run([sys.executable, "-m", "bandit", "--help"], ROOT)
    ids = set(re.findall(r"^\s+(B[0-9]{3})\s", result.stdout, re.MULTILINE))
    assert {"B101", "B614", "B615"} <= ids, result.stdout
    return ids


def ruff_twin(bandit_test: str) -> str:
    """The Ruff rule that ports a bandit test: S<number>, except two."""
    return {"B613": "PLE2502", "B703": "S308"}.get(bandit_test, "S" + bandit_test[1:])


# --- the bundles ---------------------------------------------------------------


def test_bundles_are_discovered() -> None:
    assert BUNDLE_DIRS, f"no bundle folders under {POLICIES}"
    for name in ("ml-strict", "ml-baseline", "ml-library"):
        latest(name)


@pytest.mark.slow
@per_bundle
def test_ruff_check_accepts_config(bundle: Path, tmp_path: Path) -> None:
    assert check_ruff(bundle / "ruff.toml", make_project(tmp_path)) == []


@pytest.mark.slow
@per_bundle
def test_ruff_format_accepts_config(bundle: Path, tmp_path: Path) -> None:
    assert check_ruff_format(bundle / "ruff.toml", make_project(tmp_path)) == []


@pytest.mark.slow
@per_bundle
def test_ruff_config_keeps_the_contract(bundle: Path, tmp_path: Path) -> None:
    config = load_toml(bundle / "ruff.toml")
    lint = config.get("lint", {})
    assert "ML" in lint.get("external", []), (
        "ML rule codes must be external so `# noqa: MLM001` survives"
    )
    assert "target-version" not in config, "Ruff infers the target from requires-python"
    assert not config.get("preview", False), "bundles use stable rules only"
    assert not lint.get("preview", False), "bundles use stable rules only"
    enabled = ruff_enabled_rules(bundle / "ruff.toml", tmp_path)
    assert "B008" not in enabled, "ml-policy MLM002 replaces B008"


@pytest.mark.slow
def test_baseline_is_a_subset_of_strict(tmp_path: Path) -> None:
    baseline = ruff_enabled_rules(latest("ml-baseline") / "ruff.toml", tmp_path)
    strict = ruff_enabled_rules(latest("ml-strict") / "ruff.toml", tmp_path)
    assert baseline - strict == set(), "moving from ml-baseline to ml-strict must only add rules"
    assert len(baseline) < len(strict)


@pytest.mark.slow
@per_bundle
def test_mypy_accepts_config(bundle: Path, tmp_path: Path) -> None:
    config = bundle / "mypy.toml"
    assert "mypy" in load_toml(config).get("tool", {}), (
        "mypy ignores a .toml file without [tool.mypy]"
    )
    assert check_mypy(config, make_project(tmp_path), tmp_path / "mypy-cache") == []


@pytest.mark.slow
@per_bundle
def test_bandit_accepts_config(bundle: Path, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "src" / "ml_project" / "unsafe_loading.py").write_text(BANDIT_CANARY, "utf-8")
    (project / "tests" / "test_unsafe_loading.py").write_text(BANDIT_CANARY, "utf-8")
    result = run_bandit(bundle / "bandit.toml", project)
    assert bandit_problems(result) == []

    findings = json.loads(result.stdout)["results"]
    found = {(Path(item["filename"]).name, item["test_id"]) for item in findings}
    # The config was read: what only bandit sees is reported (torch.load B614, Hub
    # downloads B615, unless an ml-policy rule owns it: version 3) ...
    skips = set(load_toml(bundle / "bandit.toml")["tool"]["bandit"].get("skips", []))
    for test in ("B614", "B615"):
        assert (("unsafe_loading.py", test) in found) == (test not in skips), test
    # ... what it skips (assert B101, random B311) is not, and tests/ is excluded.
    assert {test for _, test in found} & skips == set()
    assert not [item for item in findings if "/tests/" in item["filename"]]


@pytest.mark.slow
@per_bundle
def test_no_check_runs_in_both_ruff_and_bandit(bundle: Path, tmp_path: Path) -> None:
    bandit = load_toml(bundle / "bandit.toml")["tool"]["bandit"]
    known = bandit_test_ids()
    skips = set(bandit.get("skips", []))
    assert skips <= known, f"unknown bandit tests: {sorted(skips - known)}"
    active = (set(bandit["tests"]) if "tests" in bandit else known) - skips
    for test in ("B614", "B615"):  # Ruff has no rule for torch.load or unpinned Hub downloads
        assert test in active or ml_rule_owns(bundle, test), f"{test}: reported by no tool"
    enabled = ruff_enabled_rules(bundle / "ruff.toml", tmp_path)
    twice = sorted(f"{test}/{ruff_twin(test)}" for test in active if ruff_twin(test) in enabled)
    assert twice == [], "reported by both bandit and Ruff; skip the bandit test"


def ml_rule_owns(bundle: Path, test: str) -> bool:
    """Whether the bundle turns on the ml-policy rule that reports what bandit `test` does."""
    table = load_toml(bundle / "ml-policy.toml")
    owners = [code for code in TWINS.get(test, ()) if code.startswith("ML")]
    return any(
        any(code.startswith(prefix) for prefix in table.get("select", []))
        and code not in table.get("ignore", [])
        for code in owners
    )


# --- the checks above can fail -------------------------------------------------


@pytest.fixture
def any_bundle() -> Path:
    return latest("ml-strict")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("anchor", "replacement", "expected"),
    [
        ("select = [\n", 'select = [\n  "PD901",\n', "PD901"),  # removed in Ruff 0.17: exit 2
        ("ignore = [\n", 'ignore = [\n  "PD901",\n', "PD901"),  # removed, only ignored: a warning
        ("select = [\n", 'select = [\n  "S401",\n', "S401"),  # preview-only: a warning
        ("select = [\n", 'select = [\n  "COM812",\n', "COM812"),  # conflicts with the formatter
        ("[lint]\n", "[lint]\nno-such-setting = true\n", "no-such-setting"),  # unknown key: exit 2
    ],
    ids=[
        "removed-selected",
        "removed-ignored",
        "preview-only",
        "formatter-conflict",
        "unknown-key",
    ],
)
def test_ruff_detector_catches_broken_config(
    any_bundle: Path, tmp_path: Path, anchor: str, replacement: str, expected: str
) -> None:
    broken = copy_bundle(any_bundle, tmp_path)
    edit(broken / "ruff.toml", anchor, replacement)
    project = make_project(tmp_path)
    problems = check_ruff(broken / "ruff.toml", project) + check_ruff_format(
        broken / "ruff.toml", project
    )
    assert any(expected in problem for problem in problems), problems


@pytest.mark.slow
@pytest.mark.parametrize(
    ("anchor", "replacement", "expected"),
    [
        (
            "[tool.mypy]\n",
            "[tool.mypy]\nno_such_option = true\n",
            "Unrecognized option: no_such_option",
        ),
        ('"deprecated",\n', '"deprecated",\n  "no-such-code",\n', "Invalid error code"),
        ("module = [\n", 'module = [\n  "no_such_ml_library.*",\n', "unused section"),
        (
            "ignore_missing_imports = true\n",
            "ignore_missing_imports = true\nwarn_unused_configs = true\n",
            "per-module flags",
        ),
        ("[tool.mypy]\n", "[mypy]\n", "was not applied"),
    ],
    ids=[
        "unknown-option",
        "unknown-error-code",
        "unused-override",
        "global-flag-in-override",
        "no-tool-table",
    ],
)
def test_mypy_detector_catches_broken_config(
    any_bundle: Path, tmp_path: Path, anchor: str, replacement: str, expected: str
) -> None:
    broken = copy_bundle(any_bundle, tmp_path)
    edit(broken / "mypy.toml", anchor, replacement)
    if replacement.startswith("[mypy]"):
        # The overrides table would otherwise keep [tool] alive; drop it too.
        text = (broken / "mypy.toml").read_text("utf-8")
        (broken / "mypy.toml").write_text(
            text.replace("[[tool.mypy.overrides]]", "[[overrides]]"), "utf-8"
        )
    project = tmp_path / "small"
    project.mkdir()
    (project / "uses_sklearn.py").write_text("from sklearn.metrics import f1_score\n", "utf-8")
    problems = check_mypy(broken / "mypy.toml", project, tmp_path / "mypy-cache")
    assert any(expected in problem for problem in problems), problems


@pytest.mark.slow
@pytest.mark.parametrize(
    ("anchor", "replacement", "expected"),
    [
        ("skips = [\n", 'skips = [\n  "B999",\n', "Unknown test found in profile: B999"),
        ("[tool.bandit]\n", '[tool.bandit]\ntests = ["B101"]\n', "Non-exclusive include/exclude"),
    ],
    ids=["unknown-test", "test-both-run-and-skipped"],
)
def test_bandit_detector_catches_broken_config(
    any_bundle: Path, tmp_path: Path, anchor: str, replacement: str, expected: str
) -> None:
    broken = copy_bundle(any_bundle, tmp_path)
    edit(broken / "bandit.toml", anchor, replacement)
    problems = bandit_problems(run_bandit(broken / "bandit.toml", make_project(tmp_path)))
    assert any(expected in problem for problem in problems), problems


@pytest.mark.slow
def test_twice_detector_sees_a_duplicate(any_bundle: Path, tmp_path: Path) -> None:
    """Dropping a skip whose Ruff twin is on must be reported as a double check."""
    bandit = load_toml(any_bundle / "bandit.toml")["tool"]["bandit"]
    enabled = ruff_enabled_rules(any_bundle / "ruff.toml", tmp_path)
    active = bandit_test_ids() - (set(bandit["skips"]) - {"B301"})
    assert "S301" in enabled
    assert sorted(test for test in active if ruff_twin(test) in enabled) == ["B301"]
