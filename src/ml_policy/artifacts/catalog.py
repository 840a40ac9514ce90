"""Documentation of the MLA rules (`ml-policy rule MLA001`, docs/rules)."""

from __future__ import annotations

from ml_policy.catalog import RuleInfo

LARGE_ARTIFACT_DOC = """\
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
- [pre-commit-hooks check-added-large-files](https://github.com/pre-commit/pre-commit-hooks#check-added-large-files)"""

NOTEBOOK_DOC = """\
## What it does
Checks Jupyter notebooks (`.ipynb`) for code cells committed with outputs
(a non-empty `outputs` list), unless `allow-notebook-outputs = true`, and
for notebooks larger than `notebook-max-kb` (or a `limits` pattern that
matches them). An output is reported at its cell (1-based, counting every
cell); the size at the file. A notebook that is not valid JSON is reported
as MLE001. Notebooks tracked by git-lfs are exempt from the size limit, not
from the outputs check.

Execution counts alone are not reported: they make diffs churn but carry no
data, and the tools that clear outputs reset them too. A cell whose outputs
are meant to stay (a rendered figure in a tutorial) keeps them with
`# noqa: MLA002` in a comment on its first line.

## Why is this bad?
Outputs are data: printed dataframe rows, plotted samples, tracebacks with
paths, tokens echoed by a login cell. They are committed with the code and
stay in history. Base64-encoded plots and progress bars turn a 20-line change
into a multi-megabyte diff nobody can review, and re-running a cell rewrites
them all.

## Example
```json
{"cell_type": "code", "execution_count": 3, "source": ["df.head()"],
 "outputs": [{"output_type": "execute_result", "data": {"text/html": ["<table>..."]}}]}
```

## Use instead
```json
{"cell_type": "code", "execution_count": null, "source": ["df.head()"],
 "outputs": []}
```
Clear outputs before committing (`jupyter nbconvert --clear-output --inplace
nb.ipynb`) or install nbstripout as a git filter (`nbstripout --install`).

## References
- [nbstripout](https://github.com/kynan/nbstripout)
- [nbconvert: clearing outputs](https://nbconvert.readthedocs.io/en/latest/removing_cells.html)
- [The Jupyter notebook format](https://nbformat.readthedocs.io/en/latest/format_description.html)"""

OUTPUT_CELL = (
    '{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, '
    '"source": ["print(loss)"], "outputs": [{"output_type": "stream", "name": "stdout", '
    '"text": ["0.4213\\n"]}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
)
CLEAN_CELL = (
    '{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, '
    '"source": ["print(loss)"], "outputs": []}], "metadata": {}, "nbformat": 4, '
    '"nbformat_minor": 5}'
)
COUNT_ONLY_CELL = (
    '{"cells": [{"cell_type": "code", "execution_count": 7, "metadata": {}, '
    '"source": ["model.eval()"], "outputs": []}], "metadata": {}, "nbformat": 4, '
    '"nbformat_minor": 5}'
)

RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        code="MLA001",
        name="large-artifact",
        summary="model weights or data over the size limit, or outside git-lfs where required",
        doc=LARGE_ARTIFACT_DOC,
        invalid=(
            'models/resnet50.pt  2.1 MB  (lfs = ["*.pt"], no filter=lfs attribute)',
            "data/train.parquet  12.0 MB  (max-kb = 500)",
            'weights/adapter.safetensors  1.5 MB  (limits = { "*.safetensors" = 1024 })',
        ),
        valid=(
            "models/resnet50.pt  2.1 MB  (.gitattributes: *.pt filter=lfs diff=lfs merge=lfs)",
            "models/resnet50.pt  133 bytes  (content: version https://git-lfs.github.com/spec/v1)",
            "tests/fixtures/tiny.npy  4 kB  (max-kb = 500, no lfs pattern matches)",
        ),
    ),
    RuleInfo(
        code="MLA002",
        name="notebook-outputs",
        summary="notebook committed with cell outputs, or over the notebook size limit",
        doc=NOTEBOOK_DOC,
        invalid=(OUTPUT_CELL,),
        valid=(CLEAN_CELL, COUNT_ONLY_CELL),
        example_language="json",
    ),
)
