"""MLI003 unpinned-base-image: an ML base image on a moving tag (or without a digest)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.deps.rules.policy import Policy
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.bases import is_ml_base, moving_tag
from ml_policy.images.dockerfile import Dockerfile, ImageRef
from ml_policy.images.rules.base import ImageRule


class UnpinnedBaseImage(ImageRule):
    """
    ## What it does
    Checks the `FROM` of every build stage whose image is an ML stack
    (`pytorch/*`, `nvidia/*`, `huggingface/*`, `tensorflow/*`, `rocm/*`,
    `rayproject/*`, `vllm/*`, `ultralytics/*`, `openmmlab/*`, `axolotlai/*`,
    `runpod/*`, `pytorchlightning/*`, anything from `nvcr.io`) for a tag that names no
    release: `nightly`, `latest-gpu`, `devel`, `stable`, any tag without a
    digit. With `[tool.ml-policy.images] base-pin = "digest"`, every such image
    must also carry a digest (`@sha256:...`). Tags are read after the global
    `ARG` defaults are substituted; a tag that still holds a variable is not
    checked. A missing tag and the exact tag `latest` are hadolint's (DL3006,
    DL3007, hook ml-policy-hadolint) and not reported twice, except in digest
    mode.

    ## Why is this bad?
    A moving tag is a different image next week: another torch, CUDA or cuDNN
    under the same Dockerfile, so a rebuild changes numerics, breaks compiled
    extensions, or stops matching the host's driver, with no change in the
    repository to explain it.

    ## Example
    ```dockerfile
    FROM pytorch/pytorch:nightly
    ```

    ## Use instead
    ```dockerfile
    FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime
    ```

    ## References
    - [Docker: image tags and digests](https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier)
    - [hadolint DL3007](https://github.com/hadolint/hadolint/wiki/DL3007)
    """

    code = "MLI003"
    name = "unpinned-base-image"
    summary = "an ML base image on a moving tag, or without the digest the policy asks for"
    invalid: ClassVar[tuple[str, ...]] = (
        "FROM pytorch/pytorch:nightly\n",
        "FROM tensorflow/tensorflow:latest-gpu\n",
        "ARG BASE_TAG=devel\nFROM nvcr.io/nvidia/pytorch:${BASE_TAG}\n",
    )
    valid: ClassVar[tuple[str, ...]] = (
        "FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime\n",
        "FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04\n",
        "FROM pytorch/pytorch:latest\n",  # DL3007's
        "FROM python:nightly\n",  # not an ML base: hadolint's to judge
        "ARG TAG\nFROM pytorch/pytorch:${TAG}\n",  # the tag comes from --build-arg
    )

    @classmethod
    def check(cls, dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
        digest = policy.settings.images.base_pin == "digest"
        found = []
        for stage in dockerfile.stages:
            image = stage.base
            if image is None or not is_ml_base(image):
                continue
            message = _digest_problem(image) if digest else _tag_problem(image)
            if message is not None:
                found.append(cls.at_span(message, dockerfile, stage.span))
        return found


def _tag_problem(image: ImageRef) -> str | None:
    if image.digest or image.tag is None or image.tag == "latest" or not moving_tag(image.tag):
        return None
    return (
        f"base image {image.text} is on the moving tag {image.tag!r}: a rebuild can bring "
        "another framework, CUDA or cuDNN release; pin a release tag or a digest"
    )


def _digest_problem(image: ImageRef) -> str | None:
    if image.digest:
        return None
    return (
        f'base image {image.text} has no digest: the policy (base-pin = "digest") asks for '
        "`@sha256:...` on ML base images, so a rebuild gets the same bytes"
    )
