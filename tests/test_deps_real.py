"""The MLD checker over real manifests of ML projects (tests/fixtures/deps/real/<project>/).

The fixtures are the manifests as their projects ship them: pyproject.toml,
setup.py, setup.cfg and requirements files from the sdists on PyPI (timm,
peft, accelerate, torchmetrics, open_clip_torch, sentence-transformers,
lightning, diffusers, mmengine, torchgeo, stable-baselines3, ultralytics),
conda environment files of CompVis/stable-diffusion and icevision,
Dockerfiles of huggingface/transformers, MASt3R and a ROCm LLM image, and a
uv project with CUDA extras. They end in `.tmpl` (and Dockerfiles start with
`_`) so that running ml-policy on this repository does not report them; each
test copies a project into a git repository of its own under its real name.

expected.json lists every finding, each read by hand (see the CHANGELOG
entry and the report for the false positives). Regenerate after a deliberate
change with: uv run python tests/test_deps_real.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ml_policy.checkers import RunOptions
from ml_policy.config import SettingsResolver
from ml_policy.deps.checker import check

REAL = Path(__file__).parent / "fixtures" / "deps" / "real"
EXPECTED = REAL / "expected.json"
LIBRARY_SETTINGS = '[tool.ml-policy.deps]\nmode = "library"\n'
PROJECTS = sorted(p.name for p in REAL.iterdir() if p.is_dir())


def project_findings(project: str, base: Path, mode: str) -> list[list[object]]:
    """Copy one project into a git repository under `base` and check every file in it."""
    if mode == "library":
        (base / "pyproject.toml").write_text(LIBRARY_SETTINGS, encoding="utf-8")
    root = base / project
    for template in (REAL / project).rglob("*.tmpl"):
        relative = template.relative_to(REAL / project).with_suffix("")
        name = "Dockerfile" if relative.name == "_Dockerfile" else relative.name
        target = root / relative.with_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
    subprocess.run(["git", "init", "-q"], cwd=base, check=True)
    subprocess.run(["git", "add", "."], cwd=base, check=True)  # lock files count when tracked
    files = sorted(p for p in root.rglob("*") if p.is_file())
    found = check(files, SettingsResolver(cwd=base), RunOptions())
    return sorted([d.path.relative_to(root).as_posix(), d.line, d.code] for d in found)


def test_there_are_at_least_ten_projects() -> None:
    assert len(PROJECTS) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["app", "library"])
@pytest.mark.parametrize("project", PROJECTS)
def test_findings_on_real_manifests(tmp_path: Path, project: str, mode: str) -> None:
    expected = json.loads(EXPECTED.read_text("utf-8"))[mode].get(project, [])
    found = project_findings(project, tmp_path, mode)
    assert not [f for f in found if f[2] == "MLE001"], "a real manifest could not be read"
    assert found == expected


def _regenerate() -> None:  # pragma: no cover - run by hand after reviewing the findings
    import tempfile

    result: dict[str, dict[str, list[list[object]]]] = {"app": {}, "library": {}}
    for mode, by_project in result.items():
        for project in PROJECTS:
            with tempfile.TemporaryDirectory() as folder:
                found = project_findings(project, Path(folder), mode)
            if found:
                by_project[project] = found
    EXPECTED.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    _regenerate()
