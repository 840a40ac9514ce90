"""MLA002 notebook-outputs: a notebook committed with cell outputs (its size limit: see MLA001)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.artifacts import messages
from ml_policy.artifacts.artifact import POINTER_PREFIXES, Artifact
from ml_policy.artifacts.notebooks import NotebookError, cells_with_outputs
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import read_regular
from ml_policy.parse_error import not_checked, unreadable
from ml_policy.rule import BaseRule
from ml_policy.suppress import noqa, unsuppressed

# Past this a notebook is data, not code: say so rather than load it to look at outputs.
NOTEBOOK_MAX_BYTES = 64 * 1024 * 1024

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


class NotebookOutputs(BaseRule):
    """
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
    - [The Jupyter notebook format](https://nbformat.readthedocs.io/en/latest/format_description.html)
    """

    code = "MLA002"
    name = "notebook-outputs"
    summary = "notebook committed with cell outputs, or over the notebook size limit"
    example_file = "example.ipynb"
    invalid: ClassVar[tuple[str, ...]] = (OUTPUT_CELL,)
    valid: ClassVar[tuple[str, ...]] = (CLEAN_CELL, COUNT_ONLY_CELL)

    @classmethod
    def check(cls, artifact: Artifact, reported_size: bool) -> list[Diagnostic]:
        """A finding per code cell with outputs (unless its first line says `# noqa`)."""
        path = artifact.path
        if artifact.size > NOTEBOOK_MAX_BYTES:
            # A size finding already says what is wrong; otherwise say what was not checked.
            text = messages.notebook_too_big_to_read(NOTEBOOK_MAX_BYTES)
            return [] if reported_size else [not_checked(text, path)]
        try:
            data = read_regular(path, NOTEBOOK_MAX_BYTES)
        except OSError as error:
            return [unreadable(path, error)]
        if data.startswith(POINTER_PREFIXES):
            return []  # an LFS pointer, not the notebook: nothing to look at
        try:
            cells = cells_with_outputs(data)
        except NotebookError as error:
            return [not_checked(str(error), path, error.line, error.column)]
        found = [cls.at(messages.cell_outputs(c.count, c.kinds), path, cell=c.cell) for c in cells]
        comments = (noqa(path, c.first_line, 1, cell=c.cell) for c in cells if "#" in c.first_line)
        return unsuppressed(found, [c for c in comments if c is not None])
