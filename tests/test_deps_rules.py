"""MLD001-MLD005 per manifest kind, positive and negative, through the checker itself.

Lock-file coverage (which needs git) is tested end to end in test_deps_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_deps_support import diagnostics, findings

from ml_policy.diagnostics import Severity

LIBRARY = '[tool.ml-policy.deps]\nmode = "library"\n'


# --- MLD001: requirements files --------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("torch", True),
        ("torch>=2.1", True),
        ("torch>=2.1,<3", True),
        ("torch==2.*", True),
        ("torch~=2.1", True),
        ("torch!=2.0.0", True),
        ("Scikit_Learn>=1.4", True),  # PEP 503 name
        ("torch[opt]>=2 ; python_version >= '3.10'", True),
        ("torch @ https://download.pytorch.org/whl/torch-2.1.0-cp311-none-any.whl", True),
        ("torch @ git+https://github.com/pytorch/pytorch@v2.1.0", True),
        ("git+https://github.com/huggingface/transformers@main#egg=transformers", True),
        ("torch==2.1.0", False),
        ("torch==2.1.0+cu121", False),
        ("torch===2.1.0", False),
        ("torch==2.1.0 ; sys_platform == 'linux'", False),
        ("torch @ https://x.org/torch-2.1.0-cp311-none-any.whl#sha256=" + "a" * 64, False),
        ("torch @ git+https://github.com/pytorch/pytorch@" + "0123456789" * 4, False),
        ("requests", False),  # not an ML package
        ("./vendor/torch", False),  # a local path: nothing to pin
        ("torch>=${TORCH_MIN}", False),  # pip expands it at install time: cannot tell
    ],
)
def test_requirements_line(tmp_path: Path, line: str, reported: bool) -> None:
    found = findings(tmp_path, {"requirements.txt": f"# deps\n{line}\n"})
    assert found == ([("requirements.txt", 2, "MLD001")] if reported else [])


def test_requirements_diagnostic_position_and_message(tmp_path: Path) -> None:
    (diagnostic,) = diagnostics(tmp_path, {"requirements-gpu.txt": "numpy==1.26.4\n  torch>=2.1\n"})
    assert (diagnostic.line, diagnostic.column, diagnostic.end_column) == (2, 3, 13)
    assert diagnostic.severity is Severity.ERROR
    assert "`torch>=2.1`" in diagnostic.message
    assert "only a lower bound" in diagnostic.message
    assert "pin an exact version (torch==X.Y.Z)" in diagnostic.message


def test_requirements_continuation_hash_and_comment(tmp_path: Path) -> None:
    text = (
        "numpy==1.26.4 \\\n"
        "    --hash=sha256:" + "b" * 64 + "\n"
        "pandas \\\n"
        "    --hash=sha256:" + "c" * 64 + "  # a comment\n"
        "scipy>=1 # comment \\\n"
        "torch\n"
    )
    found = findings(tmp_path, {"requirements.txt": text})
    assert found == [
        ("requirements.txt", 3, "MLD001"),
        ("requirements.txt", 5, "MLD001"),
        ("requirements.txt", 6, "MLD001"),
    ]


def test_includes_are_followed_relative_to_the_including_file(tmp_path: Path) -> None:
    files = {
        "requirements/dev.txt": "-r base.txt\npytest\n",
        "requirements/base.txt": "torch>=2\n",
    }
    found = findings(tmp_path, {"requirements/dev.txt": files["requirements/dev.txt"]} | files)
    assert found == [("requirements/base.txt", 1, "MLD001")]  # reported once


def test_constraint_file_pin_covers_the_requirement(tmp_path: Path) -> None:
    files = {
        "requirements.in": "-c constraints.txt\ntorch\ntransformers\n",
        "constraints.txt": "torch==2.5.1\n",
    }
    assert findings(tmp_path, files) == [("requirements.in", 3, "MLD001")]


def test_constraint_file_range_is_reported(tmp_path: Path) -> None:
    assert findings(tmp_path, {"constraints.txt": "torch<3\n"}) == [
        ("constraints.txt", 1, "MLD001")
    ]


def test_editable_vcs_requirement(tmp_path: Path) -> None:
    text = (
        "-e git+https://github.com/huggingface/peft.git@main#egg=peft\n"
        "-e git+https://github.com/huggingface/timm.git@" + "f" * 40 + "#egg=timm\n"
        "-e .\n"
    )
    assert findings(tmp_path, {"requirements.txt": text}) == [("requirements.txt", 1, "MLD001")]


@pytest.mark.parametrize(
    "name",
    ["requirements.in", "requirements-gpu.txt", "dev-requirements.txt", "reqs/train.txt"],
)
def test_requirements_file_names(tmp_path: Path, name: str) -> None:
    assert findings(tmp_path, {name: "torch\n"}) == [(name, 1, "MLD001")]


def test_files_that_are_not_requirements_files_are_ignored(tmp_path: Path) -> None:
    files = {"MANIFEST.in": "torch\n", "notes.txt": "torch\n", "data/requirements.csv": "torch\n"}
    assert findings(tmp_path, files) == []


def test_ml_packages_setting_extends_the_list(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.ml-policy]\nml-packages = ["Open_Clip-Torch"]\n',
        "requirements.txt": "open-clip-torch>=2\nrequests>=2\n",
    }
    assert findings(tmp_path, files) == [("requirements.txt", 1, "MLD001")]


def test_bounded_pin_setting_accepts_upper_bounds(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.ml-policy.deps]\npin = "bounded"\n',
        "requirements.txt": "torch>=2.1,<2.2\nnumpy~=1.26\njax>=0.4\n",
    }
    assert findings(tmp_path, files) == [("requirements.txt", 3, "MLD001")]


# --- MLD001 / MLD002 / MLD003: pyproject.toml ----------------------------------------------

PEP621 = """\
[project]
name = "app"
version = "1"
dependencies = [
    "torch>=2.1",
    "numpy==1.26.4",
    "requests",
]

[project.optional-dependencies]
gpu = ["jax[cuda12]==0.4.30", "transformers"]

[dependency-groups]
dev = [{ include-group = "lint" }, "scikit-learn>=1.4"]
lint = ["ruff==0.6.0"]
"""


def test_pyproject_pep621_and_groups_without_lock_file(tmp_path: Path) -> None:
    assert findings(tmp_path, {"pyproject.toml": PEP621}) == [
        ("pyproject.toml", 5, "MLD001"),
        ("pyproject.toml", 5, "MLD003"),
        ("pyproject.toml", 11, "MLD001"),
        ("pyproject.toml", 14, "MLD001"),
    ]


def test_missing_lock_file_is_one_warning_at_the_first_range(tmp_path: Path) -> None:
    text = '[project]\nname = "a"\ndependencies = ["numpy==1.26.4", "requests>=2"]\n'
    (diagnostic,) = diagnostics(tmp_path, {"pyproject.toml": text})
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("MLD003", 3, 34)
    assert diagnostic.severity is Severity.WARNING
    assert "uv lock" in diagnostic.message


def test_pyproject_all_pinned_has_no_findings(tmp_path: Path) -> None:
    text = '[project]\nname = "a"\ndependencies = ["torch==2.5.1", "numpy===1.26.4"]\n'
    assert findings(tmp_path, {"pyproject.toml": text}) == []


def test_library_mode_lower_bounds_pass_and_exact_pins_are_mld002(tmp_path: Path) -> None:
    text = (
        "[project]\nname = 'lib'\ndependencies = [\n"
        '  "torch>=2.1",\n'
        '  "numpy==1.26.4",\n'
        '  "scipy",\n'
        "]\n"
        "[dependency-groups]\n"
        'dev = ["jax>=0.4"]\n' + LIBRARY
    )
    assert findings(tmp_path, {"pyproject.toml": text}) == [
        ("pyproject.toml", 5, "MLD002"),
        ("pyproject.toml", 6, "MLD001"),  # no bound at all
        ("pyproject.toml", 9, "MLD001"),  # dependency groups follow the app rules
    ]


def test_library_mode_does_not_want_a_lock_file(tmp_path: Path) -> None:
    text = '[project]\nname = "lib"\ndependencies = ["requests>=2"]\n' + LIBRARY
    assert findings(tmp_path, {"pyproject.toml": text}) == []


POETRY = """\
[tool.poetry]
name = "app"

[tool.poetry.dependencies]
python = "^3.10"
torch = "^2.1"
numpy = "1.26.4"
pandas = { version = "2.2.2", extras = ["performance"] }
transformers = "*"
timm = { git = "https://github.com/huggingface/pytorch-image-models.git", branch = "main" }
peft = { git = "https://github.com/a/peft.git", rev = "0123456789012345678901234567890123456789" }
jax = [
    { version = "0.4.30", platform = "linux" },
    { version = ">=0.4", platform = "darwin" },
]
mylib = { path = "../mylib" }

[tool.poetry.group.dev.dependencies]
scikit-learn = "~1.4"
"""


def test_poetry_dependencies_and_groups(tmp_path: Path) -> None:
    found = [f for f in findings(tmp_path, {"pyproject.toml": POETRY}) if f[2] != "MLD003"]
    assert found == [
        ("pyproject.toml", 6, "MLD001"),  # ^2.1
        ("pyproject.toml", 9, "MLD001"),  # *
        ("pyproject.toml", 10, "MLD001"),  # git branch
        ("pyproject.toml", 12, "MLD001"),  # the >=0.4 alternative
        ("pyproject.toml", 19, "MLD001"),  # ~1.4 in a group
    ]


def test_poetry_message_uses_poetry_syntax(tmp_path: Path) -> None:
    poetry_torch_only = POETRY.split("numpy", maxsplit=1)[0]
    (diagnostic, _) = diagnostics(tmp_path, {"pyproject.toml": poetry_torch_only})
    assert diagnostic.code == "MLD001"
    assert 'pin an exact version (torch = "X.Y.Z") or commit poetry.lock' in diagnostic.message


def test_uv_constraint_dependency_pins_cover_ranges(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "a"\ndependencies = ["torch>=2", "numpy>=1"]\n'
        '[tool.uv]\nconstraint-dependencies = ["torch==2.5.1"]\n'
        'override-dependencies = ["scipy<2"]\n'
    )
    found = findings(tmp_path, {"pyproject.toml": text})
    assert found == [
        ("pyproject.toml", 3, "MLD001"),  # numpy
        ("pyproject.toml", 3, "MLD003"),
        ("pyproject.toml", 6, "MLD001"),  # an override range is still a range
    ]


# --- setup.cfg / setup.py ------------------------------------------------------------------

SETUP_CFG = """\
[metadata]
name = app

[options]
install_requires =
    numpy==1.26.4
    torch>=2.1  # comment
    requests
python_requires = >=3.10

[options.extras_require]
vision = torchvision; timm==1.0.9
"""


def test_setup_cfg(tmp_path: Path) -> None:
    text = SETUP_CFG.replace("torchvision; timm==1.0.9", "\n    torchvision\n    timm==1.0.9")
    assert findings(tmp_path, {"setup.cfg": text}) == [
        ("setup.cfg", 7, "MLD001"),
        ("setup.cfg", 13, "MLD001"),
    ]


def test_setup_cfg_library_mode(tmp_path: Path) -> None:
    files = {"setup.cfg": SETUP_CFG, "pyproject.toml": LIBRARY}
    assert findings(tmp_path, files) == [
        ("setup.cfg", 6, "MLD002"),  # numpy==1.26.4
        ("setup.cfg", 12, "MLD001"),  # torchvision without any bound (a one-line value split at ;)
    ]


SETUP_PY = """\
from setuptools import setup

REQUIRED = [
    "numpy==1.26.4",
    "torch>=2.1",
]
EXTRAS = {"hf": ["transformers"], "dyn": make_list()}
COMPUTED = ["scipy"] + other

setup(
    name="app",
    install_requires=REQUIRED,
    extras_require=EXTRAS,
    tests_require=COMPUTED,
    setup_requires=["pandas"],
)
"""


def test_setup_py_literal_lists(tmp_path: Path) -> None:
    assert findings(tmp_path, {"setup.py": SETUP_PY}) == [
        ("setup.py", 5, "MLD001"),
        ("setup.py", 7, "MLD001"),
        ("setup.py", 15, "MLD001"),
    ]


def test_setup_py_name_bound_twice_is_silent(tmp_path: Path) -> None:
    text = (
        'import setuptools\nREQ = ["torch"]\nREQ = ["torch"]\n'
        "setuptools.setup(install_requires=REQ)\n"
    )
    assert findings(tmp_path, {"setup.py": text}) == []


def test_setup_py_direct_list_and_attribute_call(tmp_path: Path) -> None:
    text = 'import setuptools\nsetuptools.setup(\n    install_requires=["jax"],\n)\n'
    assert findings(tmp_path, {"setup.py": text}) == [("setup.py", 3, "MLD001")]


# --- conda ------------------------------------------------------------------------------------

ENVIRONMENT = """\
name: train
channels:
  - pytorch
  - nvidia
dependencies:
  - python=3.11
  - pytorch=2.1.0
  - pytorch::torchvision=0.16
  - numpy==1.26
  - scipy
  - pandas=2.2.2=py311h_0
  - pip
  - pip:
      - transformers==4.40.0
      - timm
"""


def test_conda_environment(tmp_path: Path) -> None:
    assert findings(tmp_path, {"environment.yml": ENVIRONMENT}) == [
        ("environment.yml", 8, "MLD001"),  # =0.16 is a prefix match
        ("environment.yml", 10, "MLD001"),
        ("environment.yml", 15, "MLD001"),  # pip section
    ]


def test_conda_pytorch_is_torch(tmp_path: Path) -> None:
    text = "dependencies:\n  - conda-forge::pytorch>=2\n"
    (diagnostic,) = diagnostics(tmp_path, {"environment-gpu.yaml": text})
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("MLD001", 2, 5)
    assert "pin the full version (pytorch=X.Y.Z)" in diagnostic.message


# --- MLD004 -------------------------------------------------------------------------------------


def test_extra_index_url_in_requirements(tmp_path: Path) -> None:
    text = (
        "--index-url https://download.pytorch.org/whl/cu121\n"
        "--extra-index-url https://download.pytorch.org/whl/cu121\n"
        "--extra-index-url=https://pypi.example.org/simple\n"
        "torch==2.5.1\n"
    )
    found = diagnostics(tmp_path, {"requirements.txt": text})
    assert [(d.line, d.code) for d in found] == [(2, "MLD004"), (3, "MLD004")]
    assert "use --index-url" in found[0].message
    assert "torchtriton" in found[0].message


def test_extra_index_url_in_conda_pip_section(tmp_path: Path) -> None:
    text = "dependencies:\n  - pip:\n    - --extra-index-url https://x.org/simple\n"
    assert findings(tmp_path, {"environment.yml": text}) == [("environment.yml", 3, "MLD004")]


def test_uv_index_strategy_and_extra_index_url(tmp_path: Path) -> None:
    text = (
        '[tool.uv]\nindex-strategy = "unsafe-best-match"\n'
        'extra-index-url = ["https://x.org/simple"]\n'
        '[[tool.uv.index]]\nname = "pytorch"\nurl = "https://download.pytorch.org/whl/cu121"\n'
        '[tool.uv.pip]\nindex-strategy = "first-index"\n'
    )
    assert findings(tmp_path, {"pyproject.toml": text}) == [
        ("pyproject.toml", 2, "MLD004"),
        ("pyproject.toml", 3, "MLD004"),
    ]


def test_uv_index_tables_alone_are_fine(tmp_path: Path) -> None:
    text = '[[tool.uv.index]]\nname = "pytorch"\nurl = "https://download.pytorch.org/whl/cpu"\n'
    assert findings(tmp_path, {"pyproject.toml": text}) == []


# --- MLD005 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["torch==2.2.0", "torchvision==0.16.0"], [2]),
        (["torch==2.2.0", "torchvision==0.17.0", "torchaudio==2.1.0"], [3]),
        (["torch==2.1.0+cu121", "torchvision==0.16.0+cu118"], [2]),
        (["torch==2.1.0+cu121", "torchvision==0.16.0+cu121", "torchaudio==2.1.0+cu121"], []),
        (["torch==2.1.0+cu121", "torchvision==0.16.0"], []),  # one label only: cannot tell
        (["torch==2.2", "torchvision==0.17.0"], []),  # 2.2 == 2.2.0
        (["torch==2.2.0", "torchvision>=0.16"], []),  # not pinned: MLD001's business
        (["torch==9.9.9", "torchvision==0.16.0"], []),  # a torch release the table lacks
        (["torch==2.2.0", "torchvision==0.99.0"], []),  # a torchvision it lacks
        (["torch==2.1.0 ; sys_platform == 'darwin'", "torch==2.2.0", "torchvision==0.16.0"], []),
    ],
)
def test_torch_family(tmp_path: Path, lines: list[str], expected: list[int]) -> None:
    found = findings(tmp_path, {"requirements.txt": "\n".join(lines) + "\n"})
    assert [line for _, line, code in found if code == "MLD005"] == expected
    assert not [f for f in found if f[2] not in ("MLD005", "MLD001")]


def test_torch_family_message_names_the_fix(tmp_path: Path) -> None:
    (diagnostic,) = diagnostics(
        tmp_path, {"requirements.txt": "torch==2.2.0\ntorchvision==0.16.0\n"}
    )
    assert "built for torch 2.1.0" in diagnostic.message
    assert "torchvision==0.17.0" in diagnostic.message
    assert "line 1" in diagnostic.message


def test_torch_family_in_conda_and_pyproject(tmp_path: Path) -> None:
    files = {
        "environment.yml": "dependencies:\n  - pytorch=2.3.0\n  - torchaudio=2.2.0\n",
        "pyproject.toml": (
            '[project]\nname = "a"\ndependencies = ["torch==2.4.1", "torchvision==0.19.0"]\n'
        ),
    }
    assert findings(tmp_path, files) == [
        ("environment.yml", 3, "MLD005"),
        ("pyproject.toml", 3, "MLD005"),
    ]


# --- MLE001 --------------------------------------------------------------------------------------


def test_malformed_line_is_mle001_and_the_rest_is_checked(tmp_path: Path) -> None:
    found = diagnostics(tmp_path, {"requirements.txt": "torch>=\nnumpy\n"})
    assert [(d.line, d.code) for d in found] == [(1, "MLE001"), (2, "MLD001")]
    assert "not a valid requirement 'torch>='" in found[0].message


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("pyproject.toml", "[project\nname = 1\n", 1),
        ("pyproject.toml", '[project]\nname = "a"\nname = "b"\n', 3),
        ("environment.yml", "dependencies:\n  - numpy\n - scipy\n", 3),
        ("setup.cfg", "[options\ninstall_requires = torch\n", 1),
        ("setup.py", "install_requires = []\ndef (:\n", 2),
        ("requirements.txt", b"torch\n\xff\xfe\n", 2),
        ("requirements.txt", b"\x00\x01binary", 1),
    ],
)
def test_unreadable_manifest_is_one_mle001_and_others_are_checked(
    tmp_path: Path, name: str, content: str | bytes, line: int
) -> None:
    found = findings(tmp_path, {f"bad/{name}": content, "good/requirements.txt": "torch\n"})
    assert found == [(f"bad/{name}", line, "MLE001"), ("good/requirements.txt", 1, "MLD001")]


def test_a_setup_py_without_requirement_keywords_is_not_parsed(tmp_path: Path) -> None:
    """A setup.py that sets up something else (lightning's trainer/setup.py) has nothing
    to read: not parsed (libcst is not imported), so its syntax is Ruff's to judge."""
    assert findings(tmp_path, {"trainer/setup.py": "def setup(:\n"}) == []
    broken = {"setup.py": "from setuptools import setup\nsetup(install_requires=[\n"}
    assert [code for _, _, code in findings(tmp_path, broken)] == ["MLE001"]


def test_missing_include_and_cycle_are_reported_at_the_include_line(tmp_path: Path) -> None:
    files = {
        "requirements.txt": "numpy==1.26.4\n-r missing.txt\n-r requirements-b.txt\n",
        "requirements-b.txt": "-r requirements.txt\ntorch\n",
    }
    found = diagnostics(tmp_path, {"requirements.txt": files["requirements.txt"]} | files)
    # Each file is also a root: the cycle is reported where each side closes it.
    assert sorted((d.path.name, d.line, d.code) for d in found) == [
        ("requirements-b.txt", 1, "MLE001"),
        ("requirements-b.txt", 2, "MLD001"),
        ("requirements.txt", 2, "MLE001"),
        ("requirements.txt", 3, "MLE001"),
    ]
    messages = " ".join(d.message for d in found)
    assert "include cycle" in messages
    assert "missing.txt" in messages


# --- one requirement fixing the version of another ---------------------------------------------


def test_base_pin_covers_the_same_package_in_extras_and_groups(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "a"\ndependencies = ["transformers==4.46.3"]\n'
        '[project.optional-dependencies]\nvision = ["transformers[vision]"]\n'
        '[dependency-groups]\ndev = ["transformers[torch]>=4", "timm"]\n'
        '[tool.uv]\nconstraint-dependencies = ["numpy==1.26.4"]\n'
    )
    found = [f for f in findings(tmp_path, {"pyproject.toml": text}) if f[2] == "MLD001"]
    assert found == [("pyproject.toml", 7, "MLD001")]  # only timm


def test_an_unpinned_extra_is_reported_once_at_the_loose_base_requirement(tmp_path: Path) -> None:
    # transformers[vision] installs what the base range allows: one finding, at the range.
    text = (
        '[project]\nname = "a"\ndependencies = ["transformers>=5,<6", "datasets"]\n'
        '[project.optional-dependencies]\nvision = ["transformers[vision]", "datasets[audio]"]\n'
        'train = ["transformers[torch]>=5.1", "timm"]\n'
    )
    found = [f for f in findings(tmp_path, {"pyproject.toml": text}) if f[2] == "MLD001"]
    assert found == [
        ("pyproject.toml", 3, "MLD001"),  # the transformers range
        ("pyproject.toml", 3, "MLD001"),  # datasets, unpinned
        ("pyproject.toml", 6, "MLD001"),  # a lower bound of its own is still loose
        ("pyproject.toml", 6, "MLD001"),  # timm
    ]


def test_pin_under_a_marker_covers_nothing_else(tmp_path: Path) -> None:
    text = "torch==2.5.1 ; sys_platform == 'linux'\ntorch>=2 ; sys_platform == 'darwin'\n"
    assert findings(tmp_path, {"requirements.txt": text}) == [("requirements.txt", 2, "MLD001")]


def test_library_extras_are_bounded_by_the_base_dependencies(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "lib"\ndependencies = ["transformers>=4.40,<5"]\n'
        '[project.optional-dependencies]\nvision = ["transformers[vision]", "timm"]\n' + LIBRARY
    )
    assert findings(tmp_path, {"pyproject.toml": text}) == [("pyproject.toml", 5, "MLD001")]
    [timm] = diagnostics(tmp_path, {"pyproject.toml": text})
    assert timm.message.startswith(
        "`timm` in the published [project.optional-dependencies] vision has no version bound"
    )


@pytest.mark.parametrize(
    "packaging",
    [
        {"setup.py": 'setup(name="lib", install_requires=open("requirements.txt").readlines())\n'},
        {"setup.cfg": "[options]\ninstall_requires = file: requirements.txt\n"},
        {
            "pyproject.toml": '[project]\nname = "lib"\ndynamic = ["dependencies"]\n'
            '[tool.setuptools.dynamic]\ndependencies = {file = ["requirements.txt"]}\n'
        },
    ],
)
def test_a_requirements_file_the_package_publishes_is_published_metadata(
    tmp_path: Path, packaging: dict[str, str]
) -> None:
    # audiocraft: setup.py reads requirements.txt into install_requires. In library mode its
    # exact pins over-pin the library's users (MLD002), and a bare name needs a bound.
    files = {"requirements.txt": "torch==2.1.0\nnumpy\nscipy>=1.10\n", **packaging}
    files["pyproject.toml"] = files.get("pyproject.toml", "") + LIBRARY
    assert findings(tmp_path, files) == [
        ("requirements.txt", 1, "MLD002"),
        ("requirements.txt", 2, "MLD001"),
    ]


def test_a_requirements_file_no_package_reads_keeps_the_app_rules(tmp_path: Path) -> None:
    files = {
        "requirements.txt": "torch==2.1.0\nnumpy\n",
        "setup.py": 'setup(name="lib", install_requires=["numpy>=1"])\n',
        "pyproject.toml": LIBRARY,
    }
    assert findings(tmp_path, files) == [("requirements.txt", 2, "MLD001")]
