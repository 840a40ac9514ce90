"""What an ML base image's reference says: whose image it is, its CUDA version, its libc."""

from __future__ import annotations

import re

from ml_policy.images.dockerfile import ImageRef

# Repositories (Docker Hub, or after a registry) whose images are ML stacks.
ML_BASE_OWNERS = (
    *("pytorch/", "nvidia/", "huggingface/", "tensorflow/", "rocm/", "rayproject/", "vllm/"),
    *("ultralytics/", "openmmlab/", "axolotlai/", "runpod/", "pytorchlightning/"),
)
ML_REGISTRIES = ("nvcr.io",)
# Tag words that name a moving target rather than a release.
MOVING_WORDS = frozenset(
    {"latest", "nightly", "stable", "main", "master", "edge", "dev", "rolling"}
)


def is_ml_base(image: ImageRef) -> bool:
    """An image of an ML stack (`pytorch/pytorch`, `nvidia/cuda`, `nvcr.io/nvidia/pytorch`)."""
    return image.registry in ML_REGISTRIES or image.repository.startswith(ML_BASE_OWNERS)


def moving_tag(tag: str) -> bool:
    """A tag that names no release: no digit in it, one that starts with a word like
    `nightly` or `latest` (`latest-gpu`), or one with `latest` or `nightly` anywhere. A
    `dev` or `stable` after a version (`rocm7.0-py3.10-tf2.17-dev`) is a variant."""
    words = re.split(r"[-_.]", tag.lower())
    if not any(char.isdigit() for char in tag) or words[0] in MOVING_WORDS:
        return True
    return bool({"latest", "nightly"}.intersection(words))


def is_alpine(image: ImageRef) -> bool:
    """A musl-based image: `alpine`, or a tag naming Alpine (`python:3.12-alpine3.20`)."""
    parts = re.split(r"[-_]", (image.tag or "").lower())
    return image.repository == "alpine" or any(part.startswith("alpine") for part in parts)


def cuda_version(image: ImageRef) -> tuple[int, int] | None:
    """The CUDA (major, minor) of an `nvidia/cuda` or `pytorch/pytorch` image's tag."""
    tag = image.tag or ""
    if image.repository == "nvidia/cuda" and image.registry in (None, "nvcr.io"):
        match = re.match(r"(\d{2})\.(\d)", tag)
    elif image.repository == "pytorch/pytorch" and image.registry is None:
        match = re.search(r"-cuda(\d{2})\.(\d)", tag)
    else:
        return None
    return (int(match.group(1)), int(match.group(2))) if match else None
