"""Which bundle `ml-policy init` proposes (apply/choose.py), and that it says why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tomllib
from conftest import ml_policy, write_files

from ml_policy import bundles
from ml_policy.apply.choose import MAX_ENTRIES, Choice
from ml_policy.apply.init import choose_bundle
from ml_policy.config import SettingsResolver

REAL = Path(__file__).parent / "fixtures" / "deps" / "real"
ML_PROJECT = Path(__file__).parent / "fixtures" / "ml_project"

NAME = '[project]\nname = "pkg"\nversion = "1.0"\n'
HATCHLING = '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
LIBRARY = NAME + HATCHLING
LATEST_LIBRARY = bundles.latest("ml-library").ref
CLASSIFIERS = 'classifiers = ["Programming Language :: Python :: 3"]\n'
OVERRIDE = "--bundle overrides"


def choice(root: Path, files: dict[str, str], given: str | None = None) -> Choice:
    write_files(root, files)
    return choose_bundle(root, given)


# --- one repository per signal combination --------------------------------------------


@pytest.mark.parametrize(
    ("files", "bundle", "reason"),
    [
        # no package
        ({}, "ml-strict", "no package is built here"),
        ({"pyproject.toml": NAME}, "ml-strict", "no package is built here"),
        ({"pyproject.toml": HATCHLING}, "ml-strict", "no package is built here"),  # no name
        ({"setup.cfg": "[flake8]\nmax-line-length = 100\n"}, "ml-strict", "no package"),
        ({"requirements.txt": "torch==2.5.1\n"}, "ml-strict", "no package is built here"),
        # a package without a lock file: a library
        (
            {"pyproject.toml": LIBRARY},
            "ml-library",
            "pyproject.toml has [project] and a build backend (hatchling), no lock file",
        ),
        (
            {
                "pyproject.toml": '[tool.poetry]\nname = "pkg"\n\n[build-system]\n'
                'requires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
            },
            "ml-library",
            "pyproject.toml has [tool.poetry] and a build backend (poetry), no lock file",
        ),
        (
            {"pyproject.toml": NAME + '\n[build-system]\nrequires = ["setuptools>=61"]\n'},
            "ml-library",
            "a build backend (setuptools), no lock file",  # PEP 517's default backend
        ),
        (
            {"pyproject.toml": NAME + '\n[build-system]\nbuild-backend = "x y/z"\n'},
            "ml-library",
            "a build backend (declared)",  # not a module name: not repeated
        ),
        ({"setup.py": "from setuptools import setup\nsetup()\n"}, "ml-library", "setup.py builds"),
        (
            {"setup.cfg": "[metadata]\nname = pkg\n"},
            "ml-library",
            "setup.cfg has [metadata] name, no lock file",
        ),
        # a lock file: an application
        ({"pyproject.toml": LIBRARY, "uv.lock": ""}, "ml-strict", "a lock file (uv.lock) pins"),
        (
            {"setup.py": "setup()\n", "Pipfile.lock": "{}", "poetry.lock": ""},
            "ml-strict",
            "a lock file (Pipfile.lock and poetry.lock) pins the environment",
        ),
        # marked never to be published
        (
            {"pyproject.toml": NAME + 'classifiers = ["Private :: Do Not Upload"]\n' + HATCHLING},
            "ml-strict",
            "but marked never to be published (the classifier Private :: Do Not Upload)",
        ),
        (
            {"pyproject.toml": LIBRARY + "\n[tool.uv]\npackage = false\n"},
            "ml-strict",
            "marked never to be published ([tool.uv] package = false)",
        ),
        (
            {"pyproject.toml": LIBRARY + "\n[tool.poetry]\npackage-mode = false\n"},
            "ml-strict",
            "marked never to be published ([tool.poetry] package-mode = false)",
        ),
        # a training layout without PyPI metadata: a training repository
        (
            {"pyproject.toml": LIBRARY, "scripts/train_resnet.py": ""},
            "ml-strict",
            "no lock file, but a training layout (scripts/train_resnet.py) and no classifiers",
        ),
        (
            {"pyproject.toml": LIBRARY, "configs/model.yaml": "", "notebooks/eda.ipynb": "{}"},
            "ml-strict",
            "a training layout (configs/ and notebooks/)",
        ),
        (
            {"setup.py": "setup()\n", "finetune.py": "", "conf/config.yaml": "", "a.ipynb": "{}"},
            "ml-strict",
            "a training layout (finetune.py, conf/ and a.ipynb)",
        ),
        # ... with PyPI metadata: a library that also ships its training scripts (timm)
        (
            {"pyproject.toml": NAME + CLASSIFIERS + HATCHLING, "train.py": ""},
            "ml-library",
            "no lock file, classifiers for PyPI",
        ),
        (
            {
                "pyproject.toml": LIBRARY + '\n[project.urls]\nHomepage = "https://x.invalid"\n',
                "notebooks/demo.ipynb": "{}",
            },
            "ml-library",
            "no lock file, project URLs for PyPI",
        ),
        (
            {
                "setup.py": "setup(\n    url='https://x.invalid',\n    classifiers=[],\n)\n",
                "tools/train.py": "",
            },
            "ml-library",
            "setup.py builds a package, no lock file, classifiers and project URLs for PyPI",
        ),
        # folders that only look like a training layout
        (
            {"pyproject.toml": LIBRARY, "configs/README.md": "", "notebooks/README.md": ""},
            "ml-library",
            "no lock file",
        ),
        ({"pyproject.toml": LIBRARY, "src/pkg/train.py": ""}, "ml-library", "no lock file"),
        # the deps mode the repository already declares
        (
            {"pyproject.toml": '[tool.ml-policy.deps]\nmode = "library"\n'},
            "ml-library",
            'pyproject.toml sets [tool.ml-policy.deps] mode = "library"',
        ),
        (
            {"pyproject.toml": LIBRARY + '\n[tool.ml-policy.deps]\nmode = "app"\n'},
            "ml-strict",
            'mode = "app"',
        ),
        # a malformed pyproject.toml is init's to report (with its line): no guess from it
        ({"pyproject.toml": LIBRARY + "[[[\n"}, "ml-strict", "no package is built here"),
    ],
)
def test_guess(tmp_path: Path, files: dict[str, str], bundle: str, reason: str) -> None:
    chosen = choice(tmp_path, files)
    assert chosen.ref == bundle
    assert reason in chosen.reasons[0]
    assert chosen.reasons[-1] == OVERRIDE


def test_the_explanation_reads_as_one_line(tmp_path: Path) -> None:
    assert choice(tmp_path, {"pyproject.toml": LIBRARY}).explain() == (
        "ml-library: pyproject.toml has [project] and a build backend (hatchling), "
        "no lock file; --bundle overrides"
    )


@pytest.mark.parametrize(
    "lock",
    [
        "uv.lock",
        "poetry.lock",
        "pdm.lock",
        "Pipfile.lock",
        "pixi.lock",
        "conda-lock.yml",
        "gpu.conda-lock.yml",
        "pylock.toml",
        "pylock.train.toml",
    ],
)
def test_every_lock_file_makes_an_application(tmp_path: Path, lock: str) -> None:
    chosen = choice(tmp_path, {"pyproject.toml": LIBRARY, lock: ""})
    assert (chosen.ref, chosen.reasons[0]) == (
        "ml-strict",
        f"a lock file ({lock}) pins the environment, as applications do",
    )


def test_recorded_bundle_wins_over_the_guess(tmp_path: Path) -> None:
    recorded = LIBRARY + '\n[tool.ml-policy]\nbundle = "ml-baseline@1"\n'
    assert choice(tmp_path, {"pyproject.toml": recorded}) == Choice(
        "ml-baseline@1", ("recorded in pyproject.toml by an earlier init", OVERRIDE)
    )


def test_bundle_option_wins_over_both(tmp_path: Path) -> None:
    recorded = LIBRARY + '\n[tool.ml-policy]\nbundle = "ml-baseline@1"\n'
    assert choice(tmp_path, {"pyproject.toml": recorded}, given="ml-strict@1") == Choice(
        "ml-strict@1", ("given with --bundle",)
    )


def test_a_link_to_a_setup_py_elsewhere_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("setup(classifiers=[])\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "setup.py").symlink_to(outside)
    assert choice(repo, {}).ref == "ml-strict"


@pytest.mark.slow
def test_a_huge_top_folder_is_listed_only_so_far(tmp_path: Path) -> None:
    files = {f"sample_{n:05}.txt": "" for n in range(MAX_ENTRIES + 10)}
    chosen = choice(tmp_path, {**files, "setup.py": "setup()\n"})
    assert chosen.ref == "ml-library"  # setup.py is read by name, not found by listing


# --- real projects (their manifests as they ship them) -------------------------------

REAL_PROJECTS = {
    # published libraries
    "accelerate": "ml-library",
    "diffusers": "ml-library",
    "lightning": "ml-library",
    "mmengine": "ml-library",
    "open_clip": "ml-library",
    "peft": "ml-library",
    "sentence-transformers": "ml-library",
    "stable-baselines3": "ml-library",
    "timm": "ml-library",
    "torchgeo": "ml-library",
    "ultralytics": "ml-library",
    # training repositories, images and locked applications
    "icevision": "ml-strict",  # its conda environment file only
    "stable-diffusion": "ml-strict",
    "mast3r-docker": "ml-strict",
    "rocm-llm-docker": "ml-strict",
    "transformers-docker": "ml-strict",
    "torchmetrics": "ml-strict",  # its requirements files only
    "uv-torch-extras": "ml-strict",  # uv.lock
}


def copy_templates(source: Path, target: Path) -> None:
    """A fixture project as it ships: `.tmpl` suffixes dropped (and `_Dockerfile` renamed)."""
    for template in (path for path in source.rglob("*") if path.is_file()):
        relative = template.relative_to(source)
        relative = relative.with_suffix("") if relative.suffix == ".tmpl" else relative
        name = "Dockerfile" if relative.name == "_Dockerfile" else relative.name
        path = target / relative.with_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)


def test_every_real_project_is_listed() -> None:
    assert sorted(REAL_PROJECTS) == sorted(p.name for p in REAL.iterdir() if p.is_dir())


@pytest.mark.parametrize(("project", "bundle"), sorted(REAL_PROJECTS.items()))
def test_real_projects(tmp_path: Path, project: str, bundle: str) -> None:
    copy_templates(REAL / project, tmp_path)
    assert choose_bundle(tmp_path, None).ref == bundle


# --- through the CLI ------------------------------------------------------------------


@pytest.mark.slow
def test_init_dry_run_prints_the_guess_and_why(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": LIBRARY})
    result = ml_policy("init", "--dry-run", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"ml-policy init: {LATEST_LIBRARY} into .\n"
        "ml-policy init: ml-library: pyproject.toml has [project] and a build backend "
        "(hatchling), no lock file; --bundle overrides\n"
    )
    assert (git_repo / "pyproject.toml").read_text() == LIBRARY  # a dry run writes nothing


@pytest.mark.slow
def test_init_records_the_guess_and_the_deps_mode_follows(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": LIBRARY})
    assert ml_policy("init", cwd=git_repo).returncode == 0
    written = tomllib.loads((git_repo / "pyproject.toml").read_text())
    assert written["tool"]["ml-policy"] == {"bundle": LATEST_LIBRARY}
    settings = SettingsResolver(cwd=git_repo).for_path(git_repo / "pyproject.toml")
    assert settings.deps.mode == "library"  # ml-library's ml-policy.toml
    # A lock file added later does not change what was recorded.
    write_files(git_repo, {"uv.lock": ""})
    again = ml_policy("init", cwd=git_repo)
    assert again.returncode == 0, again.stderr
    assert (
        f"ml-policy init: {LATEST_LIBRARY}: recorded in pyproject.toml by an earlier init; "
        "--bundle overrides\n" in again.stdout
    )
    assert again.stdout.endswith("nothing to change\n")


@pytest.mark.slow
def test_init_bundle_option_overrides_the_guess(git_repo: Path) -> None:
    write_files(git_repo, {"pyproject.toml": LIBRARY})
    result = ml_policy("init", "--dry-run", "--bundle", "ml-baseline", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert f"ml-policy init: {bundles.latest('ml-baseline').ref} into .\n" in result.stdout
    assert "ml-policy init: ml-baseline: given with --bundle\n" in result.stdout


@pytest.mark.slow
def test_init_on_a_training_repository(git_repo: Path) -> None:
    copy_templates(ML_PROJECT, git_repo)
    write_files(git_repo, {"uv.lock": "version = 1\n"})
    result = ml_policy("init", "--dry-run", git_repo, cwd=git_repo.parent)
    assert result.returncode == 0, result.stderr
    assert (
        "ml-policy init: ml-strict: a lock file (uv.lock) pins the environment, "
        "as applications do; --bundle overrides\n" in result.stdout
    )
    (git_repo / "uv.lock").unlink()
    result = ml_policy("init", "--dry-run", git_repo, cwd=git_repo.parent)
    assert (
        "ml-policy init: ml-strict: pyproject.toml has [project] and a build backend "
        "(hatchling), no lock file, but a training layout (scripts/train.py, configs/ and "
        "notebooks/) and no classifiers or project URLs for PyPI; --bundle overrides\n"
    ) in result.stdout


@pytest.mark.slow
def test_init_reads_nothing_through_a_pyproject_link_to_outside(git_repo: Path) -> None:
    outside = git_repo.parent / "outside.toml"
    outside.write_text(LIBRARY)
    (git_repo / "pyproject.toml").symlink_to(outside)
    result = ml_policy("init", "--dry-run", cwd=git_repo)
    assert result.returncode == 2
    assert "a symbolic link to a file outside the repository" in result.stderr
    assert "ml-library" not in result.stdout
