"""The wheel carries every bundle: build it, install it outside the checkout, list the bundles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run

from ml_policy import __version__, bundles

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_bundles(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the wheel (pip install uv)"
    run([uv, "build", "--wheel", "--out-dir", tmp_path / "dist", ROOT], tmp_path, check=True)
    wheels = list((tmp_path / "dist").glob(f"ml_policy-{__version__}-*.whl"))
    assert len(wheels) == 1
    venv = tmp_path / "venv"
    run([uv, "venv", "--quiet", venv], tmp_path, check=True)
    run(
        [uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheels[0]],
        tmp_path,
        check=True,
    )

    listed = run([venv / "bin" / "ml-policy", "bundles"], tmp_path, check=True).stdout
    for bundle in bundles.all_bundles():
        assert bundle.ref in listed
    where = run(
        [
            venv / "bin" / "python",
            "-c",
            "from ml_policy import bundles; print(bundles.policies_root())",
        ],
        tmp_path,
        check=True,
    )
    root = Path(where.stdout.strip())
    assert root.is_relative_to(venv), root  # the installed copy, not this checkout
    for bundle in bundles.all_bundles():
        for name in bundles.FILES:
            assert (root / bundle.name / str(bundle.version) / name).read_bytes() == (
                bundle.path / name
            ).read_bytes()
