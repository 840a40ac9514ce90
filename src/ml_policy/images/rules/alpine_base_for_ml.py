"""MLI001 alpine-base-for-ml: an Alpine (musl) stage that installs ML or scientific packages."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.bases import is_alpine
from ml_policy.images.dockerfile import Dockerfile
from ml_policy.images.installs import python_installs
from ml_policy.images.rules.base import ImageRule


class AlpineBaseForMl(ImageRule):
    """
    ## What it does
    Checks every build stage based on an Alpine image (`alpine`, or a tag such
    as `python:3.12-alpine`, followed through `FROM <earlier stage>`) for
    `pip`, `uv` or `conda` installs of ML or scientific packages (the ML
    package list of `ml-policy deps`: torch, numpy, scipy, pandas,
    scikit-learn, ... extended by `ml-packages`). Installs from a requirements
    file are not read (the file is checked itself); a base image reference
    that holds an unresolved variable is not judged.

    ## Why is this bad?
    Alpine uses musl, not glibc. Most scientific wheels on PyPI are built for
    glibc (`manylinux`); on musl pip finds no wheel (or only a `musllinux` one
    for some releases) and builds numpy, scipy or pandas from source, which
    needs compilers and takes tens of minutes, or fails outright; torch
    publishes no musl wheel at all. The image ends up larger and slower to
    build than the `-slim` (Debian, glibc) variant.

    ## Example
    ```dockerfile
    FROM python:3.12-alpine
    RUN pip install --no-cache-dir numpy==2.1.3 pandas==2.2.3
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir numpy==2.1.3 pandas==2.2.3
    ```

    ## References
    - [Python wheels: manylinux and musllinux platform tags (PEP 656)](https://peps.python.org/pep-0656/)
    - [PyTorch: supported platforms](https://pytorch.org/get-started/locally/)
    """

    code = "MLI001"
    name = "alpine-base-for-ml"
    summary = "an Alpine (musl) image that installs ML or scientific packages"
    invalid: ClassVar[tuple[str, ...]] = (
        "FROM python:3.12-alpine\nRUN pip install --no-cache-dir numpy==2.1.3\n",
        "FROM alpine:3.20 AS base\nFROM base\nRUN python3 -m pip install torch==2.5.1\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        "FROM python:3.12-slim\nRUN pip install --no-cache-dir numpy==2.1.3\n",
        "FROM python:3.12-alpine\nRUN pip install --no-cache-dir requests==2.32.3\n",
        "FROM python:3.12-alpine\nRUN pip install --no-cache-dir -r requirements.txt\n",
    )

    @classmethod
    def check(cls, dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
        found = []
        for stage in dockerfile.stages:
            image = stage.image()
            if image is None or not is_alpine(image):
                continue
            ml = [i for i in python_installs(stage) if i.name in policy.ml_packages]
            if not ml:
                continue
            names = ", ".join(dict.fromkeys(install.name for install in ml))
            line = dockerfile.lines.position(ml[0].word.start)[0]
            message = (
                f"this stage is based on {image.text} (Alpine, musl) and installs {names} "
                f"(line {line}): scientific wheels are built for glibc, so pip compiles them "
                "from source or fails (torch has no musl wheel); use a -slim (Debian) image"
            )
            found.append(cls.at_span(message, dockerfile, stage.span))
        return found
