"""MLI004 build-tools-in-final-stage: compilers and -dev packages left in the shipped image."""

from __future__ import annotations

import re
from typing import ClassVar

from ml_policy.deps.rules.policy import Policy
from ml_policy.deps.shell import Word
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.dockerfile import Dockerfile, ImageRef, Stage
from ml_policy.images.installs import system_installs
from ml_policy.images.rules.base import ImageRule

# Compilers by their Debian, Alpine and Red Hat package names (`gcc-12` too): the finding.
COMPILERS = re.compile(
    r"(build-essential|build-base|gcc|g\+\+|gcc-c\+\+|clang|gfortran|rustc|cargo"
    r"|cuda-toolkit|cuda-nvcc)(-[0-9][0-9.]*)?"
)
# Build systems: listed beside a compiler, never a finding alone (DeepSpeed and other
# extensions JIT-compile with ninja at run time, with the compiler of the base image).
BUILD_SYSTEMS = frozenset(
    {"make", "cmake", "ninja-build", "autoconf", "automake", "libtool", "pkg-config"}
)
# Headers: `libssl-dev` (Debian, Alpine), `openssl-devel` (Red Hat), versioned names too.
HEADERS = re.compile(r"[a-z0-9][a-z0-9.+-]*-(dev|devel)(=.*)?")
# Files of development, CI and builder images, where compilers are the point.
DEVELOPMENT_NAME = re.compile(
    r"(^|[._-])(dev|devel|develop|development|ci|test|tests|build|builder|devcontainer"
    r"|notebook|jupyter|workstation)([._-]|$)"
)
# The command of a working environment rather than a service: an interactive shell.
SHELL_COMMAND = re.compile(r'\[?\s*"?(/bin/|/usr/bin/)?(bash|sh|zsh)"?\s*(,\s*"-l"|-l)?\s*\]?')
# RUN commands for one architecture only (no wheel there): compilers may be the only way.
ARCH_CONDITION = re.compile(r"TARGETARCH|TARGETPLATFORM|uname\s+-m|dpkg\s+--print-architecture")
REMOVERS = re.compile(
    r"\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^\n]*\b(purge|remove|del|autoremove)\b"
)


class BuildToolsInFinalStage(ImageRule):
    """
    ## What it does
    Checks the final build stage (the image that ships; a single-stage file's only
    stage) for `apt-get`/`apt`/`apk`/`yum`/`dnf`/`microdnf` installs of compilers
    (`build-essential`, `build-base`, `gcc`, `gcc-12`, `g++`, `clang`, `gfortran`,
    `cargo`, ...). Build systems (`make`, `cmake`, `ninja-build`) and header
    packages (`*-dev`, `*-devel`) are named beside a compiler, never reported
    alone: DeepSpeed and other extensions compile their kernels at run time with
    ninja and the base image's compiler. Silent when a later command of the stage
    removes one of them again (`apt-get purge gcc`, `apk del .build-deps`), since
    then the image's size depends on how the layers are squashed, which the
    Dockerfile alone does not tell. Earlier stages may install anything: that is
    what a builder stage is for.

    Not judged: development, CI and builder images (a file whose path from the
    project root has a folder or name with `dev`, `devel`, `ci`, `test`, `build`
    or `notebook` in it: `.devcontainer/`, `Dockerfile.dev`, `ci.dockerfile`,
    `gh-builder/`; or a final stage named so); a final stage on an image that
    ships a toolchain by choice (CUDA `devel` images, NVIDIA's NGC framework
    images on `nvcr.io`, ROCm and Jupyter stacks); one whose command is an
    interactive shell (`CMD ["/bin/bash"]`: a working environment such as a CI or
    notebook image, not a service); installs in a `RUN` for one architecture only
    (`if [ "$TARGETARCH" = arm64 ]`, where a package may have no wheel). An image
    that runs `torch.compile` needs a C compiler at run time (Triton builds a
    small launcher with it): there, accept the `gcc` install with
    `# noqa: MLI004` and a reason.

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
    summary = "the image that ships installs a compiler"
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
        stage = dockerfile.final
        if stage is None or _development_image(dockerfile, stage, policy):
            return []
        tools = [word for word in _installed(stage) if _is_build_tool(word.value)]
        if not any(COMPILERS.fullmatch(_package(word.value).lower()) for word in tools):
            return []  # headers and build systems alone build nothing: the compiler is it
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


def _development_image(dockerfile: Dockerfile, stage: Stage, policy: Policy) -> bool:
    """A development, CI or builder image by its path (from the project root) or stage
    name, or a final stage on an image that ships a toolchain by choice."""
    relative = policy.settings.relative(dockerfile.path).lower()
    if any(DEVELOPMENT_NAME.search(part) for part in relative.split("/")):
        return True
    if stage.name and DEVELOPMENT_NAME.search(stage.name):
        return True
    commands = [i for i in stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    if commands and SHELL_COMMAND.fullmatch(commands[-1].arguments.text.strip()):
        return True
    image = stage.image()
    return image is not None and _ships_toolchain(image)


def _ships_toolchain(image: ImageRef) -> bool:
    """CUDA `devel` images, NVIDIA's NGC framework images, ROCm and Jupyter stacks: their
    compilers are part of what they are for."""
    if "devel" in re.split(r"[-_.]", (image.tag or "").lower()):
        return True
    if image.registry == "nvcr.io":
        return True
    return image.repository.startswith(("rocm/", "jupyter/"))


def _installed(stage: Stage) -> list[Word]:
    """The system packages the stage installs, but in RUNs for one architecture only."""
    conditional = [
        (i.arguments.offsets[0], i.arguments.offsets[-1])
        for i in stage.instructions
        if i.keyword == "RUN" and i.arguments.offsets and ARCH_CONDITION.search(i.arguments.text)
    ]
    return [
        word
        for command in stage.commands
        for word in system_installs(command)
        if not any(start <= word.start <= end for start, end in conditional)
    ]


def _package(value: str) -> str:
    return re.split(r"[=<>]", value, maxsplit=1)[0]


def _is_build_tool(value: str) -> bool:
    name = _package(value).lower()
    return bool(COMPILERS.fullmatch(name) or HEADERS.fullmatch(name)) or name in BUILD_SYSTEMS


def _removes_later(stage: Stage, tools: list[Word]) -> bool:
    """Whether a command of the stage after the first install removes one of the tools
    again, or a package group (`apk del .build-deps`)."""
    first = tools[0].start
    names = {_package(word.value).lower() for word in tools}
    for command in stage.commands:
        if not command or command[0].start < first:
            continue
        words = [word.value.lower() for word in command]
        if REMOVERS.search(" ".join(words)) and any(
            word in names or word.startswith(".") for word in words
        ):
            return True
    return False
