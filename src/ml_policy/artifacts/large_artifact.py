"""MLA001 large-artifact: a file over its size limit, or outside git-lfs where it must be in it."""

from __future__ import annotations

import re
from typing import ClassVar

from ml_policy.artifacts import messages
from ml_policy.artifacts.artifact import Artifact, is_lfs_pointer
from ml_policy.artifacts.git import LfsAnswer
from ml_policy.artifacts.notebook_outputs import NotebookOutputs
from ml_policy.diagnostics import Diagnostic
from ml_policy.parse_error import not_checked, unreadable
from ml_policy.rule import BaseRule

_SIZE = re.compile(r"(\d+(?:\.\d+)?) (bytes|kB|MB)")
_UNITS = {"bytes": 1, "kB": 1024, "MB": 1024 * 1024}


class LargeArtifact(BaseRule):
    """
    ## What it does
    Checks every file passed, by its size in the working tree (what pre-commit
    passes), against the bundle's limits in `[tool.ml-policy.artifacts]`:

    - a file matching an `lfs` pattern (gitignore-style, relative to the
      settings root: ml-strict lists `*.pt`, `*.safetensors`, `*.ckpt`, `*.onnx`,
      `*.gguf`, `*.pkl`, `*.npy`, `*.parquet`, ...) must have the git-lfs filter
      attribute (`filter=lfs` in `.gitattributes`, as `git check-attr` reports
      it), whatever its size;
    - any other file must not be larger than its limit: the last `limits`
      pattern that matches it (`limits = { "*.pt" = 1024 }`, in kB of 1024
      bytes), else `max-kb`. Notebooks have their own limit (MLA002), and lock
      files (`uv.lock`, `poetry.lock`, ...: text MLD003 asks to commit) are held
      to a size only by a `limits` pattern.

    Files tracked by git-lfs are exempt from the size limits: git stores a small
    pointer for them. A file whose content already is an LFS pointer (it starts
    with `version https://git-lfs.github.com/spec/v1`) is fine too. Files that no
    longer exist (deleted in the commit), symlinks (git stores the link, not its
    target) and folders (submodules) are skipped. Outside a git repository
    there is no git-lfs to require, so only the size limits apply; when git
    cannot answer inside one (not installed, the repository refused), the file
    is reported as MLE001 "not checked" rather than passed.

    ## Why is this bad?
    A checkpoint committed to git stays in every clone forever, even after the
    file is deleted: one 400 MB `model.safetensors` makes every CI checkout and
    every new contributor download it again. Git also diffs and packs it as
    text. Weights, datasets and pickled preprocessors belong in git-lfs, object
    storage or a model hub, where they can be versioned without rewriting history
    to remove them.

    pre-commit-hooks' `check-added-large-files` only looks at files *staged for
    addition*, so under `pre-commit run --all-files` (what CI runs) it passes
    every file, however large. This rule judges every file it is given, so CI
    enforces the same limits as the commit hook.

    ## Example
    ```text
    checkpoints/epoch_10.pt   (1.9 MB, no filter=lfs)   with lfs = ["*.pt"]
    data/train.parquet        (12.0 MB)                 with max-kb = 500
    ```

    ## Use instead
    ```shell
    git lfs track "*.pt" "*.parquet"   # writes .gitattributes
    git add .gitattributes checkpoints/epoch_10.pt data/train.parquet
    ```
    or upload the file to object storage or the Hugging Face Hub and download
    it at run time, pinned to a revision. A deliberate exception is a larger
    limit for a pattern: `limits = { "tests/fixtures/**" = 2048 }`.

    ## References
    - [Git LFS: tracking files](https://git-lfs.com/)
    - [git-lfs pointer file specification](https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md)
    - [gitattributes: the filter attribute](https://git-scm.com/docs/gitattributes#_filter)
    - [Hugging Face Hub: uploading models](https://huggingface.co/docs/hub/models-uploading)
    - [pre-commit-hooks check-added-large-files](https://github.com/pre-commit/pre-commit-hooks#check-added-large-files)
    """

    code = "MLA001"
    name = "large-artifact"
    summary = "model weights or data over the size limit, or outside git-lfs where required"
    # Each example lists files, one per line: a path, then its size or its one line of text.
    example_file = "files.txt"
    invalid: ClassVar[tuple[str, ...]] = (
        """
        models/resnet50.pt  2.1 MB
        pyproject.toml      [tool.ml-policy.artifacts] lfs = ["*.pt"]
        """,
        """
        data/train.parquet  12.0 MB
        pyproject.toml      [tool.ml-policy.artifacts] max-kb = 500
        """,
        """
        weights/adapter.safetensors  1.5 MB
        pyproject.toml               [tool.ml-policy.artifacts] limits = { "*.safetensors" = 1024 }
        """,
    )
    valid: ClassVar[tuple[str, ...]] = (
        """
        models/resnet50.pt  2.1 MB
        .gitattributes      *.pt filter=lfs diff=lfs merge=lfs
        pyproject.toml      [tool.ml-policy.artifacts] lfs = ["*.pt"]
        """,
        """
        models/resnet50.pt  version https://git-lfs.github.com/spec/v1
        pyproject.toml      [tool.ml-policy.artifacts] lfs = ["*.pt"]
        """,
        """
        configs/train.yaml  4 kB
        pyproject.toml      [tool.ml-policy.artifacts] max-kb = 500
        """,
    )

    @classmethod
    def example_files(cls, example: str) -> dict[str, str | bytes]:
        """A file per line: `path  2.1 MB` holds that many bytes, `path  text` that line
        (a TOML table header and its key on one line are written on two)."""
        files: dict[str, str | bytes] = {}
        for line in example.splitlines():
            path, _, content = line.strip().partition("  ")
            content = content.strip()
            size = _SIZE.fullmatch(content)
            if size:
                files[path] = b"\0" * int(float(size[1]) * _UNITS[size[2]])
            else:
                files[path] = content.replace("] ", "]\n", 1) + "\n"
        return files

    @classmethod
    def check(cls, artifact: Artifact, answer: LfsAnswer) -> list[Diagnostic]:
        """For a file git-lfs does not track (or git could not say) that needs it or is too big.

        A notebook's size is MLA002's, reported here because the limit is the same check.
        """
        path = artifact.path
        try:
            if is_lfs_pointer(path, artifact.size):
                return []  # committed as a pointer already: the content lives in LFS
        except OSError as error:
            return [unreadable(path, error)]
        failure = answer.failed.get(artifact.absolute)
        if failure is not None:
            return [not_checked(messages.not_checked(failure), path)]
        in_repository = artifact.absolute in answer.tracked
        if artifact.lfs_pattern is not None and in_repository:
            text = messages.lfs_required(artifact.size, artifact.lfs_pattern)
            return [cls.at(text, path)]
        if artifact.over_limit:
            text = messages.too_large(artifact.size, artifact.limit, artifact.relative)
            size_rule = NotebookOutputs if artifact.is_notebook else cls
            return [size_rule.at(text, path)]
        return []  # outside every git repository: there is no git-lfs to require
