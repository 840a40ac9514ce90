"""MLI001 alpine-base-for-ml: an Alpine (musl) stage that installs ML or scientific packages."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.bases import is_alpine
from ml_policy.images.dockerfile import Dockerfile
from ml_policy.images.installs import python_installs
from ml_policy.images.rules.base import ImageRule

# Compiled ML packages with no musl wheel on PyPI at all (checked 2026-12-07: no
# `musllinux` file among their releases), and jax, which needs jaxlib. numpy, scipy,
# pandas and pyarrow publish musl wheels for their recent releases: not listed.
NO_MUSL_WHEEL = frozenset(
    {
        *("torch", "torchvision", "torchaudio", "tensorflow", "tensorflow-cpu"),
        *("tensorflow-gpu", "jax", "jaxlib", "onnxruntime", "onnxruntime-gpu", "xgboost"),
        *("lightgbm", "scikit-learn", "opencv-python", "opencv-python-headless"),
        *("opencv-contrib-python", "triton", "sentencepiece"),
    }
)


class AlpineBaseForMl(ImageRule):
    """
    ## What it does
    Checks every build stage based on an Alpine image (`alpine`, or a tag such
    as `python:3.12-alpine`, followed through `FROM <earlier stage>`) for
    `pip`, `uv` or `conda` installs of compiled ML packages that publish no
    musl wheel on PyPI: torch, torchvision, torchaudio, tensorflow, jax and
    jaxlib, onnxruntime, xgboost, lightgbm, scikit-learn, opencv-python,
    triton, sentencepiece. (numpy, scipy, pandas and pyarrow publish musl
    wheels for their recent releases, so they are not reported.) Installs
    from a requirements file are not read (the file is checked itself); a
    base image reference that holds an unresolved variable is not judged.

    ## Why is this bad?
    Alpine uses musl, not glibc, and these packages publish wheels for glibc
    (`manylinux`) only. On musl pip finds no wheel: it builds scikit-learn,
    xgboost or opencv from source, which needs compilers and takes tens of
    minutes, or fails outright (torch, tensorflow and jaxlib cannot be built
    by pip at all). The image ends up larger and slower to build than the
    `-slim` (Debian, glibc) variant, if it builds.

    ## Example
    ```dockerfile
    FROM python:3.12-alpine
    RUN pip install --no-cache-dir scikit-learn==1.5.2
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir scikit-learn==1.5.2
    ```

    ## References
    - [Python wheels: manylinux and musllinux platform tags (PEP 656)](https://peps.python.org/pep-0656/)
    - [PyTorch: supported platforms](https://pytorch.org/get-started/locally/)
    """

    code = "MLI001"
    name = "alpine-base-for-ml"
    summary = "an Alpine (musl) image that installs ML packages that have no musl wheel"
    invalid: ClassVar[tuple[str, ...]] = (
        "FROM python:3.12-alpine\nRUN pip install --no-cache-dir scikit-learn==1.5.2\n",
        "FROM alpine:3.20 AS base\nFROM base\nRUN python3 -m pip install torch==2.5.1\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        "FROM python:3.12-slim\nRUN pip install --no-cache-dir torch==2.5.1\n",
        "FROM python:3.12-alpine\nRUN pip install --no-cache-dir numpy==2.1.3\n",
        "FROM python:3.12-alpine\nRUN pip install --no-cache-dir requests==2.32.3\n",
        "FROM python:3.12-alpine\nRUN pip install --no-cache-dir -r requirements.txt\n",
    )

    @classmethod
    def check(cls, dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
        del policy
        found = []
        for stage in dockerfile.stages:
            image = stage.image()
            if image is None or not is_alpine(image):
                continue
            ml = [i for i in python_installs(stage) if i.name in NO_MUSL_WHEEL]
            if not ml:
                continue
            names = ", ".join(dict.fromkeys(install.name for install in ml))
            line = dockerfile.lines.position(ml[0].word.start)[0]
            message = (
                f"this stage is based on {image.text} (Alpine, musl) and installs {names} "
                f"(line {line}), which publish no musl wheel: pip builds them from source or "
                "fails; use a -slim (Debian, glibc) image"
            )
            found.append(cls.at_span(message, dockerfile, stage.span))
        return found
