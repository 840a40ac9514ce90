"""`# noqa` outside Python, through the real CLI in real git repositories.

Each file kind gets one file mixing suppressed lines with the traps: another
code in the comment, a `#` that is not a comment (in a URL, a quoted
string, a YAML value), a comment on a line of its own, and a comment on a
line of a multi-line command that is neither the finding's line nor where
the command ends. The assertion is the exact list of findings still reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_secrets_tokens as tokens
from conftest import ml_policy, write_files

from ml_policy.tomlpos import comments

HASH = "--hash=sha256:" + "a" * 64


def _reported(stdout: str) -> list[str]:
    """`path:line CODE` (`path:cell N:line CODE` in notebooks) of each finding, in order."""
    found = []
    for line in stdout.splitlines():
        if not line or line.startswith(("Found", "All checks passed")):
            continue
        where, _, rest = line.partition(": ")
        found.append(f"{where.rsplit(':', 1)[0]} {rest.split()[0]}")
    return found


def _deps(repo: Path, files: dict[str, str], *names: str) -> list[str]:
    write_files(repo, files)
    result = ml_policy("deps", *(names or files), cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    return _reported(result.stdout)


REQUIREMENTS = f"""\
torch>=2  # noqa: MLD001
numpy  # noqa: MLD006
scipy  # NOQA
pandas>=1  # noQA: mld001
jax>=0.4 \\
    {HASH}  # noqa: MLD001
timm @ git+https://github.com/huggingface/pytorch-image-models@main#egg=timm#noqa
keras  # a note: noqa is for Ruff
transformers; python_version > "3"  # noqa: E501, MLD001
--extra-index-url https://download.pytorch.org/whl/cu121  # noqa: MLD004
--extra-index-url https://example.org/simple#noqa
# noqa: MLD001
accelerate
lightning>=2 \\
    {HASH}
# noqa
"""


@pytest.mark.slow
def test_requirements_file(git_repo: Path) -> None:
    assert _deps(git_repo, {"requirements.txt": REQUIREMENTS}) == [
        "requirements.txt:2 MLD001",  # another code in the comment
        "requirements.txt:7 MLD001",  # the noqa inside a URL is not a comment
        "requirements.txt:8 MLD001",  # "noqa" in a comment, but not after its "#"
        "requirements.txt:11 MLD004",
        "requirements.txt:13 MLD001",  # the comment is on the line above
        "requirements.txt:14 MLD001",  # ... and below the continued requirement
    ]


@pytest.mark.slow
def test_included_requirements_file_has_its_own_comments(git_repo: Path) -> None:
    files = {
        "requirements.txt": "-r requirements-common.txt\ntorch  # noqa: MLD001\nnumpy\n",
        "requirements-common.txt": "scipy  # noqa: MLD001\npandas\n",
    }
    assert _deps(git_repo, files, "requirements.txt") == [
        "requirements-common.txt:2 MLD001",
        "requirements.txt:3 MLD001",
    ]


@pytest.mark.slow
def test_file_included_from_a_conda_pip_list(git_repo: Path) -> None:
    files = {
        "environment.yml": "dependencies:\n  - pip:\n    - -r requirements-pip.txt\n",
        "requirements-pip.txt": "torch  # noqa: MLD001\nnumpy\n",
    }
    assert _deps(git_repo, files, "environment.yml") == ["requirements-pip.txt:2 MLD001"]


PYPROJECT = """\
[project]
name = "app"
version = "1"
description = '''
torch  # noqa
'''
dependencies = [
  "torch>=2",  # noqa: MLD001
  "numpy>=1",  # NOQA
  "scipy>=1; platform_system != '#noqa'",
  "pandas>=1",  # noqa: MLD006
  "jax>=0.4", "transformers>=4",  # noqa: mld001
  # noqa: MLD001
  "timm>=1",
]

[tool.uv]
index-strategy = "unsafe-best-match"  # noqa: MLD004
extra-index-url = ["https://example.org/simple#noqa"]
"""


@pytest.mark.slow
def test_pyproject_toml(git_repo: Path) -> None:
    assert _deps(git_repo, {"pyproject.toml": PYPROJECT}) == [
        "pyproject.toml:8 MLD003",  # the comment names MLD001 only
        "pyproject.toml:10 MLD001",  # the noqa inside the string is not a comment
        "pyproject.toml:11 MLD001",
        "pyproject.toml:14 MLD001",
        "pyproject.toml:19 MLD004",
    ]


SETUP_CFG = """\
[options]
install_requires =
    torch>=2  # noqa: MLD001
    numpy  # noqa: MLD006
    scipy>=1\t# NOQA
    pandas@https://example.org/pandas-2.0-py3-none-any.whl#noqa
    # noqa: MLD001
    jax
"""

SETUP_PY = """\
from setuptools import setup

setup(
    name="app",
    install_requires=[
        "torch>=2",  # noqa: MLD001
        "numpy", "# noqa",
        "scipy",  # see "# noqa: MLD001" in the docs
        "pandas",
        # noqa
    ],
)
"""


@pytest.mark.slow
def test_setup_cfg_and_setup_py(git_repo: Path) -> None:
    assert _deps(git_repo, {"setup.cfg": SETUP_CFG, "setup.py": SETUP_PY}) == [
        "setup.cfg:4 MLD001",
        "setup.cfg:6 MLD001",  # the noqa in the URL
        "setup.cfg:8 MLD001",
        "setup.py:7 MLD001",  # a string is not a comment (and not a requirement: MLE001)
        "setup.py:7 MLE001",
        "setup.py:9 MLD001",
    ]


ENVIRONMENT = """\
name: train
dependencies:
  - pytorch>=2  # noqa: MLD001
  - "numpy # noqa"
  - scipy # NOQA
  - pandas  # noqa: MLD006
  # noqa
  - jax
  - pip:
    - transformers>=4  # noqa: MLD001
    - accelerate  # noqa: MLD004
    - --extra-index-url https://example.org/simple  # noqa
    - timm
"""


@pytest.mark.slow
def test_conda_environment(git_repo: Path) -> None:
    assert _deps(git_repo, {"environment.yml": ENVIRONMENT}) == [
        "environment.yml:4 MLD001",  # the noqa inside a quoted YAML value
        "environment.yml:6 MLD001",
        "environment.yml:8 MLD001",
        "environment.yml:11 MLD001",
        "environment.yml:13 MLD001",
    ]


DOCKERFILE = """\
FROM python:3.12
RUN pip install torch  # noqa: MLD006
RUN pip install numpy  # NOQA
RUN pip install scipy  # noqa: MLD001
RUN pip install --no-cache-dir \\
        pandas \\
        jax  # noqa: MLD006
RUN pip install \\
# noqa: MLD006
        transformers
# noqa: MLD006
RUN pip install timm
RUN pip install keras "# noqa"
RUN pip install accelerate --index-url https://example.org/simple#noqa
RUN pip install diffusers && \\
    pip install peft  # noqa: MLD006
RUN --mount=type=cache,target=/root/.cache pip install lightning  # noqa: mld006
RUN ["sh", "-c", "pip install datasets  # noqa: MLD006"]
RUN ["pip", "install", "tokenizers"]
RUN <<EOF
pip install safetensors  # noqa: MLD006
pip install xgboost
EOF
"""


@pytest.mark.slow
def test_dockerfile(git_repo: Path) -> None:
    assert _deps(git_repo, {"Dockerfile": DOCKERFILE}) == [
        "Dockerfile:4 MLD006",
        "Dockerfile:10 MLD006",  # a Dockerfile comment inside the RUN is dropped by Docker
        "Dockerfile:12 MLD006",  # the comment above the instruction
        "Dockerfile:13 MLD006",  # quoted: an argument, not a comment
        "Dockerfile:14 MLD006",  # the noqa inside the URL
        "Dockerfile:19 MLD006",
        "Dockerfile:22 MLD006",
    ]


SCRIPT = """\
#!/bin/bash
set -euo pipefail
pip install torch  # noqa: MLD006
pip install numpy  # noqa: MLD001
pip install scipy \\
  pandas  # NOQA
pip install jax '# noqa'
pip install timm --index-url https://example.org/simple#noqa
echo "# noqa: MLD006"; pip install keras
pip install transformers; # noqa: MLD006
pip install accelerate &&
  pip install peft  # noqa: MLD006
conda install -y pytorch=2.1  # noqa: MLD006
"""


@pytest.mark.slow
def test_shell_script(git_repo: Path) -> None:
    assert _deps(git_repo, {"scripts/setup_env.sh": SCRIPT}) == [
        "scripts/setup_env.sh:4 MLD006",
        "scripts/setup_env.sh:7 MLD006",
        "scripts/setup_env.sh:8 MLD006",
        "scripts/setup_env.sh:9 MLD006",
        "scripts/setup_env.sh:11 MLD006",  # `&&` then a newline: two lines, two comments
    ]


WORKFLOW = """\
name: ci
on: push
jobs:
  train:
    runs-on: ubuntu-latest
    steps:
      - run: pip install torch  # noqa: MLD006
      - run: pip install numpy  # noqa: MLD001
      - run: |  # noqa: MLD006
          pip install scipy
          pip install pandas
      - run: |
          pip install jax  # NOQA
          pip install timm \\
            keras  # noqa: MLD006
          echo '# noqa: MLD006'; pip install transformers
          pip install accelerate
      - name: "# noqa"
        run: pip install diffusers
      - run: "pip install peft  # noqa: MLD006"
      - run: echo '# noqa'; pip install lightning
"""


@pytest.mark.slow
def test_github_workflow(git_repo: Path) -> None:
    assert _deps(git_repo, {".github/workflows/ci.yml": WORKFLOW}) == [
        ".github/workflows/ci.yml:8 MLD006",
        ".github/workflows/ci.yml:16 MLD006",
        ".github/workflows/ci.yml:17 MLD006",
        ".github/workflows/ci.yml:19 MLD006",  # the noqa in another key's string value
        ".github/workflows/ci.yml:21 MLD006",
    ]


def _notebook(*cells: tuple[list[str], bool]) -> str:
    """A notebook of code cells: (source lines, with an output)."""
    output = {"output_type": "stream", "name": "stdout", "text": ["0.42\n"]}
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": 1 if outputs else None,
                    "metadata": {},
                    "outputs": [output] if outputs else [],
                    "source": source,
                }
                for source, outputs in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


INSTALL_CELL = [
    "!pip install torch  # noqa: MLD006\n",
    "%pip install numpy  # NOQA\n",
    "!pip install scipy  # noqa: MLD001\n",
    "!pip install pandas \\\n",
    "    jax  # noqa: MLD006\n",
    "# noqa: MLD006\n",
    "!pip install timm\n",
    "!pip install keras '# noqa'",
]


@pytest.mark.slow
def test_notebook_cells(git_repo: Path) -> None:
    notebook = _notebook((["import torch"], False), (INSTALL_CELL, False))
    assert _deps(git_repo, {"explore.ipynb": notebook}) == [
        "explore.ipynb:cell 2:3 MLD006",
        "explore.ipynb:cell 2:7 MLD006",
        "explore.ipynb:cell 2:8 MLD006",
    ]


@pytest.mark.slow
def test_check_directory_with_every_family(git_repo: Path) -> None:
    token = tokens.hugging_face()
    notebook = _notebook(
        (["print(loss)  # noqa: MLA002\n", "loss"], True),
        (["print(loss)\n", "# noqa: MLA002"], True),
        (["%pip install torch  # noqa: MLD006"], False),
    )
    write_files(
        git_repo,
        {
            "requirements.txt": "torch>=2  # noqa: MLD001\nnumpy\n",
            "Dockerfile": "FROM python\nRUN pip install torch  # noqa: MLD006\n",
            "notebooks/explore.ipynb": notebook,
            "scripts/login.sh": (
                f"export HF_TOKEN={token}  # noqa: MLK001\n"
                f"export HUGGING_FACE_HUB_TOKEN={token}  # noqa: MLK002\n"
            ),
        },
    )
    result = ml_policy("check", ".", cwd=git_repo)
    assert _reported(result.stdout) == [
        "notebooks/explore.ipynb:cell 2:1 MLA002",
        "requirements.txt:2 MLD001",
        "scripts/login.sh:2 MLK001",
    ], result.stdout + result.stderr


@pytest.mark.slow
def test_json_output_leaves_out_suppressed_findings(git_repo: Path) -> None:
    write_files(git_repo, {"requirements.txt": "torch>=2  # noqa: MLD001\nnumpy  # noqa: MLD006\n"})
    result = ml_policy("deps", "requirements.txt", "--output-format", "json", cwd=git_repo)
    records = json.loads(result.stdout)
    assert [(r["code"], r["location"]["row"]) for r in records] == [("MLD001", 2)]
    assert result.returncode == 1


@pytest.mark.slow
@pytest.mark.parametrize("comment", ["# noqa", "# noqa: MLD001", "#NOQA:mld001,MLD004"])
def test_no_findings_exit_zero(git_repo: Path, comment: str) -> None:
    write_files(git_repo, {"requirements.txt": f"torch>=2  {comment}\n"})
    result = ml_policy("deps", "requirements.txt", cwd=git_repo)
    assert (result.returncode, _reported(result.stdout)) == (0, []), result.stdout


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('a = "x # no"  # c\n', [(1, "# c")]),
        ("a = 'x # no' # c\n", [(1, "# c")]),
        ('a = "q\\" # no"  # c\n', [(1, "# c")]),
        ('a = """\n# no\n""""  # c\n', [(3, "# c")]),
        ('a = """\n# no ""\n"""""\n# c\n', [(4, "# c")]),
        ("a = '''\n# no\n'''\nb = 1  # c\r\n", [(4, "# c")]),
        ('# c1\n[t] # c2\nk = ["#", "x"] # c3', [(1, "# c1"), (2, "# c2"), (3, "# c3")]),
    ],
)
def test_toml_comments_skip_strings(toml: str, expected: list[tuple[int, str]]) -> None:
    assert comments(toml) == expected
