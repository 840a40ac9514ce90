"""The MLI rules on Dockerfiles: the stage model, each rule's tricky cases, suppression."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_files

from ml_policy import checkers
from ml_policy.config import CliOverrides, SettingsResolver
from ml_policy.images.dockerfile import ImageRef, read_dockerfile, substitute

COMMIT = "607a30d783dfa663caf39e06633721c8d4cfcd7e"


def found(
    tmp_path: Path, text: str, code: str, name: str = "Dockerfile", extra: str = ""
) -> list[tuple[int, int]]:
    """(line, column) of each `code` finding in a Dockerfile, checked as the deps hook does."""
    files = {name: text}
    if extra:
        files["pyproject.toml"] = extra
    paths = write_files(tmp_path, files)
    resolver = SettingsResolver(CliOverrides(select=(code,)), cwd=tmp_path)
    diagnostics = checkers.run_all(paths[:1], resolver, ("MLI",))
    return [(d.line, d.column) for d in diagnostics if d.code == code]


# --- the model --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("python", None, "python", None, None),
        ("library/python:3.12", None, "python", "3.12", None),
        (
            "docker.io/pytorch/pytorch:2.5.1-cuda12.4",
            None,
            "pytorch/pytorch",
            "2.5.1-cuda12.4",
            None,
        ),
        ("localhost:5000/team/img:1.0", "localhost:5000", "team/img", "1.0", None),
        ("nvcr.io/nvidia/pytorch:24.01-py3", "nvcr.io", "nvidia/pytorch", "24.01-py3", None),
        ("python@sha256:" + "a" * 64, None, "python", None, "sha256:" + "a" * 64),
        ("ghcr.io/Org/Img:v2@sha256:" + "b" * 64, "ghcr.io", "org/img", "v2", "sha256:" + "b" * 64),
    ],
)
def test_image_references(
    text: str, registry: str | None, repository: str, tag: str | None, digest: str | None
) -> None:
    image = ImageRef.parse(text)
    assert (image.registry, image.repository, image.tag, image.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cuda:${CUDA}", "cuda:12.4"),
        ("cuda:$CUDA-runtime", "cuda:12.4-runtime"),
        ("py:${PY:-3.12}", "py:3.12"),
        ("py:${EMPTY:-3.12}", "py:3.12"),
        ("py:${CUDA:+gpu}", "py:gpu"),
        ("py:${UNSET}", None),
        ("py:${NEVER_DECLARED}", None),
    ],
)
def test_arg_defaults_are_substituted(text: str, expected: str | None) -> None:
    arguments = {"CUDA": "12.4", "EMPTY": "", "UNSET": None}
    assert substitute(text, arguments) == expected


def test_stages_follow_names_indexes_flags_and_the_escape_directive() -> None:
    text = (
        "# escape=`\n"
        "ARG BASE=python:3.12-alpine\n"
        "from --platform=linux/amd64 ${BASE} As Build\n"
        "RUN pip install `\n"
        "    numpy==2.1.3\n"
        "FROM build AS test\n"
        "FROM 0\n"
        "FROM scratch\n"
    )
    dockerfile = read_dockerfile(Path("Dockerfile"), text)
    build, test, by_index, scratch = dockerfile.stages
    assert build.name == "build"
    assert build.base == ImageRef.parse("python:3.12-alpine")
    assert (build.span.line, build.span.column) == (3, 29)
    assert [w.value for w in build.commands[0]] == ["pip", "install", "numpy==2.1.3"]
    assert test.base is None
    assert test.base_stage is build
    assert test.image() == build.base
    assert by_index.image() == build.base
    assert scratch.image() is None


# --- MLI001 alpine-base-for-ml ----------------------------------------------------------


@pytest.mark.parametrize(
    "install",
    [
        "pip install --no-cache-dir xgboost==2.1.3",
        "uv pip install --system opencv-python-headless==4.10.0.84",
        "conda install -y pytorch=2.5.1",
        "python3 -m pip install 'scikit-learn>=1.5'",
    ],
)
def test_alpine_with_ml_installs(tmp_path: Path, install: str) -> None:
    text = f"FROM python:3.12-alpine3.20\nRUN {install}\n"
    assert found(tmp_path, text, "MLI001") == [(1, 6)]


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.12-alpine\nRUN pip install flask==3.1.0\n",
        "FROM python:3.12-alpine\nRUN pip install numpy==2.1.3 scipy==1.14.1 pandas==2.2.3\n",
        "FROM python:3.12-alpine\nRUN pip install huggingface_hub[hf_transfer]==0.26.2\n",
        "FROM python:3.12-alpine\nRUN apk add --no-cache py3-numpy\n",  # musl builds, by Alpine
        "FROM python:3.12-alpine AS tools\nFROM python:3.12-slim\nRUN pip install numpy==2.1.3\n",
        "ARG IMAGE\nFROM ${IMAGE}\nRUN pip install numpy==2.1.3\n",
        "FROM python:3.12-alpine\nRUN pip install $PACKAGES\n",
    ],
)
def test_alpine_silent(tmp_path: Path, text: str) -> None:
    assert found(tmp_path, text, "MLI001") == []


# --- MLI002 cuda-base-mismatch ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        (
            "FROM nvidia/cuda:12.4.1-devel-ubuntu22.04\n"
            "RUN pip install torch==2.1.0 --extra-index-url https://download.pytorch.org/whl/cu118\n",
            [(2, 17)],
        ),
        ("FROM nvidia/cuda:12.4.1-base-ubuntu22.04\nRUN pip install torch==2.5.1+cpu\n", [(2, 17)]),
        (  # two CUDA indexes: which one serves torch cannot be told
            "FROM nvidia/cuda:12.4.1-base-ubuntu22.04\nRUN pip install torch==2.5.1 "
            "--index-url https://download.pytorch.org/whl/cu118 "
            "--extra-index-url https://download.pytorch.org/whl/cu124\n",
            [],
        ),
        (  # a find-links page of one CUDA build
            "FROM nvidia/cuda:12.1.0-base-ubuntu22.04\nRUN pip install torch==1.12.1 "
            "-f https://download.pytorch.org/whl/cu113/torch_stable.html\n",
            [(2, 17)],
        ),
        (  # the default PyPI wheel carries no label
            "FROM nvidia/cuda:11.8.0-base-ubuntu22.04\nRUN pip install torch==2.5.1\n",
            [],
        ),
        (  # another package's label is not torch's
            "FROM nvidia/cuda:11.8.0-base-ubuntu22.04\nRUN pip install jaxlib==0.4.30+cuda12\n",
            [],
        ),
        (  # a CPU pytorch image is no CUDA base
            "FROM pytorch/pytorch:2.5.1-cpu\nRUN pip install torchvision==0.20.1+cu124\n",
            [],
        ),
        (
            "FROM nvidia/cuda:12.1.0-runtime-ubuntu22.04\n"
            "RUN pip install torch==2.5.1+cu118 torchvision==0.20.1+cu118\n",
            [(2, 17)],  # one finding for the command
        ),
    ],
)
def test_cuda_mismatch(tmp_path: Path, text: str, reported: list[tuple[int, int]]) -> None:
    assert found(tmp_path, text, "MLI002") == reported


# --- MLI003 unpinned-base-image --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("FROM pytorch/pytorch:nightly\n", [(1, 6)]),
        ("FROM huggingface/transformers-pytorch-gpu:latest-gpu AS app\n", [(1, 6)]),
        ("FROM rocm/pytorch:rocm6.2_ubuntu22.04_py3.10_pytorch_release_2.3.0\n", []),
        ("FROM nvcr.io/nvidia/pytorch:24.01-py3\n", []),
        ("FROM pytorch/pytorch\n", []),  # DL3006's
        ("FROM pytorch/pytorch:nightly@sha256:" + "c" * 64 + "\n", []),
        ("FROM python:latest-slim\n", []),  # not an ML base
        ("ARG TAG=stable\nFROM tensorflow/tensorflow:${TAG}-gpu\n", [(2, 6)]),
        ("FROM rocm/tensorflow:rocm7.0-py3.10-tf2.17-dev\n", []),  # `dev`: a variant
        ("FROM tensorflow/tensorflow:2.17.0-gpu\n", []),
        ("FROM pytorch/pytorch:2.6.0-nightly-cuda12.4\n", [(1, 6)]),
        (  # a default built from the ARGs before it
            "ARG TF=latest\nARG TAG=${TF}-devel-gpu\nFROM tensorflow/serving:${TAG}\n",
            [(3, 6)],
        ),
        ("ARG TF\nARG TAG=${TF}-devel-gpu\nFROM tensorflow/serving:${TAG}\n", []),
        ("FROM ultralytics/ultralytics:latest-cpu\n", [(1, 6)]),
    ],
)
def test_moving_tags(tmp_path: Path, text: str, reported: list[tuple[int, int]]) -> None:
    assert found(tmp_path, text, "MLI003") == reported


def test_digest_mode_asks_every_ml_base_for_a_digest(tmp_path: Path) -> None:
    text = (
        "FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime AS a\n"
        f"FROM nvidia/cuda:12.4.1-base-ubuntu22.04@sha256:{'d' * 64} AS b\n"
        "FROM python:3.12-slim\n"
    )
    extra = '[tool.ml-policy.images]\nbase-pin = "digest"\n'
    assert found(tmp_path, text, "MLI003", extra=extra) == [(1, 6)]


# --- MLI004 build-tools-in-final-stage -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        (
            "FROM python:3.12-slim\n"
            "RUN DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\\n"
            "    curl gcc libpq-dev\n",
            [(3, 10)],
        ),
        ("FROM rockylinux:9\nRUN sudo dnf install -y gcc-c++ make\n", [(2, 25)]),
        (
            "FROM python:3.12-slim AS build\nRUN apt-get install -y gcc\n"
            "FROM build\nRUN pip install psutil==6.1.0\n",
            [],  # the final stage installs nothing itself: its base is a stage
        ),
        (
            "FROM python:3.12-slim\nRUN apt-get install -y build-essential \\\n"
            " && pip install psutil==6.1.0 \\\n"
            " && apt-get purge -y --auto-remove build-essential\n",
            [],
        ),
        ("FROM python:3.12-slim\nRUN apt-get install -y libgomp1 git\n", []),
        ("FROM python:3.12-slim\nRUN apt-get install -y librdmacm-dev\n", []),  # no compiler
        ("FROM nvidia/cuda:12.4.1-devel-ubuntu22.04\nRUN apt-get install -y ninja-build\n", []),
        ("FROM python:3.12-slim AS builder\nRUN apt-get install -y gcc\n", []),
        ("FROM python:3.12-slim\nRUN apt-cache show gcc\n", []),
        ("FROM python:3.12-slim\nRUN apt-get install -y ninja-build libaio-dev\n", []),
        ("FROM nvcr.io/nvidia/pytorch:24.01-py3\nRUN apt-get install -y gcc\n", []),
        (
            'FROM python:3.12-slim\nRUN if [ -n "$X" ]; then apt-get install -y gcc-12; fi\n',
            [(2, 45)],
        ),
        ('FROM python:3.12-slim\nRUN apt-get install -y gcc\nCMD ["/bin/bash"]\n', []),
        ("FROM python:3.12-slim\nRUN apt-get install -y gcc\nCMD bash -l\n", []),
        (
            'FROM python:3.12-slim\nRUN apt-get install -y gcc\nCMD ["python", "serve.py"]\n',
            [(2, 24)],
        ),
        (
            "FROM python:3.12-slim\n"
            'RUN if [ "$TARGETARCH" = "arm64" ]; then apt-get install -y gcc; fi\n',
            [],
        ),
        (  # removing something else keeps the compiler
            "FROM python:3.12-slim\nRUN apt-get install -y g++ && apt-get remove -y curl\n",
            [(2, 24)],
        ),
    ],
)
def test_build_tools(tmp_path: Path, text: str, reported: list[tuple[int, int]]) -> None:
    assert found(tmp_path, text, "MLI004") == reported


@pytest.mark.parametrize(
    "name",
    [".devcontainer/Dockerfile", "docker/ci.dockerfile", "Dockerfile.dev", "devel.dockerfile"],
)
def test_development_images_may_keep_their_compilers(tmp_path: Path, name: str) -> None:
    text = "FROM python:3.12-slim\nRUN apt-get install -y build-essential\n"
    assert found(tmp_path, text, "MLI004", name=name) == []
    assert found(tmp_path / "shipped", text, "MLI004", name="docker/serve.dockerfile") == [(2, 24)]


# --- MLI005 weights-baked-into-image ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("FROM python:3.12-slim\nCOPY --chown=app:app model.safetensors /m/\n", [(2, 22)]),
        ("FROM python:3.12-slim\nCOPY --from=train /out/best.pt /m/\n", [(2, 19)]),
        ('FROM python:3.12-slim\nCOPY ["weights/model.onnx", "/m/"]\n', [(2, 1)]),
        ("FROM python:3.12-slim\nADD https://example.org/m.gguf /m/\n", [(2, 5)]),
        ("FROM python:3.12-slim\nCOPY data/train.parquet /d/\n", []),  # a dataset
        ("FROM python:3.12-slim\nCOPY hf/pytorch_model-00001-of-00002.bin /m/\n", [(2, 6)]),
        ("FROM python:3.12-slim\nCOPY assets/mel_filters.npz /m/\n", []),
        ("FROM python:3.12-slim\nCOPY ${MODEL} /m/\n", []),
        ("FROM python:3.12-slim\nRUN hf download org/model --revision v1.0\n", [(2, 5)]),
        (f"FROM python:3.12-slim\nRUN hf download org/model --revision={COMMIT}\n", []),
        ("FROM python:3.12-slim\nRUN hf download org/model --revision $REV\n", []),
        ("FROM python:3.12-slim\nRUN hf download org/m tokenizer.json config.json\n", []),
        (
            "FROM python:3.12-slim\nRUN hf download org/m --local-dir /m model.safetensors\n",
            [(2, 5)],
        ),
        ("FROM python:3.12-slim\nRUN hf download org/data --repo-type dataset\n", []),
        (
            "FROM python:3.12-slim\n"
            "RUN HF_HUB_ENABLE_HF_TRANSFER=1 sudo huggingface-cli download org/model\n",
            [(2, 38)],
        ),
        (
            "FROM python:3.12-slim\n"
            f"RUN curl -LO https://huggingface.co/org/m/resolve/{COMMIT}/model.safetensors\n",
            [],
        ),
        (
            "FROM python:3.12-slim\n"
            "RUN curl -LO https://huggingface.co/datasets/org/d/resolve/v2/train.parquet\n",
            [(2, 14)],
        ),
    ],
)
def test_weights(tmp_path: Path, text: str, reported: list[tuple[int, int]]) -> None:
    assert found(tmp_path, text, "MLI005") == reported


# --- suppression, file names, the command ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("# noqa: MLI003\nFROM pytorch/pytorch:nightly\n", []),
        ("# a nightly on purpose\n# noqa: MLI003\nFROM pytorch/pytorch:nightly\n", []),
        ("# noqa: MLI001\nFROM pytorch/pytorch:nightly\n", [(2, 6)]),
        ("# noqa: MLI003\n\nFROM pytorch/pytorch:nightly\n", [(3, 6)]),  # not directly above
        ("FROM python:3.12\n# noqa\nFROM pytorch/pytorch:nightly\n", []),
    ],
)
def test_noqa_on_the_comment_line_above(
    tmp_path: Path, text: str, reported: list[tuple[int, int]]
) -> None:
    assert found(tmp_path, text, "MLI003") == reported


def test_noqa_in_a_run_command_covers_its_line(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\n"
        "RUN apt-get install -y gcc  # noqa: MLI004 - triton compiles at run time\n"
    )
    assert found(tmp_path, text, "MLI004") == []


def test_a_comment_line_above_a_run_does_not_count(tmp_path: Path) -> None:
    # As for MLD006: a RUN can carry its own comment, and the line above may speak of
    # the instruction before.
    text = "FROM python:3.12-slim\n# noqa: MLI004\nRUN apt-get install -y gcc\n"
    assert found(tmp_path, text, "MLI004") == [(3, 24)]


@pytest.mark.parametrize("name", ["docker/Dockerfile.gpu", "Containerfile", "serve.dockerfile"])
def test_every_dockerfile_name_is_read(tmp_path: Path, name: str) -> None:
    assert found(tmp_path, "FROM pytorch/pytorch:nightly\n", "MLI003", name=name) == [(1, 6)]


def test_a_python_file_named_like_a_dockerfile_is_not_read(tmp_path: Path) -> None:
    text = "FROM = 'pytorch/pytorch:nightly'\n"
    assert found(tmp_path, text, "MLI003", name="dockerfile.py") == []


def test_deps_command_reports_mli_beside_mld(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"Dockerfile": "FROM python:3.12-alpine\nRUN pip install torch\n"},
    )
    result = subprocess.run(
        [sys.executable, "-m", "ml_policy", "deps", "Dockerfile"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Dockerfile:1:6: MLI001" in result.stdout
    assert "Dockerfile:2:17: MLD006" in result.stdout
    assert "Traceback" not in result.stderr
