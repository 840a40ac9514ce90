"""Bundles: listing, lookup, and the immutability of released versions."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import ml_policy

from ml_policy import bundles

# sha256 over every file of each released bundle version (name, NUL, bytes, NUL).
# Released versions never change: edit a bundle by adding a new version folder
# with a CHANGELOG entry, then record its hash here. (The @3 versions were amended once
# before ml-policy 0.3.0, which ships them, was released: the container policy joined.)
RELEASED = {
    "ml-baseline@1": "9b4494750471b7d5aabfbd8977bde07bfb4dec2c64f62e90905236ce891cc37a",
    "ml-baseline@2": "1c7e77970aeed6d339cdc1c3b9f3f2434874a5568aa48df87d420e605f1f9eec",
    "ml-baseline@3": "c56caef824a797aa6f7752737bb8e5be1f3b392a4c194f8eb500c13ca81f9a74",
    "ml-library@1": "d048f4aa09e067ed46e61fb67e7cf5aacebd8f74ad9f1c16dcdd30659ce76124",
    "ml-library@2": "eca1874cf80259ace1e252942c4a3b08acd354215bfd7883e8e4578b9d07445d",
    "ml-library@3": "fc2d354d69d2884359eb37c552ee12a48ba773af4dbcc674c92026375e8743e8",
    "ml-strict@1": "b4236cb4a24c8fb2f7b54f748b317dbf64a6b842e08bb008d45136f402c70531",
    "ml-strict@2": "5a53f27684fd436a6740d415ca6f9682d815f6e07dc50c2786abf08b97adcd63",
    "ml-strict@3": "e348e768c0fbf97939083dc9abfd7916a82596cfc456fd446f9d20966ac4f623",
}


# Caches that tools write beside any config they read; never shipped (see the wheel's exclude).
TOOL_CACHES = {"__pycache__", ".ruff_cache", ".mypy_cache"}


def shipped(paths: Iterable[Path]) -> list[Path]:
    return sorted(p for p in paths if not TOOL_CACHES.intersection(p.parts))


def digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in shipped(p for p in folder.rglob("*") if p.is_file()):
        sha.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


@pytest.mark.parametrize("bundle", bundles.all_bundles(), ids=lambda b: b.ref)
def test_released_bundles_never_change(bundle: bundles.Bundle) -> None:
    assert bundle.ref in RELEASED, (
        f"{bundle.ref} is new: record its hash {digest(bundle.path)} in RELEASED"
    )
    assert digest(bundle.path) == RELEASED[bundle.ref], (
        f"{bundle.ref} was edited; released bundles are immutable: put the change in a new version"
    )


def test_every_released_bundle_is_still_shipped() -> None:
    assert sorted(RELEASED) == sorted(b.ref for b in bundles.all_bundles())


@pytest.mark.parametrize("bundle", bundles.all_bundles(), ids=lambda b: b.ref)
def test_bundle_folder_is_complete_and_consistent(bundle: bundles.Bundle) -> None:
    assert sorted(p.name for p in shipped(bundle.path.iterdir())) == sorted(bundles.FILES)
    assert bundle.path.parent.name == bundle.name
    assert bundle.path.name == str(bundle.version)
    assert bundle.summary
    assert bundle.changes
    assert "ML" in bundle.ruff()["lint"]["external"]
    assert bundle.ml_policy_settings()["select"]


def test_bundle_tool_versions_are_the_pinned_ones() -> None:
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    for bundle in bundles.all_bundles():
        if bundle == bundles.latest(bundle.name):
            for tool, version in bundle.tools.items():
                assert f'"{tool}=={version}"' in pyproject, (bundle.ref, tool)


def test_every_bundle_hook_exists_in_the_manifest() -> None:
    manifest = (Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text()
    for bundle in bundles.all_bundles():
        for hook in bundle.hook_ids():
            assert f"- id: {hook}\n" in manifest, (bundle.ref, hook)


def test_lookup() -> None:
    assert bundles.get("ml-strict").ref == bundles.latest("ml-strict").ref
    assert bundles.get("ml-strict@1").version == 1
    with pytest.raises(bundles.BundleError, match="ml-strict has no version 7"):
        bundles.get("ml-strict@7")
    with pytest.raises(bundles.BundleError, match="not a bundle reference"):
        bundles.get("ml strict")


@pytest.mark.slow
def test_bundles_command_lists_every_version(tmp_path: Path) -> None:
    result = ml_policy("bundles", cwd=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(bundles.all_bundles())
    for bundle, line in zip(bundles.all_bundles(), lines, strict=True):
        assert line.startswith(bundle.ref)
        assert bundle.summary in line


@pytest.mark.slow
def test_bundles_show(tmp_path: Path) -> None:
    result = ml_policy("bundles", "show", "ml-baseline@1", cwd=tmp_path)
    assert result.returncode == 0
    for name in bundles.FILES[1:]:  # every file after bundle.toml, whose fields head the output
        assert f"--- {name} ---" in result.stdout
    rules = next(line for line in result.stdout.splitlines() if line.startswith("ML rules on"))
    assert "(those of ml-policy 0.1.0 and before)" in rules
    assert "MLM001" in rules
    assert "MLP001" not in rules  # ml-baseline leaves it off
    assert "MLG001" not in rules  # added after the bundle's release
    later = ml_policy("bundles", "show", "ml-baseline@2", cwd=tmp_path).stdout
    assert "MLG001" in next(line for line in later.splitlines() if line.startswith("ML rules"))
    missing = ml_policy("bundles", "show", "ml-nope", cwd=tmp_path)
    assert missing.returncode == 2
    assert "no bundle named 'ml-nope'" in missing.stderr
