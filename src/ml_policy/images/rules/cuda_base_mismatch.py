"""MLI002 cuda-base-mismatch: a torch wheel built for another CUDA than the base image's."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.bases import cuda_version
from ml_policy.images.dockerfile import Dockerfile
from ml_policy.images.installs import PythonInstall, python_installs
from ml_policy.images.rules.base import ImageRule

TORCH_WHEELS = frozenset({"torch", "torchvision", "torchaudio"})
LABEL = re.compile(r"\+(cpu|cu(\d{2})(\d+))$")
INDEX_LABEL = re.compile(
    r"download\.pytorch\.org/whl/(?:nightly/|test/)?(cpu|cu(\d{2})(\d+))(?:/|/torch_stable\.html)?$"
)

CPU: Literal["cpu"] = "cpu"


class CudaBaseMismatch(ImageRule):
    """
    ## What it does
    In each build stage whose image is `nvidia/cuda` or a CUDA build of
    `pytorch/pytorch` (the CUDA version read from the tag, after `ARG`
    defaults), checks the torch, torchvision and torchaudio wheels the stage
    installs with a CUDA label (`torch==2.5.1+cu121`, or an index such as
    `--index-url https://download.pytorch.org/whl/cu118`, or a find-links page
    such as `-f https://download.pytorch.org/whl/cu113/torch_stable.html`): a
    wheel built for another CUDA major version, or a CPU-only wheel (`+cpu`,
    `/whl/cpu`), is reported. A wheel without a label (the default one from
    PyPI) is not judged, nor is a minor-version difference (a cu121 wheel on a
    CUDA 12.4 image runs: the wheel brings its own CUDA runtime, and PyTorch only warns
    when it builds extensions against the image's toolkit). Whether an image
    without CUDA is meant for a GPU cannot be told from the Dockerfile, so a
    CUDA wheel on it is not reported.

    ## Why is this bad?
    The image then carries two CUDA stacks, its own and the wheel's, adding
    gigabytes, and nothing built against the image's toolkit works with the
    wheel: `torch.utils.cpp_extension` refuses to compile extensions (flash-attn,
    apex, DeepSpeed ops) when the CUDA major versions differ. A CPU-only wheel on
    a CUDA image never sees the GPU the image was built for: training silently
    runs on the CPU.

    ## Example
    ```dockerfile
    FROM nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04
    RUN pip install --no-cache-dir torch==2.5.1+cu121 --index-url https://download.pytorch.org/whl/cu121
    ```

    ## Use instead
    ```dockerfile
    FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04
    RUN pip install --no-cache-dir torch==2.5.1+cu121 --index-url https://download.pytorch.org/whl/cu121
    ```

    ## References
    - [PyTorch: previous versions and their CUDA builds](https://pytorch.org/get-started/previous-versions/)
    - [PyTorch: torch.utils.cpp_extension CUDA version check](https://pytorch.org/docs/stable/cpp_extension.html)
    """

    code = "MLI002"
    name = "cuda-base-mismatch"
    summary = "a torch wheel built for another CUDA than the base image, or CPU-only on CUDA"
    invalid: ClassVar[tuple[str, ...]] = (
        "FROM nvidia/cuda:11.8.0-runtime-ubuntu22.04\nRUN pip install torch==2.5.1+cu121\n",
        (
            "ARG CUDA=12.4.1\nFROM nvidia/cuda:${CUDA}-runtime-ubuntu22.04\n"
            "RUN pip install torch==2.5.1 --index-url https://download.pytorch.org/whl/cpu\n"
        ),
        (
            "FROM pytorch/pytorch:2.1.0-cuda11.8-cudnn8-runtime AS base\nFROM base\n"
            "RUN pip install torchaudio==2.1.0+cu121\n"
        ),
    )
    valid: ClassVar[tuple[str, ...]] = (
        "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\nRUN pip install torch==2.5.1+cu121\n",
        "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\nRUN pip install torch==2.5.1\n",
        "FROM python:3.12-slim\nRUN pip install torch==2.5.1+cu121\n",
        (
            "FROM nvidia/cuda:11.8.0-runtime-ubuntu22.04 AS cuda\nFROM python:3.12-slim\n"
            "RUN pip install torch==2.5.1 --index-url https://download.pytorch.org/whl/cpu\n"
        ),
    )

    @classmethod
    def check(cls, dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
        del policy
        found = []
        for stage in dockerfile.stages:
            image = stage.image()
            base = cuda_version(image) if image is not None else None
            if image is None or base is None:
                continue
            by_command: dict[int, list[PythonInstall]] = {}
            labels: dict[int, tuple[int, int] | Literal["cpu"]] = {}
            for install in python_installs(stage):
                label = _wheel_cuda(install) if install.name in TORCH_WHEELS else None
                if label is not None and (isinstance(label, str) or label[0] != base[0]):
                    by_command.setdefault(install.command, []).append(install)
                    labels.setdefault(install.command, label)
            for command, installs in by_command.items():
                message = _message(installs, labels[command], image.text, base)
                word = installs[0].word
                span = dockerfile.span(word.start, installs[-1].word.end)
                found.append(cls.at_span(message, dockerfile, span))
        return found


def _wheel_cuda(install: PythonInstall) -> tuple[int, int] | Literal["cpu"] | None:
    """The CUDA a wheel is built for: (major, minor), "cpu", or None when it cannot be told."""
    match = LABEL.search(install.word.value.split(";")[0].strip())
    if match is None:
        labels = [m for url in install.indexes if (m := INDEX_LABEL.search(url))]
        if len(labels) != 1:
            return None
        match = labels[0]
    if match.group(1) == CPU:
        return CPU
    return int(match.group(2)), int(match.group(3))


def _message(
    installs: list[PythonInstall],
    label: tuple[int, int] | Literal["cpu"],
    image: str,
    base: tuple[int, int],
) -> str:
    """One message for the mismatched wheels of one install command (`label`: the first's)."""
    wheels = ", ".join(install.word.value for install in installs)
    if isinstance(label, str):
        built, why = "a CPU-only build", "torch will never see the GPU"
    else:
        built = f"built for CUDA {_v(label)}"
        why = "two CUDA stacks in one image, and extensions cannot be built against it"
    return (
        f"{wheels}: {built}, but the stage's image {image} has CUDA {_v(base)}: {why}; "
        "use a matching image or wheel"
    )


def _v(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
