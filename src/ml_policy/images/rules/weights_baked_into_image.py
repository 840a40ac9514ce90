"""MLI005 weights-baked-into-image: model weights copied or downloaded into an image layer."""

from __future__ import annotations

import json
import re
from typing import ClassVar

from ml_policy.deps.commands.common import program_name
from ml_policy.deps.commands.installers import unwrap
from ml_policy.deps.rules.policy import Policy
from ml_policy.deps.shell import Command, MappedText
from ml_policy.diagnostics import Diagnostic
from ml_policy.images.dockerfile import Dockerfile, argument_words
from ml_policy.images.rules.base import ImageRule
from ml_policy.textpos import Span

# Weight and checkpoint formats: the model formats of the bundles' git-lfs list, not its
# datasets or pickles (a small `.npz` or `.pkl` lookup table in an image is ordinary).
WEIGHT_SUFFIXES = (
    *(".pt", ".pth", ".safetensors", ".ckpt", ".onnx", ".h5", ".keras", ".gguf", ".ggml"),
    *(".tflite", ".mlmodel", ".pdparams", ".caffemodel"),
)
WEIGHT_NAMES = re.compile(r"(pytorch_model|tf_model|flax_model)[\w.-]*\.(bin|msgpack)")
COMMIT = re.compile(r"[0-9a-f]{40}")
HUB_FILE = re.compile(
    r"huggingface\.co/(?:datasets/|spaces/)?(?:[^/\s]+/)?[^/\s]+/resolve/([^/\s]+)/"
)
DOWNLOADERS = frozenset({"huggingface-cli", "hf"})


class WeightsBakedIntoImage(ImageRule):
    """
    ## What it does
    Checks `COPY` and `ADD` for sources that are model weights or checkpoints
    (`*.pt`, `*.pth`, `*.safetensors`, `*.ckpt`, `*.onnx`, `*.h5`, `*.keras`,
    `*.gguf`, `*.tflite`, ..., `pytorch_model*.bin`: the model formats of the
    bundles' git-lfs list; datasets and pickles are not weights here), and
    `RUN` commands that download a model into the image without a
    pinned revision: `huggingface-cli download` / `hf download` without
    `--revision <40-hex commit>` (not a dataset or space, `--repo-type`, nor
    named files that are not weights, such as `tokenizer.json`), and
    `curl`/`wget` of a Hugging Face `.../resolve/<revision>/...` URL whose
    revision is not a commit. Folders (`COPY models/ /models/`) and sources
    with variables are not judged.

    ## Why is this bad?
    Weights in a layer make the image as large as the model: every rebuild
    pushes gigabytes again, every node pulls them before a job starts, and a
    new model means a new image. Downloaded at build time without a pinned
    revision, the same Dockerfile bakes in whatever the hub serves that day,
    so two builds of one commit can serve different models. Mount the weights
    (a volume, an object-store cache) or fetch them at start at a pinned
    revision.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY model.safetensors /models/
    RUN huggingface-cli download bert-base-uncased --local-dir /models/bert
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    # weights are mounted at /models at run time, or fetched at start:
    # huggingface-cli download bert-base-uncased --revision 86b5e0934494bd15c9632b12f734a8a67f723594
    ```

    ## References
    - [Hugging Face: download files from the Hub (revision)](https://huggingface.co/docs/huggingface_hub/guides/download)
    - [Docker: best practices, keep images small](https://docs.docker.com/build/building/best-practices/)
    """

    code = "MLI005"
    name = "weights-baked-into-image"
    summary = "model weights copied into an image, or downloaded without a pinned revision"
    invalid: ClassVar[tuple[str, ...]] = (
        "FROM python:3.12-slim\nCOPY checkpoints/best.ckpt /app/\n",
        "FROM python:3.12-slim\nRUN huggingface-cli download gpt2 --local-dir /m\n",
        (
            "FROM python:3.12-slim\n"
            "RUN wget https://huggingface.co/gpt2/resolve/main/model.safetensors\n"
        ),
    )
    valid: ClassVar[tuple[str, ...]] = (
        "FROM python:3.12-slim\nCOPY src/ /app/src/\nCOPY models/ /app/models/\n",
        (
            "FROM python:3.12-slim\nRUN huggingface-cli download gpt2 "
            "--revision 607a30d783dfa663caf39e06633721c8d4cfcd7e --local-dir /m\n"
        ),
        "FROM python:3.12-slim\nCOPY requirements.txt /app/\n",
    )

    @classmethod
    def check(cls, dockerfile: Dockerfile, policy: Policy) -> list[Diagnostic]:
        del policy
        found = []
        for stage in dockerfile.stages:
            for instruction in stage.instructions:
                if instruction.keyword not in ("COPY", "ADD") or instruction.heredoc:
                    continue
                for source, span in _sources(dockerfile, instruction.arguments):
                    if _is_weights(source):
                        message = (
                            f"{instruction.keyword} {source} bakes model weights into an image "
                            "layer: every build pushes them and every node pulls them; mount "
                            "them or fetch them at start at a pinned revision"
                        )
                        found.append(cls.at_span(message, dockerfile, span))
            for command in stage.commands:
                problem = _download_problem(command)
                if problem is not None:
                    message, start, end = problem
                    found.append(cls.at_span(message, dockerfile, dockerfile.span(start, end)))
        return found


def _sources(dockerfile: Dockerfile, arguments: MappedText) -> list[tuple[str, Span]]:
    """The literal source paths of a COPY or ADD (the last word is the destination)."""
    text = arguments.text
    if text.lstrip().startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            return []
        line = dockerfile.lines.position(arguments.offsets[0])[0] if arguments.offsets else 1
        span = Span(line, 1, line, 1)
        return [(str(v), span) for v in values[:-1] if isinstance(v, str) and "$" not in v]
    return [
        (word.value, dockerfile.span(word.start, word.end))
        for word in argument_words(arguments)[:-1]
        if "$" not in word.value
    ]


def _is_weights(source: str) -> bool:
    name = source.rsplit("/", 1)[-1].lower()
    return name.endswith(WEIGHT_SUFFIXES) or bool(WEIGHT_NAMES.fullmatch(name))


def _option(values: list[str], name: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` among a command's words."""
    for index, value in enumerate(values):
        if value == name and index + 1 < len(values):
            return values[index + 1]
        if value.startswith(f"{name}="):
            return value.partition("=")[2]
    return None


# Options of `hf download` that take no value; every other option takes the next word.
_FLAGS = frozenset({"--quiet", "--force-download", "--resume-download", "--dry-run"})


def _positionals(arguments: list[str]) -> list[str]:
    """The repository id and file names of `hf download`, its options and values skipped."""
    found: list[str] = []
    skip = False
    for value in arguments:
        if skip:
            skip = False
        elif value.startswith("-"):
            skip = "=" not in value and value not in _FLAGS
        else:
            found.append(value)
    return found


def _download_problem(command: Command) -> tuple[str, int, int] | None:
    """(message, start, end) for a model download without a pinned revision."""
    command = tuple(unwrap(command))  # past `sudo`, `env`, `HF_HUB_ENABLE_HF_TRANSFER=1`
    if not command:
        return None
    program = program_name(command[0])
    values = [word.value for word in command]
    if program in DOWNLOADERS and len(values) > 2 and values[1] == "download":
        revision = _option(values, "--revision")
        if revision is not None and COMMIT.fullmatch(revision):
            return None
        if not all(word.literal for word in command):
            return None
        if _option(values, "--repo-type") in ("dataset", "space"):
            return None  # not a model
        repo, *files = _positionals(values[2:]) or ["the model"]
        if files and not any(_is_weights(name) for name in files):
            return None  # named files, none of them weights (a tokenizer, a config)
        message = (
            f"{program} download {repo} bakes a model into an image layer at whatever revision "
            "the hub serves that day: pass --revision <commit>, or fetch it at start"
        )
        return message, command[0].start, command[-1].end
    if program in ("wget", "curl"):
        for word in command[1:]:
            match = HUB_FILE.search(word.value)
            if match and word.literal and not COMMIT.fullmatch(match.group(1)):
                message = (
                    f"{program} of a Hugging Face file at revision {match.group(1)!r} bakes it "
                    "into an image layer, and the revision moves: use a commit id, or fetch "
                    "it at start"
                )
                return message, word.start, word.end
    return None
