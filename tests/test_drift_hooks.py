"""MLG004's hook details: a bundle hook present in .pre-commit-config.yaml but narrowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from drift_repo import BUNDLE, findings, pyproject
from ruamel.yaml import YAML

from ml_policy.drift.hook_details import HOOKS
from ml_policy.drift.rule import initialised

ROOT = Path(__file__).resolve().parent.parent
CODES = ("MLG004",)


def config_with(hook: str, *lines: str) -> tuple[str, int]:
    """The initialised .pre-commit-config.yaml with `lines` under `hook`; the first one's line."""
    text = str(initialised(BUNDLE)[".pre-commit-config.yaml"])
    rows = text.splitlines()
    index = rows.index(f"      - id: {hook}")
    rows[index + 1 : index + 1] = [f"        {line}" for line in lines]
    return "\n".join(rows) + "\n", index + 2


@pytest.mark.parametrize(
    ("hook", "line"),
    [
        ("ml-policy-ruff", 'entry: "true"'),
        ("ml-policy-ruff", 'entry: "true ml-policy ruff check --force-exclude"'),
        ("ml-policy-lint", "entry: uv run ml-policy lint --exit-zero"),
        ("ml-policy-ruff", "args: [--exit-zero]"),
        ("ml-policy-ruff", "args: [--extend-ignore, S]"),
        ("ml-policy-ruff", "args: [--config, other.toml]"),
        ("ml-policy-ruff", "args: [\"--config=lint.ignore=['S']\"]"),
        ("ml-policy-ruff-format", "args: [--exclude, src]"),
        ("ml-policy-mypy", "args: [--ignore-missing-imports]"),
        ("ml-policy-mypy", "args: [--follow-imports=skip]"),
        ("ml-policy-mypy", "args: [--allow-untyped-defs]"),
        ("ml-policy-mypy", "args: [--no-warn-return-any]"),
        ("ml-policy-mypy", "args: [--config-file, setup.cfg]"),
        ("ml-policy-bandit", "args: [-ll]"),
        ("ml-policy-bandit", "args: [--skip, B614]"),
        ("ml-policy-bandit", "args: [--severity-level=high]"),
        ("ml-policy-lint", "args: [--ignore, MLM001]"),
        ("ml-policy-lint", "args: [--select, MLM]"),
        ("ml-policy-secrets", "args: [--update-baseline]"),
        ("ml-policy-mypy", "exclude: ^src/"),
        ("ml-policy-lint", "files: ^src/demo/train"),
        ("ml-policy-ruff", "stages: [manual]"),
    ],
)
def test_narrowed_hook(tmp_path: Path, hook: str, line: str) -> None:
    text, where = config_with(hook, line)
    found = findings(tmp_path, {".pre-commit-config.yaml": text}, CODES)
    assert found == [f".pre-commit-config.yaml:{where} MLG004"]


@pytest.mark.parametrize(
    ("hook", "line"),
    [
        ("ml-policy-ruff", "args: [--show-fixes, --output-format=full]"),
        ("ml-policy-ruff", "args: [--config, pyproject.toml]"),
        ("ml-policy-ruff", "args: [--extend-select, FURB]"),
        ("ml-policy-ruff", "entry: ml-policy ruff check --force-exclude"),
        ("ml-policy-ruff", "entry: uv run --frozen ml-policy ruff check --force-exclude"),
        ("ml-policy-lint", "entry: pipx run ml-policy lint"),
        ("ml-policy-ruff-format", "args: [--diff]"),
        ("ml-policy-mypy", "args: [--strict, --warn-unreachable, --no-implicit-reexport]"),
        ("ml-policy-mypy", "args: [--follow-imports=silent]"),
        ("ml-policy-bandit", "args: [-l, --confidence-level=low]"),
        ("ml-policy-lint", "args: [--select, ML]"),
        ("ml-policy-lint", "args: [--extend-select, MLP003]"),
        ("ml-policy-mypy", "exclude: ^tests/"),
        ("ml-policy-ruff", "files: ^(src|tests)/"),
        ("ml-policy-ruff", "stages: [pre-push]"),
        ("ml-policy-ruff", "verbose: true"),
    ],
)
def test_harmless_hook_details(tmp_path: Path, hook: str, line: str) -> None:
    text, _ = config_with(hook, line)
    assert findings(tmp_path, {".pre-commit-config.yaml": text}, CODES) == []


def test_override_accepts_one_argument(tmp_path: Path) -> None:
    text, where = config_with("ml-policy-mypy", "args:", "  - --ignore-missing-imports", "  - -v")
    override = (
        '[tool.ml-policy.overrides]\n"pre-commit.ml-policy-mypy.args" = '
        '{ add = ["--ignore-missing-imports"], reason = "torch is not installed in CI" }\n'
    )
    changed = {".pre-commit-config.yaml": text, "pyproject.toml": pyproject(override)}
    assert findings(tmp_path, changed, CODES) == []
    text, where = config_with(
        "ml-policy-mypy", "args:", "  - --ignore-missing-imports", "  - --allow-untyped-defs"
    )
    changed[".pre-commit-config.yaml"] = text
    assert findings(tmp_path, changed, CODES) == [f".pre-commit-config.yaml:{where + 2} MLG004"]


def test_top_level_exclude(tmp_path: Path) -> None:
    text = "exclude: ^src/\n" + str(initialised(BUNDLE)[".pre-commit-config.yaml"])
    assert findings(tmp_path, {".pre-commit-config.yaml": text}, CODES) == [
        ".pre-commit-config.yaml:1 MLG004"
    ]
    text = "exclude: ^(docs|tests)/\n" + str(initialised(BUNDLE)[".pre-commit-config.yaml"])
    assert findings(tmp_path, {".pre-commit-config.yaml": text}, CODES) == []


def test_hook_specs_are_the_manifest() -> None:
    manifest = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in manifest:
        spec = HOOKS[hook["id"]]
        assert spec.entry == hook["entry"]
        assert spec.files == hook.get("files")
        python = {*hook.get("types", []), *hook.get("types_or", [])} & {"python", "pyi"}
        assert spec.python == bool(python), hook["id"]
    assert set(HOOKS) == {hook["id"] for hook in manifest}


def _with_rev(rev: str) -> tuple[str, int]:
    """The initialised configuration with the ml-policy entry at `rev`; the rev's line."""
    text = str(initialised(BUNDLE)[".pre-commit-config.yaml"])
    rows = text.splitlines()
    index = next(n for n, row in enumerate(rows) if row.strip().startswith("rev: v"))
    rows[index] = rows[index].split("rev:")[0] + f"rev: {rev}"
    return "\n".join(rows) + "\n", index + 1


@pytest.mark.parametrize("rev", ["v0.1.0", "0123456789abcdef0123456789abcdef01234567", "main"])
def test_a_rev_before_the_bundles_release_or_not_a_version_is_weaker(
    tmp_path: Path, rev: str
) -> None:
    text, where = _with_rev(rev)  # ml-strict@2 came with 0.2.0: 0.1.0 lacks its MLG rules
    found = findings(tmp_path, {".pre-commit-config.yaml": text}, CODES)
    assert found == [f".pre-commit-config.yaml:{where} MLG004"]


@pytest.mark.parametrize("rev", ["v0.2.0", "'v0.2.0'  # the bundle's release"])
def test_the_bundles_own_release_is_not_weaker_than_a_newer_ml_policy(
    tmp_path: Path, rev: str
) -> None:
    text, _ = _with_rev(rev)
    assert findings(tmp_path, {".pre-commit-config.yaml": text}, CODES) == []
