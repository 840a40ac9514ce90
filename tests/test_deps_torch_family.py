"""The shipped torch family table (MLD005) against release history recorded from PyPI.

tests/fixtures/deps/torch_family_pypi.json was recorded on the date it names
from PyPI: for every torchvision and torchaudio release, the `Requires-Dist`
on torch in one of its wheels' METADATA (read with HTTP range requests from
files.pythonhosted.org), and first upload times from the JSON API. The test
needs no network: it checks the table against that record.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from ml_policy.deps.torch_family import COMPANIONS, load_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EVIDENCE = Path(__file__).parent / "fixtures" / "deps" / "torch_family_pypi.json"
TABLE = Path(__file__).parents[1] / "src" / "ml_policy" / "deps" / "torch_family.toml"


def _evidence() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EVIDENCE.read_text("utf-8"))
    return data


def _exact_torch(requirement: str | None) -> Version | None:
    """X of `torch (==X)` / `torch==X+cu117`, None for ranges, prefixes or no version."""
    if requirement is None:
        return None
    specifiers = list(Requirement(requirement).specifier)
    if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
        return None
    return Version(Version(specifiers[0].version).public)


def _rows() -> list[tuple[str, str, str]]:
    data = tomllib.loads(TABLE.read_text("utf-8"))
    return [(package, v, t) for package in COMPANIONS for v, t in data[package].items()]


@pytest.mark.parametrize(("package", "version", "torch"), _rows())
def test_every_row_matches_the_recorded_release(package: str, version: str, torch: str) -> None:
    releases = _evidence()["releases"]
    record = releases[package][version]
    declared = _exact_torch(record["torch_requirement"])
    if declared is not None:
        assert declared == Version(torch), record
        return
    # The wheel names torch without a version: paired by same-day upload.
    assert record["torch_requirement"] == "torch", record
    companion_upload = datetime.fromisoformat(record["uploaded"].replace("Z", "+00:00"))
    torch_upload = datetime.fromisoformat(
        releases["torch"][torch]["uploaded"].replace("Z", "+00:00")
    )
    assert abs((companion_upload - torch_upload).total_seconds()) < 36 * 3600


def test_every_recorded_exact_requirement_is_in_the_table() -> None:
    table = load_table()
    releases = _evidence()["releases"]
    missing = [
        (package, version)
        for package in COMPANIONS
        for version, record in releases[package].items()
        if _exact_torch(record["torch_requirement"]) is not None
        and table.torch_for(package, version) is None
    ]
    assert missing == []


def test_releases_declaring_ranges_stay_out_of_the_table() -> None:
    table = load_table()
    assert table.torch_for("torchvision", "0.29.1") is None  # Requires-Dist: torch>=2.14.0
    assert table.torch_for("torchaudio", "2.11.1") is None  # Requires-Dist: torch>=2.11


def test_table_loads_from_the_package_and_knows_well_known_pairs() -> None:
    table = load_table()
    assert table.torch_for("torchvision", "0.16.0+cu121") == Version("2.1.0")
    assert table.torch_for("torchaudio", "2.0.2") == Version("2.0.1")
    assert table.releases_for("torchvision", "2.5.1") == ["0.20.1"]
    assert table.knows_torch("2.2")  # 2.2 == 2.2.0
    assert not table.knows_torch("9.9.9")
