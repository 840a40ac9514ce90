"""MLI004 build-tools-in-final-stage: compilers and -dev packages left in the shipped image."""

from __future__ import annotations

import re
from typing import ClassVar

from ml_policy.deps.rules.policy import Policy
from ml_policy.deps.shell import Word
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.dockerfile import Dockerfile, Stage
from ml_policy.images.installs import system_installs
from ml_policy.images.rules.base import ImageRule

# Compilers and build systems by their Debian, Alpine and Red Hat package names.
TOOLCHAINS = frozenset(
    {
        *("build-essential", "build-base", "gcc", "g++", "gcc-c++", "clang", "gfortran"),
        *("make", "cmake", "ninja-build", "autoconf", "automake", "libtool", "cargo"),
        *("rustc", "cuda-toolkit", "cuda-nvcc"),
    }
)
# Headers: `libssl-dev` (Debian, Alpine), `openssl-devel` (Red Hat), versioned names too.
HEADERS = re.compile(r"[a-z0-9][a-z0-9.+-]*-(dev|devel)(=.*)?")
# Files of development, CI and builder images, where compilers are the point.
DEVELOPMENT_NAME = re.compile(
    r"(^|[._-])(dev|devel|develop|development|ci|test|tests|build|builder|devcontainer)([._-]|$)"
)
REMOVERS = re.compile(
    r"\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^\n]*\b(purge|remove|del|autoremove)\b"
)


class BuildToolsInFinalStage(ImageRule):
    """
    ## What it does
    Checks the final build stage (the image that ships; a single-stage file's
    only stage) for `apt-get`/`apt`/`apk`/`yum`/`dnf`/`microdnf` installs of
    compilers and build systems (`build-essential`, `build-base`, `gcc`, `g++`,
    `clang`, `gfortran`, `make`, `cmake`, `ninja-build`, `cargo`, ...) and of
    header packages (`*-dev`, `*-devel`, reported with a compiler: headers
    alone build nothing). Silent when the stage removes them
    again (`apt-get purge`, `apk del`, ...) anywhere after the install, since
    then the image's size depends on how the layers are squashed, which the
    Dockerfile alone does not tell. Earlier stages may install anything: that
    is what a builder stage is for. Development, CI and builder images are
    not judged: a file in `.devcontainer/` or named with `dev`, `devel`, `ci`,
    `test` or `build` (`Dockerfile.dev`, `ci.dockerfile`), a final stage named
    so, or one on a CUDA `devel` image (chosen for its toolchain: DeepSpeed
    and other extensions compile their kernels at run time there). An image
    that runs `torch.compile` needs a
    C compiler at run time (Triton builds a small launcher with it): there,
    accept the `gcc` install with `# noqa: MLI004` and a reason.

    ## Why is this bad?
    Compilers, headers and build caches are only needed to build wheels (say
    flash-attn or a package without a wheel for the platform). Kept in the
    final image they add hundreds of megabytes to gigabytes that every node
    pulls before a job starts, and widen the attack surface of a serving
    image. A builder stage that builds the wheels or the virtual environment,
    and a final stage that copies only the result, ships the same code without
    them.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends build-essential
    RUN pip install --no-cache-dir flash-attn==2.7.0.post2
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim AS builder
    RUN apt-get update && apt-get install -y --no-install-recommends build-essential
    RUN pip wheel --no-cache-dir --wheel-dir /wheels flash-attn==2.7.0.post2

    FROM python:3.12-slim
    COPY --from=builder /wheels /wheels
    RUN pip install --no-cache-dir /wheels/*.whl
    ```

    ## References
    - [Docker: multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    """

    code = "MLI004"
    name = "build-tools-in-final-stage"
    summary = "the final image stage installs compilers or -dev packages"
    invalid: ClassVar[tuple[str, ...]] = (
        "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y build-essential\n",
        "FROM python:3.12-alpine AS base\nFROM base\nRUN apk add --no-cache gcc musl-dev\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        (
            "FROM python:3.12-slim AS builder\n"
            "RUN apt-get update && apt-get install -y build-essential\n"
            "FROM python:3.12-slim\nCOPY --from=builder /venv /venv\n"
        ),
        (
            "FROM python:3.12-alpine\n"
            "RUN apk add --virtual .build-deps gcc musl-dev && pip install psutil==6.1.0 \\\n"
            "    && apk del .build-deps\n"
        ),
        "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl libgomp1\n",
    )

    @classmethod
    def check(cls, dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
        del policy
        stage = dockerfile.final
        if stage is None or _development_image(dockerfile, stage):
            return []
        tools = [word for word in _installed(stage) if _is_build_tool(word.value)]
        if not any(_package(word.value).lower() in TOOLCHAINS for word in tools):
            return []  # headers alone build nothing: the compiler is the finding
        if _removes_later(stage, tools):
            return []
        names = ", ".join(dict.fromkeys(_package(word.value) for word in tools))
        first = tools[0]
        message = (
            f"the final image installs {names}: compilers and headers only build wheels; "
            "build in a builder stage and copy the result (multi-stage), or remove them in "
            "the same RUN"
        )
        return [cls.at_span(message, dockerfile, dockerfile.span(first.start, first.end))]


def _development_image(dockerfile: Dockerfile, stage: Stage) -> bool:
    """A development, CI or builder image by its file or stage name, or a final stage on a
    CUDA `devel` image (which ships a toolchain by choice)."""
    path = dockerfile.path
    if ".devcontainer" in path.parts or DEVELOPMENT_NAME.search(path.name.lower()):
        return True
    if stage.name and DEVELOPMENT_NAME.search(stage.name):
        return True
    image = stage.image()
    return image is not None and "devel" in re.split(r"[-_.]", (image.tag or "").lower())


def _installed(stage: Stage) -> list[Word]:
    return [word for command in stage.commands for word in system_installs(command)]


def _package(value: str) -> str:
    return re.split(r"[=<>]", value, maxsplit=1)[0]


def _is_build_tool(value: str) -> bool:
    name = _package(value).lower()
    return name in TOOLCHAINS or bool(HEADERS.fullmatch(name))


def _removes_later(stage: Stage, tools: list[Word]) -> bool:
    """Whether a command of the stage after the first install removes packages again."""
    first = tools[0].start
    for command in stage.commands:
        if not command or command[0].start < first:
            continue
        text = " ".join(word.value for word in command)
        if REMOVERS.search(text):
            return True
    return False
